/**
 * Maps a pasted admin form to a NewConnection, or to every wrong field at once.
 *
 * Paths are relative to the form (`url`, `password`, `configuration.TokenUrl`); the resolver prefixes
 * them (`form.` or `forms[17].`) with prefixFields. No message echoes the password or any value.
 * The mapping table is in the README ("Coming from the admin form").
 */
import { ConnectionType, type AuthSettingsInput, type NewConnection } from '../connection.model.js';
import type { FieldError } from '../../errors.js';
import { TlsMode } from '../../mail/tls-mode.js';
import { ClientAuthType } from '../../oauth2/client-auth-type.js';
import type { ConnectionFormFields } from './connection-form.js';
import {
  OAUTH2_KEYS,
  configurationPath,
  parseConfiguration,
  type ConfigurationKey,
  type FormAuthType,
  type FormConfiguration,
} from './parse-configuration.js';

export const DEFAULT_OAUTH2_SCOPE = 'https://outlook.office365.com/.default';

export const DOCUMENTED_BASIC_EXAMPLE =
  '{ "UseSsl" : true, "FromDisplayName" : "ACME Reporting", "FromAddress" : "reports@acme.com" }';

export type FormToConnectionResult = { ok: true; value: NewConnection } | { ok: false; errors: FieldError[] };

const FIELD_ORDER = ['type', 'name', 'description', 'url', 'userName', 'password', 'configuration'];

export function formToNewConnection(form: ConnectionFormFields): FormToConnectionResult {
  const errors: FieldError[] = [];
  const fail = (path: string, message: string): void => {
    errors.push({ path, message });
  };

  const type = (form.type ?? '').trim();
  if (type === '') fail('type', 'Type is required: enter SMTP');
  else if (type.toUpperCase() !== ConnectionType.SMTP) {
    fail('type', 'Type must be "SMTP": it is the only connection type Postroom manages');
  }

  const name = (form.name ?? '').trim();
  if (name === '') fail('name', 'Name is required, e.g. "Default" for the first SMTP connection');
  const description = trimToNull(form.description);

  const url = (form.url ?? '').trim();
  if (url === '') fail('url', 'URL is required: enter hostname:port, e.g. smtp.office365.com:587');

  const userName = trimToNull(form.userName);
  // Passwords are kept exactly as typed: spaces may be part of them.
  const password =
    form.password === null || form.password === undefined || form.password.trim() === '' ? null : form.password;

  const parsed = parseConfiguration(form.configuration);
  let config: FormConfiguration | null = null;
  if (parsed.kind === 'absent') {
    fail(
      'configuration',
      `Configuration is required: it needs at least "FromAddress" (and "AuthType", "ClientID", "TokenUrl" for OAuth2), e.g. ${DOCUMENTED_BASIC_EXAMPLE}`,
    );
  } else {
    errors.push(...parsed.errors);
    if (parsed.kind === 'object') config = parsed.value;
  }

  const method = config ? authMethod(config, fail) : parsed.kind === 'absent' ? 'Basic' : null;

  if (userName === null) {
    fail(
      'userName',
      method === 'OAuth2'
        ? 'User name is required for OAuth2: enter the mailbox to send as, e.g. reports@yourcompany.com'
        : method === 'Basic'
          ? 'User name is required: without "AuthType" in Configuration the connection signs in with a user name and password (Basic), and Postroom has no unauthenticated mode'
          : 'User name is required: the user name (Basic) or the mailbox to send as (OAuth2)',
    );
  }
  if (password === null) {
    fail(
      'password',
      method === 'OAuth2'
        ? 'Password is required for OAuth2: enter the client secret from your app registration in Azure Active Directory'
        : method === 'Basic'
          ? 'Password is required: without "AuthType" in Configuration the connection signs in with a user name and password (Basic), and Postroom has no unauthenticated mode'
          : 'Password is required: the password (Basic) or the client secret (OAuth2)',
    );
  }

  let tls: TlsMode | null = null;
  if (config) {
    requireKey(config, 'FromAddress', 'the address mail is sent from, e.g. "FromAddress" : "reports@acme.com"', fail);
    if (method === 'OAuth2') {
      requireKey(
        config,
        'ClientID',
        'the Application (client) ID of your app registration in Azure Active Directory',
        fail,
      );
      requireKey(
        config,
        'TokenUrl',
        'e.g. "https://login.microsoftonline.com/<Directory (tenant) ID>/oauth2/v2.0/token"',
        fail,
      );
    }
    tls = tlsFrom(config, url, fail);
  }

  if (errors.length > 0) return { ok: false, errors: sortByField(errors) };

  // No errors means every value below was checked; the guards only satisfy the compiler.
  const auth =
    config && method && userName !== null && password !== null ? buildAuth(method, config, userName, password) : null;
  if (!config || !auth || config.fromAddress === null) {
    throw new Error('formToNewConnection: a form without errors lacks a required value');
  }
  return {
    ok: true,
    value: {
      type: ConnectionType.SMTP,
      name,
      description,
      url,
      tls,
      caCertificate: config.caCertificate,
      fromAddress: config.fromAddress,
      fromDisplayName: config.fromDisplayName,
      auth,
      // A form named "Default" becomes the default through API.md's name rule, not through this flag.
      isDefault: false,
    },
  };
}

