/**
 * Reads the admin form's Configuration JSON into typed values, one key at a time.
 *
 * Forgiven (unambiguous): key case (`useSsl`, `CLIENTID`), the text "true"/"false" for UseSsl, spaces
 * around text values, null or "" for an optional key (taken as absent), enum spellings that differ
 * only in case, `_`, `-` or spaces. Refused, each with a path `configuration.<Key>`: unknown keys
 * (with the closest known key), a key given twice (in any case), wrong value types, values outside
 * a key's set, placeholders left from the documentation. Cross-key rules (which keys each auth
 * method needs) live in form-to-connection.ts.
 */
import type { FieldError } from '../../errors.js';
import { TlsMode } from '../../mail/tls-mode.js';
import { ClientAuthType } from '../../oauth2/client-auth-type.js';
import { parseJsonWithPositions, type JsonMember, type JsonNode, type SourcePosition } from './strict-json.js';

/** The keys of the documented form, in documented order (also the export order). */
export const DOCUMENTED_KEYS = [
  'UseSsl',
  'FromDisplayName',
  'FromAddress',
  'GrantType',
  'AuthType',
  'ClientID',
  'Scope',
  'TokenUrl',
  'ClientAuthType',
] as const;

/** Postroom's own keys, for settings the documented form cannot express; export writes them only when needed. */
export const EXTENSION_KEYS = ['TlsMode', 'CaCertificate'] as const;

export type ConfigurationKey = (typeof DOCUMENTED_KEYS)[number] | (typeof EXTENSION_KEYS)[number];

export const OAUTH2_KEYS: readonly ConfigurationKey[] = [
  'GrantType',
  'ClientID',
  'Scope',
  'TokenUrl',
  'ClientAuthType',
];

/** Accepted ClientAuthType spellings (compared ignoring case, spaces, `_` and `-`). The first of each is what export writes. */
export const CLIENT_AUTH_TYPE_SPELLINGS: Readonly<Record<ClientAuthType, readonly string[]>> = {
  [ClientAuthType.SEND_CLIENT_CREDENTIALS_IN_BODY]: [
    'SendClientCredentialsInBody',
    'Body',
    'PostBody',
    'ClientSecretPost',
    'SEND_CLIENT_CREDENTIALS_IN_BODY',
  ],
  [ClientAuthType.BASIC_AUTH_HEADER]: [
    'SendClientCredentialsInHeader',
    'BasicAuthHeader',
    'BasicAuth',
    'Header',
    'AuthorizationHeader',
    'ClientSecretBasic',
    'BASIC_AUTH_HEADER',
  ],
};

export const TLS_MODE_SPELLINGS: readonly TlsMode[] = [
  TlsMode.IMPLICIT_TLS,
  TlsMode.STARTTLS,
  TlsMode.OPPORTUNISTIC,
  TlsMode.NONE,
];

export type FormAuthType = 'OAuth2' | 'Basic';

export interface FormConfiguration {
  useSsl: boolean | null;
  fromDisplayName: string | null;
  fromAddress: string | null;
  grantType: 'ClientCredentials' | null;
  authType: FormAuthType | null;
  clientId: string | null;
  scope: string | null;
  tokenUrl: string | null;
  clientAuthType: ClientAuthType | null;
  tlsMode: TlsMode | null;
  caCertificate: string | null;
  /** Keys that appeared (canonical spelling), even when their value was refused or empty. */
  present: ReadonlySet<ConfigurationKey>;
  /** Keys already reported as wrong, so cross-key rules do not pile a second error on them. */
  refused: ReadonlySet<ConfigurationKey>;
}

export type ConfigurationParse =
  | { kind: 'absent' }
  | { kind: 'malformed'; errors: FieldError[] }
  | { kind: 'object'; value: FormConfiguration; errors: FieldError[] };

/** Longer than any real configuration; bounds the work done on a pasted document. */
export const MAX_CONFIGURATION_LENGTH = 64 * 1024;

export function configurationPath(key: string): string {
  return `configuration.${key}`;
}

