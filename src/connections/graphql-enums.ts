import { registerEnumType } from 'type-graphql';
import { ConnectionType } from './connection.model.js';
import { TlsMode } from '../mail/tls-mode.js';
import { TestStage } from '../mail/test-outcome.js';
import { ClientAuthType } from '../oauth2/client-auth-type.js';

registerEnumType(ConnectionType, { name: 'ConnectionType', description: 'The kind of outgoing connection.' });
registerEnumType(TlsMode, {
  name: 'TlsMode',
  description: 'How the SMTP connection is encrypted. Certificates are always verified.',
  valuesConfig: {
    IMPLICIT_TLS: { description: 'TLS from the first byte, usually port 465.' },
    STARTTLS: { description: 'Plain connect, then STARTTLS is required (fails when not offered), usually port 587.' },
    OPPORTUNISTIC: { description: 'Upgrade with STARTTLS when the server offers it, else plain text.' },
    NONE: { description: 'Never TLS: only for local test sinks.' },
  },
});
registerEnumType(ClientAuthType, {
  name: 'ClientAuthType',
  description: 'How the client id and secret reach the token endpoint.',
});
registerEnumType(TestStage, {
  name: 'TestStage',
  description: 'The stage where a test stopped; DONE when the message was accepted.',
});

export { ConnectionType, TlsMode, TestStage, ClientAuthType };
