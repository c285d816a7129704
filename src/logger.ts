/** Structured JSON logs. Keys that may carry credentials are redacted wherever they appear. */
import pino, { type DestinationStream, type Logger } from 'pino';

export const REDACTED_KEYS = [
  'password',
  'secret',
  'clientSecret',
  'token',
  'accessToken',
  'authorization',
  'apiKey',
  'SECRET_KEYS',
];

const paths = REDACTED_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`, `req.headers.${key.toLowerCase()}`]);

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, redact: { paths, censor: '[redacted]' }, base: { service: 'postroom' } }, destination);
}

export type { Logger };
