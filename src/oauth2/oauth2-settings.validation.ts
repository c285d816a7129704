/**
 * Save-time checks of OAuth2 client-credentials settings, as pure functions. Paths are relative to the
 * settings object (`tokenUrl`, `scope`, `clientId`, `username`, `clientSecret`); the caller prefixes them
 * (e.g. with `auth.oauth2ClientCredentials`, see prefixFields in errors.ts).
 */
import type { FieldError } from '../errors.js';
import {
  DEFAULT_ALLOWED_TOKEN_HOSTS,
  isMicrosoftTokenUrl,
  isTokenHostAllowed,
  parseMicrosoftTokenUrl,
  parseUrl,
} from './token-url.js';

export interface OAuth2SettingsToValidate {
  tokenUrl: string;
  clientId: string;
  scope: string;
  username: string;
  /** Optional: only checked for the "Secret ID instead of Value" mistake; never echoed. */
  clientSecret?: string;
}

export interface OAuth2ValidationOptions {
  /** Hosts from OAUTH2_ALLOWED_TOKEN_HOSTS; defaults to Microsoft's login hosts. */
  allowedTokenHosts?: readonly string[];
}

export const SMTP_SCOPE = 'https://outlook.office365.com/.default';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MULTI_TENANT = new Set(['common', 'organizations', 'consumers']);
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@.]+$/;
// Resource hosts whose scopes Entra ID issues; client credentials only take `<resource>/.default` for them.
const MICROSOFT_RESOURCE_HOST =
  /(^|\.)(office365\.com|office\.com|outlook\.com|microsoft\.com|office365\.us|microsoft\.us|outlook\.cn|chinacloudapi\.cn|microsoftonline\.com|azure\.com|windows\.net)$/i;
const GRAPH_HOST =
  /^(graph\.microsoft\.com|graph\.microsoft\.us|dod-graph\.microsoft\.us|microsoftgraph\.chinacloudapi\.cn)$/i;

export function isGuid(value: string): boolean {
  return GUID.test(value.trim());
}

/** Leftovers from documentation such as YOUR_TENANT_ID, {tenant}, <tenant-id>, TENANT, xxxxxxxx-xxxx-…. */
export function isPlaceholder(value: string, nouns: readonly string[]): boolean {
  const v = value.trim();
  if (/[{}<>[\]]/.test(v) || /^your[\s_-]/i.test(v)) return true;
  const letters = v.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (/^x+$/.test(letters) || /^0+$/.test(letters)) return true;
  const noun = nouns.join('|');
  return new RegExp(`^(your|my|the)?(azure|entra|aad|ad)?(${noun})+(id|guid|name|domain|value)?(here)?$`).test(letters);
}

export function validateOAuth2Settings(
  settings: OAuth2SettingsToValidate,
  options: OAuth2ValidationOptions = {},
): FieldError[] {
  const allowedTokenHosts = options.allowedTokenHosts ?? DEFAULT_ALLOWED_TOKEN_HOSTS;
  const microsoft = isMicrosoftStyle(settings.tokenUrl);
  const errors: FieldError[] = [];
  const push = (path: string, message: string | null): void => {
    if (message !== null) errors.push({ path, message });
  };
  push('tokenUrl', tokenUrlProblem(settings.tokenUrl, allowedTokenHosts));
  push('clientId', clientIdProblem(settings.clientId, microsoft));
  push('scope', scopeProblem(settings.scope, microsoft));
  push('username', usernameProblem(settings.username));
  if (settings.clientSecret !== undefined) push('clientSecret', clientSecretProblem(settings.clientSecret, microsoft));
  return errors;
}

function isMicrosoftStyle(tokenUrl: string): boolean {
  return isMicrosoftTokenUrl(tokenUrl) || parseMicrosoftTokenUrl(tokenUrl) !== null;
}

export function tokenUrlProblem(tokenUrl: string, allowedTokenHosts: readonly string[]): string | null {
  const example = 'https://login.microsoftonline.com/<Directory (tenant) ID>/oauth2/v2.0/token';
  if (tokenUrl.trim() === '') return `tokenUrl: required, e.g. ${example}`;
  const url = parseUrl(tokenUrl);
  if (!url) return `tokenUrl: not a valid URL; use a full https URL such as ${example}`;
  if (url.protocol !== 'https:')
    return `tokenUrl: must use https:// (the client secret is sent to it), e.g. ${example}`;
  if (url.username || url.password)
    return 'tokenUrl: must not contain a user name or password; remove the "user:pass@" part';
  if (!isTokenHostAllowed(tokenUrl, allowedTokenHosts)) {
    return (
      `tokenUrl: the host ${url.hostname} is not an allowed token host (allowed: ${allowedTokenHosts.join(', ') || 'none'}); ` +
      'use one of those, or ask the operator to add it to OAUTH2_ALLOWED_TOKEN_HOSTS'
    );
  }
  return microsoftShapeProblem(url);
}

