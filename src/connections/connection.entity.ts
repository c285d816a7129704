/**
 * The stored row of a connection. Never exposed through GraphQL: connection.mapper.ts maps it to views,
 * so the sealed secret column cannot reach a field by accident.
 */
import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { TestOutcome } from '../mail/test-outcome.js';

@Entity({ name: 'connection' })
// Expression and partial indexes live in the migration; synchronize:false keeps the drift check off them.
@Index('UQ_connection_type_lower_name', { synchronize: false })
@Index('UQ_connection_default_per_type', { synchronize: false })
@Index('IDX_connection_lower_name_id', { synchronize: false })
// The same checks as the migration; TypeORM matches them by name.
@Check('CHK_connection_port', '"port" BETWEEN 1 AND 65535')
@Check(
  'CHK_connection_oauth2_fields',
  `"auth_kind" <> 'oauth2ClientCredentials' OR ("client_id" IS NOT NULL AND "token_url" IS NOT NULL AND "scope" IS NOT NULL AND "client_auth_type" IS NOT NULL)`,
)
export class ConnectionEntity {
  // TypeORM reads a gen_random_uuid() default back as a generated uuid column, so declare it as one.
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_connection' })
  id: string;

  @Column({ type: 'varchar', length: 16 })
  type: string;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ type: 'varchar', length: 253 })
  host: string;

  @Column({ type: 'integer' })
  port: number;

  @Column({ type: 'varchar', length: 16 })
  tls: string;

  @Column({ name: 'ca_certificate', type: 'text', nullable: true })
  caCertificate: string | null;

  @Column({ name: 'from_address', type: 'varchar', length: 320 })
  fromAddress: string;

  @Column({ name: 'from_display_name', type: 'varchar', length: 200, nullable: true })
  fromDisplayName: string | null;

  @Column({ name: 'auth_kind', type: 'varchar', length: 32 })
  authKind: string;

  @Column({ type: 'varchar', length: 320 })
  username: string;

  @Column({ name: 'client_id', type: 'varchar', length: 200, nullable: true })
  clientId: string | null;

  @Column({ name: 'token_url', type: 'varchar', length: 2048, nullable: true })
  tokenUrl: string | null;

  @Column({ type: 'varchar', length: 1000, nullable: true })
  scope: string | null;

  @Column({ name: 'client_auth_type', type: 'varchar', length: 40, nullable: true })
  clientAuthType: string | null;

  /** The password or client secret, sealed (secrets/envelope.ts). Never decrypted on reads. */
  @Column({ name: 'secret_sealed', type: 'text' })
  secretSealed: string;

  @Column({ name: 'secret_hint', type: 'varchar', length: 8, nullable: true })
  secretHint: string | null;

  @Column({ name: 'secret_updated_at', type: 'timestamptz' })
  secretUpdatedAt: Date;

  @Index('IDX_connection_secret_expires_at')
  @Column({ name: 'secret_expires_at', type: 'timestamptz', nullable: true })
  secretExpiresAt: Date | null;

  @Column({ name: 'is_default', type: 'boolean', default: false })
  isDefault: boolean;

  @Column({ type: 'integer', default: 1 })
  version: number;

  @Column({ name: 'last_test', type: 'jsonb', nullable: true })
  lastTest: StoredTestOutcome | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

/** TestOutcome as JSON: the date travels as an ISO string. */
export type StoredTestOutcome = Omit<TestOutcome, 'testedAt'> & { testedAt: string };
