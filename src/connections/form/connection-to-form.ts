/**
 * Writes a stored connection back as the documented admin form, so it can be pasted into Postroom
 * (or the admin form) again. Reads only non-secret fields: SecretInfoView is never touched.
 *
 * Keys follow the documented spelling and order. Postroom's extension keys are added only when the
 * documented keys cannot express the setting, so an ordinary export stays a documented form:
 * - "TlsMode": for NONE, IMPLICIT_TLS on a port other than 465, STARTTLS on port 465;
 * - "CaCertificate": when the connection trusts a private CA.
 */
import type { AuthView, ConnectionView } from '../connection.model.js';
import { TlsMode, defaultTlsModeForPort } from '../../mail/tls-mode.js';
import { type ClientAuthType } from '../../oauth2/client-auth-type.js';
import type { ExportedConnectionForm } from './connection-form.js';
import { CLIENT_AUTH_TYPE_SPELLINGS } from './parse-configuration.js';

export function connectionToForm(view: ConnectionView): ExportedConnectionForm {
  return {
    type: view.type,
    name: view.name,
    description: view.description,
    url: view.url,
    userName: view.auth.username,
    configuration: JSON.stringify(configurationOf(view)),
  };
}

function configurationOf(view: ConnectionView): Record<string, string | boolean> {
  // Insertion order is the documented key order; JSON.stringify keeps it.
  const config: Record<string, string | boolean> = { UseSsl: useSslOf(view.tls) };
  if (view.fromDisplayName !== null) config.FromDisplayName = view.fromDisplayName;
  config.FromAddress = view.fromAddress;
  Object.assign(config, authKeysOf(view.auth));
  if (needsExplicitTlsMode(view.tls, view.port)) config.TlsMode = view.tls;
  if (view.caCertificate !== null) config.CaCertificate = view.caCertificate;
  return config;
}

function useSslOf(tls: TlsMode): boolean {
  switch (tls) {
    case TlsMode.IMPLICIT_TLS:
    case TlsMode.STARTTLS:
      return true;
    case TlsMode.OPPORTUNISTIC:
    case TlsMode.NONE:
      return false;
    default: {
      const unreachable: never = tls;
      throw new Error(`unhandled TLS mode ${String(unreachable)}`);
    }
  }
}

/** True when UseSsl and the port alone would import as a different mode. */
function needsExplicitTlsMode(tls: TlsMode, port: number): boolean {
  switch (tls) {
    case TlsMode.IMPLICIT_TLS:
    case TlsMode.STARTTLS:
      return defaultTlsModeForPort(port) !== tls;
    case TlsMode.OPPORTUNISTIC:
      return false;
    case TlsMode.NONE:
      return true;
    default: {
      const unreachable: never = tls;
      throw new Error(`unhandled TLS mode ${String(unreachable)}`);
    }
  }
}

function authKeysOf(auth: AuthView): Record<string, string> {
  switch (auth.kind) {
    case 'basic':
      return {}; // the documented Basic form has no AuthType key
    case 'oauth2ClientCredentials':
      return {
        GrantType: 'ClientCredentials',
        AuthType: 'OAuth2',
        ClientID: auth.clientId,
        Scope: auth.scope,
        TokenUrl: auth.tokenUrl,
        ClientAuthType: clientAuthTypeSpelling(auth.clientAuthType),
      };
    default: {
      const unreachable: never = auth;
      throw new Error(`unhandled auth kind ${String(unreachable)}`);
    }
  }
}

function clientAuthTypeSpelling(t: ClientAuthType): string {
  return CLIENT_AUTH_TYPE_SPELLINGS[t][0];
}
