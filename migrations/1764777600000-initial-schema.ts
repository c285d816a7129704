import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764777600000 implements MigrationInterface {
  name = 'InitialSchema1764777600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "connection" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "type" character varying(16) NOT NULL,
        "name" character varying(100) NOT NULL,
        "description" text,
        "host" character varying(253) NOT NULL,
        "port" integer NOT NULL,
        "tls" character varying(16) NOT NULL,
        "ca_certificate" text,
        "from_address" character varying(320) NOT NULL,
        "from_display_name" character varying(200),
        "auth_kind" character varying(32) NOT NULL,
        "username" character varying(320) NOT NULL,
        "client_id" character varying(200),
        "token_url" character varying(2048),
        "scope" character varying(1000),
        "client_auth_type" character varying(40),
        "secret_sealed" text NOT NULL,
        "secret_hint" character varying(8),
        "secret_updated_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "secret_expires_at" TIMESTAMP WITH TIME ZONE,
        "is_default" boolean NOT NULL DEFAULT false,
        "version" integer NOT NULL DEFAULT 1,
        "last_test" jsonb,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_connection" PRIMARY KEY ("id"),
        CONSTRAINT "CHK_connection_port" CHECK ("port" BETWEEN 1 AND 65535),
        CONSTRAINT "CHK_connection_oauth2_fields" CHECK (
          "auth_kind" <> 'oauth2ClientCredentials'
          OR ("client_id" IS NOT NULL AND "token_url" IS NOT NULL AND "scope" IS NOT NULL AND "client_auth_type" IS NOT NULL)
        )
      )`);
    // Names are unique per type case-insensitively ("default" clashes with "Default").
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_connection_type_lower_name" ON "connection" ("type", lower("name"))`,
    );
    // At most one marked default per type.
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_connection_default_per_type" ON "connection" ("type") WHERE "is_default"`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_connection_secret_expires_at" ON "connection" ("secret_expires_at")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "connection"`);
  }
}
