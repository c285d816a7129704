import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AuditAndRateLimits1764777800000 implements MigrationInterface {
  name = 'AuditAndRateLimits1764777800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // No foreign key to connection: the history of a deleted connection stays readable.
    await queryRunner.query(`
      CREATE TABLE "audit_event" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "actor" character varying(200) NOT NULL,
        "action" character varying(64) NOT NULL,
        "connection_id" uuid,
        "changes" jsonb,
        CONSTRAINT "PK_audit_event" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_audit_event_at" ON "audit_event" ("at", "id")`);
    await queryRunner.query(`CREATE INDEX "IDX_audit_event_connection" ON "audit_event" ("connection_id", "at", "id")`);
    // One row per test email; counted over a sliding hour so the limit holds across replicas.
    await queryRunner.query(`
      CREATE TABLE "rate_limit_hit" (
        "id" BIGSERIAL NOT NULL,
        "scope" character varying(200) NOT NULL,
        "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_rate_limit_hit" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_rate_limit_hit_scope_at" ON "rate_limit_hit" ("scope", "at")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "rate_limit_hit"`);
    await queryRunner.query(`DROP TABLE "audit_event"`);
  }
}
