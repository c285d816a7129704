/**
 * Token URL shapes.
 *
 * A "Microsoft-style" token URL is `https://{host}/{tenant}/oauth2/v2.0/token` on any host; those go to MSAL
 * with authority `https://{host}/{tenant}`. The v1 shape `/{tenant}/oauth2/token` is recognised (so its tenant
 * can be shown and validation can say "use v2.0"), but never used: v1 takes `resource`, not `scope`.
 */

/** Token hosts allowed when OAUTH2_ALLOWED_TOKEN_HOSTS is unset: Microsoft Entra ID's current login hosts. */
export const DEFAULT_ALLOWED_TOKEN_HOSTS: readonly string[] = [
  'login.microsoftonline.com', // global
  'login.microsoftonline.us', // US Government (GCC High, DoD)
  'login.partner.microsoftonline.cn', // China, operated by 21Vianet
  'login.chinacloudapi.cn', // older China alias, still answered
];

// login.microsoftonline.de is not listed: Microsoft Cloud Deutschland closed in October 2021.
// The aliases below are Microsoft's too (MSAL's instance metadata lists them), so they count as Microsoft
// hosts for validation, but they are not allowed unless configured.
const MICROSOFT_LOGIN_HOSTS = new Set([
  ...DEFAULT_ALLOWED_TOKEN_HOSTS,
  'login.microsoft.com',
  'login.windows.net',
  'login.usgovcloudapi.net',
  'login-us.microsoftonline.com',
]);

export type MicrosoftTokenUrlVersion = 'v2.0' | 'v1';

export interface MicrosoftTokenUrl {
  /** Lower-case host with port, e.g. "login.microsoftonline.com" or "127.0.0.1:4443". */
  host: string;
  /** The tenant path segment as written (may be a placeholder; validation decides). */
  tenant: string;
  version: MicrosoftTokenUrlVersion;
}

export function parseUrl(value: string): URL | null {
  try {
    return new URL(value.trim());
  } catch {
    return null;
  }
}

/** True when the URL's host is one of Microsoft Entra ID's login hosts. */
export function isMicrosoftTokenUrl(url: string): boolean {
  const parsed = parseUrl(url);
  return parsed !== null && MICROSOFT_LOGIN_HOSTS.has(parsed.hostname.toLowerCase());
}

/** Splits `https://host/{tenant}/oauth2/v2.0/token` (or v1 `/{tenant}/oauth2/token`); null for other shapes. */
export function parseMicrosoftTokenUrl(url: string): MicrosoftTokenUrl | null {
  const parsed = parseUrl(url);
  if (!parsed) return null;
  const segments = parsed.pathname.split('/').filter((s) => s !== '');
  const host = parsed.host.toLowerCase();
  const tenant = segments[0] === undefined ? '' : decodeURIComponent(segments[0]);
  if (
    segments.length === 4 &&
    /^oauth2$/i.test(segments[1]!) &&
    segments[2] === 'v2.0' &&
    /^token$/i.test(segments[3]!)
  ) {
    return { host, tenant, version: 'v2.0' };
  }
  if (segments.length === 3 && /^oauth2$/i.test(segments[1]!) && /^token$/i.test(segments[2]!)) {
    return { host, tenant, version: 'v1' };
  }
  return null;
}

/** The tenant (Directory ID or domain) of a Microsoft-style token URL, for the API's `tenantId` field. */
export function tenantIdFromTokenUrl(url: string): string | null {
  const parts = parseMicrosoftTokenUrl(url);
  return parts && parts.tenant !== '' ? parts.tenant : null;
}

/** The MSAL authority for a v2.0 Microsoft-style token URL, e.g. "https://login.microsoftonline.com/contoso.com". */
export function msalAuthorityFromTokenUrl(url: string): string | null {
  const parts = parseMicrosoftTokenUrl(url);
  if (!parts || parts.version !== 'v2.0' || parts.tenant === '') return null;
  return `https://${parts.host}/${encodeURIComponent(parts.tenant)}`;
}

/** Whether the token URL's host is in the allowed list (entries are host names, or host:port). */
export function isTokenHostAllowed(url: string, allowedTokenHosts: readonly string[]): boolean {
  const parsed = parseUrl(url);
  if (!parsed) return false;
  const allowed = new Set(allowedTokenHosts.map((h) => h.trim().toLowerCase()).filter((h) => h !== ''));
  return allowed.has(parsed.hostname.toLowerCase()) || allowed.has(parsed.host.toLowerCase());
}
