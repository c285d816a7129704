/**
 * Every environment variable, parsed and validated once at boot. A bad value stops the process with a
 * message naming the variable; values are never printed (some are secrets).
 */
import path from 'node:path';
import { DEFAULT_ALLOWED_PORTS } from './egress/address-policy.js';

export interface EgressConfig {
  allowPrivate: boolean;
  allowedHosts: string[];
  allowedPorts: number[];
}

export interface AuthConfig {
  bootstrapApiKey: string | undefined;
  jwksUrl: string | undefined;
  issuer: string | undefined;
  audience: string | undefined;
  roleClaim: string;
}

export interface AppConfig {
  port: number;
  databaseUrl: string | undefined;
  dataDir: string;
  secretKeys: string | undefined;
  production: boolean;
  /** Introspection and the playground: on in development; in production only with GRAPHQL_INTROSPECTION=true. */
  introspection: boolean;
  logLevel: string;
  auth: AuthConfig;
  oauth2AllowedTokenHosts: string[] | undefined;
  egress: EgressConfig;
  testEmailRatePerKey: number;
  testEmailRatePerConnection: number;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

type Env = Record<string, string | undefined>;

function text(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}`);
  }
  return Number(raw);
}

function list(env: Env, name: string): string[] | undefined {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

function flag(env: Env, name: string): boolean {
  const raw = text(env, name)?.toLowerCase();
  if (raw === undefined || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  throw new ConfigError(`${name} must be true or false`);
}

function ports(env: Env, name: string, fallback: number[]): number[] {
  const items = list(env, name);
  if (items === undefined) return fallback;
  return items.map((item) => {
    const port = Number(item);
    if (!/^\d+$/.test(item) || port < 1 || port > 65535) {
      throw new ConfigError(`${name} must be a comma-separated list of ports from 1 to 65535`);
    }
    return port;
  });
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be a URL`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must use ${protocols.join(' or ')}`);
  }
  return raw;
}

export function loadConfig(env: Env = process.env): AppConfig {
  const logLevel = text(env, 'LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  }
  return {
    port: integer(env, 'PORT', 4000, 0, 65535),
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    dataDir: path.resolve(text(env, 'DATA_DIR') ?? './.data'),
    secretKeys: text(env, 'SECRET_KEYS'),
    production: text(env, 'NODE_ENV') === 'production',
    introspection:
      text(env, 'GRAPHQL_INTROSPECTION') === undefined
        ? text(env, 'NODE_ENV') !== 'production'
        : flag(env, 'GRAPHQL_INTROSPECTION'),
    logLevel,
    auth: {
      bootstrapApiKey: text(env, 'BOOTSTRAP_API_KEY'),
      jwksUrl: url(env, 'AUTH_JWKS_URL', ['https:', 'http:']),
      issuer: text(env, 'AUTH_ISSUER'),
      audience: text(env, 'AUTH_AUDIENCE'),
      roleClaim: text(env, 'AUTH_ROLE_CLAIM') ?? 'role',
    },
    oauth2AllowedTokenHosts: list(env, 'OAUTH2_ALLOWED_TOKEN_HOSTS')?.map((h) => h.toLowerCase()),
    egress: {
      allowPrivate: flag(env, 'EGRESS_ALLOW_PRIVATE'),
      allowedHosts: list(env, 'EGRESS_ALLOWED_HOSTS') ?? [],
      allowedPorts: ports(env, 'EGRESS_ALLOWED_PORTS', [...DEFAULT_ALLOWED_PORTS]),
    },
    testEmailRatePerKey: integer(env, 'TEST_EMAIL_RATE_PER_KEY', 10, 0, 1_000_000),
    testEmailRatePerConnection: integer(env, 'TEST_EMAIL_RATE_PER_CONNECTION', 5, 0, 1_000_000),
  };
}
