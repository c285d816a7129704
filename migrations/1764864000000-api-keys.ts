import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ApiKeys1764864000000 implements MigrationInterface {
  name = 'ApiKeys1764864000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "api_key" (
        "id" uuid NOT NULL,
        "name" character varying(100) NOT NULL,
        "role" character varying(16) NOT NULL,
        "token_hash" character varying(64) NOT NULL,
        "created_by" character varying(300) NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "last_used_at" TIMESTAMP WITH TIME ZONE,
        "expires_at" TIMESTAMP WITH TIME ZONE,
        "revoked_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_api_key" PRIMARY KEY ("id"),
        CONSTRAINT "CHK_api_key_role" CHECK ("role" IN ('ADMIN', 'OPERATOR', 'VIEWER')),
        CONSTRAINT "CHK_api_key_token_hash" CHECK ("token_hash" ~ '^[0-9a-f]{64}$')
      )`);
    // Names identify actors in the audit trail: unique ignoring case, revoked keys included.
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_api_key_lower_name" ON "api_key" (lower("name"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_api_key_token_hash" ON "api_key" ("token_hash")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "api_key"`);
  }
}