type Fail = (path: string, message: string) => void;

/** Basic, OAuth2, or null when AuthType is wrong or contradicts the keys present (already reported). */
function authMethod(config: FormConfiguration, fail: Fail): FormAuthType | null {
  if (config.refused.has('AuthType')) return null;
  const oauth2Keys = OAUTH2_KEYS.filter((k) => config.present.has(k));
  if (config.authType === 'OAuth2') return 'OAuth2';
  if (config.authType === 'Basic') {
    for (const k of oauth2Keys) {
      fail(
        configurationPath(k),
        `${k} applies only to "AuthType": "OAuth2": remove it for Basic authentication, or set "AuthType": "OAuth2"`,
      );
    }
    return oauth2Keys.length > 0 ? null : 'Basic';
  }
  if (oauth2Keys.length > 0) {
    fail(
      configurationPath('AuthType'),
      `"AuthType" is missing but OAuth2 keys are present (${oauth2Keys.join(', ')}): add "AuthType": "OAuth2" (or remove those keys for Basic authentication)`,
    );
    return null;
  }
  return 'Basic';
}

function requireKey(config: FormConfiguration, key: ConfigurationKey, what: string, fail: Fail): void {
  if (config.refused.has(key) || valueOf(config, key) !== null) return;
  if (config.present.has(key)) fail(configurationPath(key), `${key} is empty: ${what}`);
  else fail(configurationPath(key), `Configuration needs "${key}": add it, ${what}`);
}

function valueOf(config: FormConfiguration, key: ConfigurationKey): unknown {
  switch (key) {
    case 'FromAddress':
      return config.fromAddress;
    case 'ClientID':
      return config.clientId;
    case 'TokenUrl':
      return config.tokenUrl;
    default:
      throw new Error(`requireKey does not handle ${key}`);
  }
}

/**
 * UseSsl true: IMPLICIT_TLS on port 465, else STARTTLS; false: OPPORTUNISTIC; absent: null (the service
 * default, which is the same rule). The extension key TlsMode wins when it agrees with UseSsl.
 */
function tlsFrom(config: FormConfiguration, url: string, fail: Fail): TlsMode | null {
  const { useSsl, tlsMode } = config;
  if (tlsMode !== null) {
    const encrypted = tlsMode === TlsMode.IMPLICIT_TLS || tlsMode === TlsMode.STARTTLS;
    if (useSsl !== null && useSsl !== encrypted) {
      fail(
        configurationPath('TlsMode'),
        `TlsMode "${tlsMode}" contradicts "UseSsl": ${useSsl}: remove one of them ("UseSsl": true goes with IMPLICIT_TLS or STARTTLS, false with OPPORTUNISTIC or NONE)`,
      );
      return null;
    }
    return tlsMode;
  }
  if (useSsl === null) return null;
  if (!useSsl) return TlsMode.OPPORTUNISTIC;
  const port = portOfUrl(url);
  if (port === null) return null; // the service refuses a URL without a port
  return port === 465 ? TlsMode.IMPLICIT_TLS : TlsMode.STARTTLS;
}

function buildAuth(
  method: FormAuthType,
  config: FormConfiguration,
  username: string,
  secret: string,
): AuthSettingsInput | null {
  switch (method) {
    case 'Basic':
      return { kind: 'basic', username, password: secret };
    case 'OAuth2':
      if (config.clientId === null || config.tokenUrl === null) return null;
      return {
        kind: 'oauth2ClientCredentials',
        username,
        clientId: config.clientId,
        clientSecret: secret,
        tokenUrl: config.tokenUrl,
        scope: config.scope ?? DEFAULT_OAUTH2_SCOPE,
        clientAuthType: config.clientAuthType ?? ClientAuthType.SEND_CLIENT_CREDENTIALS_IN_BODY,
        secretExpiresAt: null,
      };
    default: {
      const unreachable: never = method;
      throw new Error(`unhandled auth method ${String(unreachable)}`);
    }
  }
}

/** The port of "host:port", "[v6]:port" or "smtp://host:port"; null when there is none to read. */
export function portOfUrl(url: string): number | null {
  const hostPort = url
    .trim()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
    .replace(/\/.*$/, '');
  const m = /^\[[^\]]*\]:(\d{1,5})$/.exec(hostPort) ?? /^[^:[\]]+:(\d{1,5})$/.exec(hostPort);
  return m ? Number(m[1]) : null;
}

function trimToNull(s: string | null | undefined): string | null {
  const t = (s ?? '').trim();
  return t === '' ? null : t;
}

function sortByField(errors: FieldError[]): FieldError[] {
  const rank = (e: FieldError): number => {
    const i = FIELD_ORDER.indexOf(e.path.split('.')[0]);
    return i < 0 ? FIELD_ORDER.length : i;
  };
  return [...errors].sort((a, b) => rank(a) - rank(b));
}