function microsoftShapeProblem(url: URL): string | null {
  const origin = `https://${url.host}`;
  const shape = `${origin}/<Directory (tenant) ID>/oauth2/v2.0/token`;
  const microsoftHost = isMicrosoftTokenUrl(url.href);
  if (microsoftHost && /^\/*oauth2\/(v2\.0\/)?token\/?$/i.test(url.pathname)) {
    return `tokenUrl: the tenant segment is missing; use ${shape}, with the Directory (tenant) ID from the app registration's Overview page`;
  }
  const parts = parseMicrosoftTokenUrl(url.href);
  if (!parts) {
    return microsoftHost ? `tokenUrl: not a token endpoint; use ${shape}` : null;
  }
  const tenant = parts.tenant;
  if (isPlaceholder(tenant, ['tenant', 'directory', 'directorytenant', 'tenantid'])) {
    return (
      `tokenUrl: "${tenant}" is a placeholder; replace it with the Directory (tenant) ID ` +
      `(a GUID shown on the app registration's Overview page in Entra ID), e.g. ${shape}`
    );
  }
  if (MULTI_TENANT.has(tenant.toLowerCase())) {
    return (
      `tokenUrl: the tenant "${tenant}" cannot be used here: client credentials need a specific tenant, ` +
      `so use the Directory (tenant) ID or a verified domain (e.g. contoso.onmicrosoft.com) instead of "${tenant}"`
    );
  }
  if (parts.version === 'v1') {
    return `tokenUrl: this is the v1 endpoint, which takes "resource" instead of "scope"; use ${origin}/${tenant}/oauth2/v2.0/token`;
  }
  if (microsoftHost && !isGuid(tenant) && !/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(tenant)) {
    return (
      `tokenUrl: the tenant "${tenant}" is neither a Directory (tenant) ID (a GUID) nor a verified domain ` +
      `such as contoso.onmicrosoft.com; copy the Directory (tenant) ID from the app registration's Overview page`
    );
  }
  return null;
}

function clientIdProblem(clientId: string, microsoft: boolean): string | null {
  const where = "the Application (client) ID from the app registration's Overview page";
  if (clientId.trim() === '') return `clientId: required; use ${where}`;
  if (isPlaceholder(clientId, ['client', 'app', 'application', 'clientid', 'appid', 'applicationclient'])) {
    return `clientId: "${clientId}" is a placeholder; replace the placeholder with ${where}`;
  }
  if (microsoft && !isGuid(clientId)) {
    return `clientId: must be a GUID such as 11111111-2222-3333-4444-555555555555; use ${where}, not its name or Object ID`;
  }
  return null;
}

export function scopeProblem(scope: string, microsoftTokenUrl: boolean): string | null {
  const scopes = scope
    .trim()
    .split(/\s+/)
    .filter((s) => s !== '');
  if (scopes.length === 0) return `scope: required; for Exchange Online SMTP use ${SMTP_SCOPE}`;
  for (const s of scopes) {
    const url = parseUrl(s);
    const host = url ? url.hostname : '';
    if (GRAPH_HOST.test(host)) {
      return (
        `scope: "${s}" is Microsoft Graph, whose tokens Exchange Online SMTP refuses; ` +
        `use ${SMTP_SCOPE} (the Office 365 Exchange Online resource)`
      );
    }
    const microsoftScope = microsoftTokenUrl || MICROSOFT_RESOURCE_HOST.test(host);
    if (microsoftScope && !s.endsWith('/.default')) {
      const resource = url ? url.origin : 'https://outlook.office365.com';
      return (
        `scope: "${s}" is a delegated permission, but client credentials only take "<resource>/.default" ` +
        `(the application permissions granted to the app, e.g. SMTP.SendAsApp); use ${resource}/.default, for SMTP ${SMTP_SCOPE}`
      );
    }
  }
  if (microsoftTokenUrl && scopes.length > 1) {
    return `scope: client credentials take exactly one "<resource>/.default" scope; use ${SMTP_SCOPE}`;
  }
  return null;
}

function usernameProblem(username: string): string | null {
  if (!EMAIL.test(username.trim())) {
    return 'username: must be the email address of the mailbox to send as (the XOAUTH2 user), e.g. sender@contoso.com';
  }
  return null;
}

function clientSecretProblem(secret: string, microsoft: boolean): string | null {
  if (secret.trim() === '') return 'clientSecret: required; paste the client secret Value from Certificates & secrets';
  if (microsoft && isGuid(secret)) {
    return (
      "clientSecret: this looks like the secret's Secret ID (a GUID); paste the secret's Value instead " +
      '(shown once, right after the secret is created in Certificates & secrets)'
    );
  }
  return null;
}
