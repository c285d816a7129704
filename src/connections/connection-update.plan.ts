/**
 * Turns an update request into column changes, or field errors. A stored secret is bound to where it is
 * sent: changing url, tls, caCertificate or tokenUrl without re-entering it is refused, so nobody can
 * redirect a stored password to a server they control and press "test".
 */
import type { FieldError } from '../errors.js';
import type { ConnectionEntity } from './connection.entity.js';
import type { AuthSettingsInput } from './connection.model.js';
import type { TlsMode } from '../mail/tls-mode.js';
import type { ClientAuthType } from '../oauth2/client-auth-type.js';
import { parseSmtpUrl } from './smtp-url.js';
import {
  checkAuth,
  checkCaCertificate,
  checkEmail,
  checkSecret,
  checkSmtpDestination,
  checkTokenDestination,
  type CheckOptions,
} from './connection.checks.js';
import { validateOAuth2Settings } from '../oauth2/oauth2-settings.validation.js';
import { authColumns, secretOf } from './connection.columns.js';

/** Absent (undefined) and null both mean "leave as it is"; an empty string clears optional text. */
export interface UpdateRequest {
  name?: string | null;
  description?: string | null;
  url?: string | null;
  tls?: TlsMode | null;
  caCertificate?: string | null;
  fromAddress?: string | null;
  fromDisplayName?: string | null;
  username?: string | null;
  clientId?: string | null;
  tokenUrl?: string | null;
  scope?: string | null;
  clientAuthType?: ClientAuthType | null;
  auth?: AuthSettingsInput | null;
  secret?: string | null;
  expectedVersion?: number | null;
}

export type UpdatePlan =
  | { ok: true; changes: Partial<ConnectionEntity>; newSecret: string | null; authKind: AuthSettingsInput['kind'] }
  | { ok: false; errors: FieldError[] };

const OAUTH2_ONLY = ['clientId', 'tokenUrl', 'scope', 'clientAuthType'] as const;

function given<T>(value: T | null | undefined): value is T {
  return value !== undefined && value !== null;
}

function optionalText(value: string): string | null {
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

export function planUpdate(row: ConnectionEntity, input: UpdateRequest, options: CheckOptions): UpdatePlan {
  const errors: FieldError[] = [];
  const changes: Partial<ConnectionEntity> = {};
  const set = <K extends keyof ConnectionEntity>(key: K, value: ConnectionEntity[K]): void => {
    if (row[key] !== value) changes[key] = value;
  };

  if (given(input.name)) {
    const name = input.name.trim();
    if (name === '') errors.push({ path: 'name', message: 'name must not be empty' });
    else set('name', name);
  }
  if (given(input.description)) set('description', optionalText(input.description));
  if (given(input.url)) {
    const url = parseSmtpUrl(input.url);
    if (!url.ok) errors.push({ path: 'url', message: url.message });
    else {
      errors.push(...checkSmtpDestination(url.value, options));
      set('host', url.value.host);
      set('port', url.value.port);
    }
  }
  if (given(input.tls)) set('tls', input.tls);
  if (given(input.caCertificate)) {
    errors.push(...checkCaCertificate(input.caCertificate));
    set('caCertificate', optionalText(input.caCertificate));
  }
  if (given(input.fromAddress)) {
    errors.push(...checkEmail(input.fromAddress.trim(), 'fromAddress'));
    set('fromAddress', input.fromAddress.trim());
  }
  if (given(input.fromDisplayName)) set('fromDisplayName', optionalText(input.fromDisplayName));

  let authKind = row.authKind as AuthSettingsInput['kind'];
  let newSecret: string | null = null;
  if (given(input.auth)) {
    for (const field of ['username', ...OAUTH2_ONLY, 'secret'] as const) {
      if (given(input[field])) {
        errors.push({ path: field, message: `${field}: set it inside auth when auth replaces the whole auth method` });
      }
    }
    errors.push(...checkAuth(input.auth, options));
    authKind = input.auth.kind;
    Object.assign(changes, authColumns(input.auth));
    changes.secretExpiresAt = input.auth.kind === 'oauth2ClientCredentials' ? input.auth.secretExpiresAt : null;
    newSecret = secretOf(input.auth);
  } else {
    if (given(input.username)) set('username', input.username.trim());
    for (const field of OAUTH2_ONLY) {
      if (given(input[field]) && row.authKind !== 'oauth2ClientCredentials') {
        errors.push({
          path: field,
          message: `${field} applies only to OAuth2 connections; to switch this Basic connection to OAuth2, set auth.oauth2ClientCredentials`,
        });
      }
    }
    if (row.authKind === 'oauth2ClientCredentials') {
      if (given(input.clientId)) set('clientId', input.clientId.trim());
      if (given(input.tokenUrl)) set('tokenUrl', input.tokenUrl.trim());
      if (given(input.scope)) set('scope', input.scope.trim());
      if (given(input.clientAuthType)) set('clientAuthType', input.clientAuthType);
      const merged = {
        username: changes.username ?? row.username,
        clientId: changes.clientId ?? row.clientId ?? '',
        tokenUrl: changes.tokenUrl ?? row.tokenUrl ?? '',
        scope: changes.scope ?? row.scope ?? '',
      };
      const touched = new Set(Object.keys(changes));
      // Report problems only on fields this request touches; stored values were checked when saved.
      const settingErrors = validateOAuth2Settings(merged, { allowedTokenHosts: options.allowedTokenHosts }).filter(
        (e) => touched.has(e.path),
      );
      errors.push(...settingErrors);
      if (touched.has('tokenUrl') && !settingErrors.some((e) => e.path === 'tokenUrl')) {
        errors.push(...checkTokenDestination(merged.tokenUrl, options, 'tokenUrl'));
      }
    }
    if (given(input.secret)) {
      errors.push(...checkSecret(input.secret, 'secret', row.secretHint));
      newSecret = input.secret;
    }
  }

  const destinationChanged = ['host', 'port', 'tls', 'caCertificate', 'tokenUrl'].some((key) => key in changes);
  if (destinationChanged && newSecret === null) {
    errors.push({
      path: 'secret',
      message:
        'secret is required when url, tls, caCertificate or tokenUrl change: a stored secret is bound to where it is sent, so enter the password or client secret again',
    });
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, changes, newSecret, authKind };
}
