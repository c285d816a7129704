/** The stored row of an API key. Only the token's hash is kept; the entity is never a GraphQL type. */
import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

@Entity({ name: 'api_key' })
@Check('CHK_api_key_role', `"role" IN ('ADMIN', 'OPERATOR', 'VIEWER')`)
@Check('CHK_api_key_token_hash', `"token_hash" ~ '^[0-9a-f]{64}$'`)
// The expression index on lower(name) lives in the migration.
@Index('UQ_api_key_lower_name', { synchronize: false })
export class ApiKeyEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Column({ type: 'varchar', length: 16 })
  role: string;

  /** Hex SHA-256 of the token (api-key-token.ts). */
  @Index('UQ_api_key_token_hash', { unique: true })
  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash: string;

  /** Who created it: an actor string such as "apiKey:ops", "jwt:alice" or "system:cli". */
  @Column({ name: 'created_by', type: 'varchar', length: 300 })
  createdBy: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
