/**
 * The domain shapes of a connection, shared by the service, the GraphQL mapping and the paste-in form.
 * Auth variants are a tagged union end to end; plaintext secrets exist only on the way in.
 */
import type { TlsMode } from '../mail/tls-mode.js';
import type { ClientAuthType } from '../oauth2/client-auth-type.js';
import type { TestOutcome } from '../mail/test-outcome.js';

export enum ConnectionType {
  SMTP = 'SMTP',
}

export type AuthKind = 'basic' | 'oauth2ClientCredentials';

/** Auth settings as an admin submits them (secret in plaintext, about to be sealed). */
export type AuthSettingsInput =
  | { kind: 'basic'; username: string; password: string }
  | {
      kind: 'oauth2ClientCredentials';
      username: string;
      clientId: string;
      clientSecret: string;
      tokenUrl: string;
      scope: string;
      clientAuthType: ClientAuthType;
      secretExpiresAt: Date | null;
    };

/** A new connection, after parsing and before validation against the store. */
export interface NewConnection {
  type: ConnectionType;
  name: string;
  description: string | null;
  /** "host:port" as typed; parsed and normalised by the service. */
  url: string;
  /** null: the default for the port (IMPLICIT_TLS on 465, else STARTTLS). */
  tls: TlsMode | null;
  caCertificate: string | null;
  fromAddress: string;
  fromDisplayName: string | null;
  auth: AuthSettingsInput;
  isDefault: boolean;
}

/** What the API shows of a secret: never the secret itself. */
export interface SecretInfoView {
  isSet: boolean;
  hint: string | null;
  updatedAt: Date | null;
  expiresAt: Date | null;
}

export type AuthView =
  | { kind: 'basic'; username: string; password: SecretInfoView }
  | {
      kind: 'oauth2ClientCredentials';
      username: string;
      clientId: string;
      tenantId: string | null;
      tokenUrl: string;
      scope: string;
      clientAuthType: ClientAuthType;
      clientSecret: SecretInfoView;
    };

/** A stored connection as reads see it: no ciphertext, nothing to decrypt. */
export interface ConnectionView {
  id: string;
  type: ConnectionType;
  name: string;
  description: string | null;
  isDefault: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  host: string;
  port: number;
  /** "host:port", IPv6 in brackets. */
  url: string;
  tls: TlsMode;
  caCertificate: string | null;
  fromAddress: string;
  fromDisplayName: string | null;
  auth: AuthView;
  lastTest: TestOutcome | null;
}
