/** `npm run schema`: writes schema.graphql; with --check, fails when the committed file is stale. */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createSchema, printSortedSchema } from './schema.js';

const file = path.resolve(__dirname, '../../schema.graphql');

async function main(): Promise<void> {
  const printed = printSortedSchema(await createSchema());
  if (process.argv.includes('--check')) {
    let committed = '';
    try {
      committed = readFileSync(file, 'utf8');
    } catch {
      // missing counts as stale
    }
    if (committed !== printed) {
      console.error('schema.graphql is stale: run `npm run schema` and commit the result');
      process.exit(1);
    }
    console.log('schema.graphql is up to date');
    return;
  }
  writeFileSync(file, printed);
  console.log(`wrote ${file}`);
}

void main();