export function parseConfiguration(text: string | null | undefined): ConfigurationParse {
  if (text === null || text === undefined || text.trim() === '') return { kind: 'absent' };
  if (text.length > MAX_CONFIGURATION_LENGTH) {
    return malformed(`Configuration is longer than ${MAX_CONFIGURATION_LENGTH} characters: paste only the JSON object`);
  }
  const parsed = parseJsonWithPositions(text);
  if (!parsed.ok) {
    const { position, message } = parsed.error;
    return malformed(
      `Configuration is not valid JSON: at line ${position.line}, column ${position.column}, ${message}`,
    );
  }
  const root = parsed.value;
  if (root.kind !== 'object') {
    return malformed(
      `Configuration must be a JSON object in braces, e.g. { "UseSsl" : true, "FromAddress" : "reports@acme.com" }, not ${describeKind(root)}`,
    );
  }
  return readObject(root.members);
}

function malformed(message: string): ConfigurationParse {
  return { kind: 'malformed', errors: [{ path: 'configuration', message }] };
}

const ALL_KEYS: readonly ConfigurationKey[] = [...DOCUMENTED_KEYS, ...EXTENSION_KEYS];
const KEY_BY_LOWER = new Map<string, ConfigurationKey>(ALL_KEYS.map((k) => [k.toLowerCase(), k]));

function readObject(members: JsonMember[]): ConfigurationParse {
  const errors: FieldError[] = [];
  const present = new Set<ConfigurationKey>();
  const refused = new Set<ConfigurationKey>();
  const config: FormConfiguration = {
    useSsl: null,
    fromDisplayName: null,
    fromAddress: null,
    grantType: null,
    authType: null,
    clientId: null,
    scope: null,
    tokenUrl: null,
    clientAuthType: null,
    tlsMode: null,
    caCertificate: null,
    present,
    refused,
  };
  const refuse = (key: ConfigurationKey, message: string): void => {
    refused.add(key);
    errors.push({ path: configurationPath(key), message });
  };

  // Group by lower-cased name first: JSON.parse would silently keep the last of two.
  const groups = new Map<string, JsonMember[]>();
  for (const m of members) {
    const lower = m.key.toLowerCase();
    const group = groups.get(lower);
    if (group) group.push(m);
    else groups.set(lower, [m]);
  }

  for (const [lower, group] of groups) {
    const key = KEY_BY_LOWER.get(lower);
    if (!key) {
      const typed = group[0].key;
      errors.push({ path: configurationPath(typed), message: unknownKeyMessage(typed) });
      continue;
    }
    present.add(key);
    if (group.length > 1) {
      const where = group.map((m) => `"${m.key}" at ${at(m.keyPosition)}`).join(' and ');
      refuse(
        key,
        `"${key}" is given ${group.length === 2 ? 'twice' : `${group.length} times`} (${where}): keep only one`,
      );
      continue;
    }
    readKey(key, group[0].value, config, refuse);
  }
  return { kind: 'object', value: config, errors };
}

type Refuse = (key: ConfigurationKey, message: string) => void;

