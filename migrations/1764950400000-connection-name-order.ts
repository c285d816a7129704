import type { MigrationInterface, QueryRunner } from 'typeorm';

/** connections() pages in (lower(name), id) order across all types: an index keeps a page a page, not a sort. */
export class ConnectionNameOrder1764950400000 implements MigrationInterface {
  name = 'ConnectionNameOrder1764950400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "IDX_connection_lower_name_id" ON "connection" (lower("name"), "id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_connection_lower_name_id"`);
  }
}
