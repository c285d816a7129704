import type { Role } from './role.js';
import type { ApiKeyEntity } from './api-key.entity.js';

/** What the API shows of an API key: never the token nor its hash. */
export interface ApiKeyView {
  id: string;
  name: string;
  role: Role;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

export interface CreatedApiKeyView {
  apiKey: ApiKeyView;
  /** Shown once, at creation. */
  token: string;
}

export function toApiKeyView(row: ApiKeyEntity): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt,
  };
}
