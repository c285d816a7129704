import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One mutation, written in the same transaction as the change it records. */
@Entity({ name: 'audit_event' })
@Index('IDX_audit_event_at', ['at', 'id'])
@Index('IDX_audit_event_connection', ['connectionId', 'at', 'id'])
export class AuditEventEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_audit_event' })
  id: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at: Date;

  @Column({ type: 'varchar', length: 200 })
  actor: string;

  @Column({ type: 'varchar', length: 64 })
  action: string;

  @Column({ name: 'connection_id', type: 'uuid', nullable: true })
  connectionId: string | null;

  /** Changed fields as { field: { from, to } }; secrets only as "changed". */
  @Column({ type: 'jsonb', nullable: true })
  changes: Record<string, unknown> | null;
}