function readKey(key: ConfigurationKey, node: JsonNode, config: FormConfiguration, refuse: Refuse): void {
  if (node.kind === 'null') return; // null: the same as leaving the key out
  switch (key) {
    case 'UseSsl': {
      const b = readBoolean(node);
      if (b === undefined) refuse(key, `UseSsl must be true or false (without quotes), not ${describeKind(node)}`);
      else config.useSsl = b;
      return;
    }
    case 'FromDisplayName': {
      config.fromDisplayName = readText(key, node, refuse, '"ACME Reporting"');
      return;
    }
    case 'FromAddress': {
      const v = readText(key, node, refuse, '"reports@acme.com"');
      if (v !== null && !/^[^\s@<>"]+@[^\s@<>"]+$/.test(v)) {
        refuse(
          key,
          'FromAddress must be a plain email address, e.g. "reports@acme.com" (put the name in "FromDisplayName")',
        );
      } else {
        config.fromAddress = v;
      }
      return;
    }
    case 'GrantType': {
      const v = readText(key, node, refuse, '"ClientCredentials"');
      if (v === null) return;
      if (normalise(v) === 'clientcredentials') config.grantType = 'ClientCredentials';
      else
        refuse(
          key,
          'GrantType must be "ClientCredentials": it is the only OAuth2 grant Postroom (and SMTP with Microsoft 365) supports',
        );
      return;
    }
    case 'AuthType': {
      const v = readText(key, node, refuse, '"OAuth2"');
      if (v === null) return;
      const n = normalise(v);
      if (n === 'oauth2') config.authType = 'OAuth2';
      else if (n === 'basic') config.authType = 'Basic';
      else
        refuse(
          key,
          'AuthType must be "OAuth2" (client credentials) or "Basic" (user name and password); leave it out for Basic',
        );
      return;
    }
    case 'ClientID': {
      config.clientId = readText(key, node, refuse, '"00000000-0000-0000-0000-000000000000"');
      return;
    }
    case 'Scope': {
      config.scope = readText(key, node, refuse, '"https://outlook.office365.com/.default"');
      return;
    }
    case 'TokenUrl': {
      const v = readText(key, node, refuse, '"https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token"');
      if (v === null) return;
      if (!isHttpUrl(v)) {
        refuse(
          key,
          'TokenUrl must be the full address of the token endpoint, e.g. "https://login.microsoftonline.com/<Directory (tenant) ID>/oauth2/v2.0/token"',
        );
      } else {
        config.tokenUrl = v;
      }
      return;
    }
    case 'ClientAuthType': {
      const v = readText(key, node, refuse, '"SendClientCredentialsInBody"');
      if (v === null) return;
      const n = normalise(v);
      const match = (Object.keys(CLIENT_AUTH_TYPE_SPELLINGS) as ClientAuthType[]).find((t) =>
        CLIENT_AUTH_TYPE_SPELLINGS[t].some((s) => normalise(s) === n),
      );
      if (match) config.clientAuthType = match;
      else {
        const list = (spellings: readonly string[]): string => spellings.map((s) => `"${s}"`).join(', ');
        refuse(
          key,
          `ClientAuthType must say how the client ID and secret reach the token endpoint: in the request body (${list(
            CLIENT_AUTH_TYPE_SPELLINGS[ClientAuthType.SEND_CLIENT_CREDENTIALS_IN_BODY],
          )}) or in a Basic authorization header (${list(CLIENT_AUTH_TYPE_SPELLINGS[ClientAuthType.BASIC_AUTH_HEADER])}); case does not matter`,
        );
      }
      return;
    }
    case 'TlsMode': {
      const v = readText(key, node, refuse, '"STARTTLS"');
      if (v === null) return;
      const match = TLS_MODE_SPELLINGS.find((m) => normalise(m) === normalise(v));
      if (match) config.tlsMode = match;
      else
        refuse(
          key,
          `TlsMode (a Postroom extension) must be one of ${TLS_MODE_SPELLINGS.map((m) => `"${m}"`).join(', ')}`,
        );
      return;
    }
    case 'CaCertificate': {
      // Kept as written (a PEM ends with a newline); the service reads the certificate itself.
      const v = readText(key, node, refuse, '"-----BEGIN CERTIFICATE-----\\n…"', false);
      if (v !== null && !v.includes('-----BEGIN CERTIFICATE-----')) {
        refuse(
          key,
          'CaCertificate (a Postroom extension) must be a PEM certificate starting with -----BEGIN CERTIFICATE-----, newlines written as \\n',
        );
      } else {
        config.caCertificate = v;
      }
      return;
    }
    default: {
      const unreachable: never = key;
      throw new Error(`unhandled configuration key ${String(unreachable)}`);
    }
  }
}

/** A trimmed non-empty string, or null (empty or refused). Refuses non-strings and documentation placeholders. */
function readText(key: ConfigurationKey, node: JsonNode, refuse: Refuse, example: string, trim = true): string | null {
  if (node.kind !== 'string') {
    refuse(key, `${key} must be text in double quotes, e.g. ${example}, not ${describeKind(node)}`);
    return null;
  }
  const placeholder = placeholderMessage(key, node.value);
  if (placeholder) {
    refuse(key, placeholder);
    return null;
  }
  if (node.value.trim() === '') return null;
  return trim ? node.value.trim() : node.value;
}

function readBoolean(node: JsonNode): boolean | undefined {
  if (node.kind === 'boolean') return node.value;
  if (node.kind === 'string') {
    const v = node.value.trim().toLowerCase();
    if (v === 'true') return true;
    if (v === 'false') return false;
  }
  return undefined;
}

const PLACEHOLDERS: { pattern: RegExp; name: string; replaceWith: string }[] = [
  {
    pattern: /your_client_id/i,
    name: 'YOUR_CLIENT_ID',
    replaceWith:
      'the Application (client) ID from your app registration in Azure Active Directory (a GUID on its Overview page)',
  },
  {
    pattern: /your_tenant_id/i,
    name: 'YOUR_TENANT_ID',
    replaceWith:
      'your Directory (tenant) ID from Azure Active Directory, e.g. https://login.microsoftonline.com/<Directory (tenant) ID>/oauth2/v2.0/token',
  },
];

