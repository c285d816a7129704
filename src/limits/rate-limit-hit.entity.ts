import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

@Entity({ name: 'rate_limit_hit' })
@Index('IDX_rate_limit_hit_scope_at', ['scope', 'at'])
export class RateLimitHitEntity {
  @PrimaryGeneratedColumn({ type: 'bigint', primaryKeyConstraintName: 'PK_rate_limit_hit' })
  id: string;

  @Column({ type: 'varchar', length: 200 })
  scope: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at: Date;
}