function placeholderMessage(key: ConfigurationKey, value: string): string | null {
  const found = PLACEHOLDERS.filter((p) => p.pattern.test(value));
  if (found.length === 0) return null;
  const parts = found.map((p) => `replace ${p.name} with ${p.replaceWith}`).join('; ');
  return `${key} still holds the documentation placeholder${found.length > 1 ? 's' : ''} ${found.map((p) => p.name).join(' and ')}: ${parts}`;
}

/** Keys admins put in Configuration that belong elsewhere; the message says where. */
const MISPLACED: { names: string[]; message: (typed: string) => string }[] = [
  {
    names: ['clientsecret', 'secret', 'password', 'pass', 'pwd'],
    message: (k) =>
      `"${k}" does not belong in Configuration: enter the password (Basic) or the client secret (OAuth2) in the Password field, where it is stored encrypted`,
  },
  {
    names: ['username', 'user', 'login', 'mailbox'],
    message: (k) => `"${k}" does not belong in Configuration: enter it in the User name field`,
  },
  {
    names: ['host', 'hostname', 'server', 'port', 'smtpserver', 'smtphost', 'smtpport', 'url'],
    message: (k) =>
      `"${k}" does not belong in Configuration: enter hostname:port in the URL field, e.g. smtp.office365.com:587`,
  },
  {
    names: ['tenantid', 'tenant', 'directoryid'],
    message: (k) =>
      `Unknown key "${k}": the tenant goes into "TokenUrl", e.g. "https://login.microsoftonline.com/<Directory (tenant) ID>/oauth2/v2.0/token"`,
  },
];

const SYNONYMS: Record<string, ConfigurationKey> = {
  enablessl: 'UseSsl',
  ssl: 'UseSsl',
  usetls: 'UseSsl',
  tls: 'UseSsl',
  secure: 'UseSsl',
  fromname: 'FromDisplayName',
  displayname: 'FromDisplayName',
  sendername: 'FromDisplayName',
  from: 'FromAddress',
  fromemail: 'FromAddress',
  sender: 'FromAddress',
  senderaddress: 'FromAddress',
  clientsecretauth: 'ClientAuthType',
  tokenendpoint: 'TokenUrl',
  authority: 'TokenUrl',
  scopes: 'Scope',
};

export function unknownKeyMessage(typed: string): string {
  const n = normalise(typed);
  for (const m of MISPLACED) if (m.names.includes(n)) return m.message(typed);
  const suggestion = SYNONYMS[n] ?? closestKey(typed);
  if (suggestion) return `Unknown key "${typed}" — did you mean "${suggestion}"?`;
  return `Unknown key "${typed}": the known keys are ${DOCUMENTED_KEYS.map((k) => `"${k}"`).join(', ')}, and the Postroom extensions ${EXTENSION_KEYS.map((k) => `"${k}"`).join(', ')}`;
}

/** The known key nearest by Damerau-Levenshtein (optimal string alignment) distance, when close enough to be a typo. */
export function closestKey(typed: string): ConfigurationKey | null {
  const t = typed.toLowerCase();
  let best: ConfigurationKey | null = null;
  let bestDistance = Infinity;
  for (const key of ALL_KEYS) {
    const d = osaDistance(t, key.toLowerCase());
    const limit = Math.min(3, Math.max(1, Math.floor(key.length / 3)));
    if (d <= limit && d < bestDistance) {
      best = key;
      bestDistance = d;
    }
  }
  return best;
}

export function osaDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return Math.abs(a.length - b.length);
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => {
    const row = new Array<number>(b.length + 1).fill(0);
    row[0] = i;
    return row;
  });
  for (let j = 0; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/** For enum values: case, spaces, `_` and `-` do not matter ("client_credentials" = "ClientCredentials"). */
function normalise(s: string): string {
  return s.toLowerCase().replace(/[\s_-]+/g, '');
}

function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname !== '';
  } catch {
    return false;
  }
}

function at(p: SourcePosition): string {
  return `line ${p.line}, column ${p.column}`;
}

function describeKind(node: JsonNode): string {
  switch (node.kind) {
    case 'object':
      return 'an object { }';
    case 'array':
      return 'a list [ ]';
    case 'string':
      return 'text in quotes';
    case 'number':
      return 'a number';
    case 'boolean':
      return `${node.value} (true/false)`;
    case 'null':
      return 'null';
    default: {
      const unreachable: never = node;
      return String(unreachable);
    }
  }
}
