/**
 * Preloaded (`node --require`) into the servers that talk to PostgreSQL: counts the statements sent through
 * `pg` (TypeORM's driver too), so the bench can print statements per request and an N+1 shows as a number.
 * Answers IPC {type:'pgQueries'} with the count. The wrapper adds one increment per statement.
 */
import pg from 'pg';

let statements = 0;
// BENCH_LOG_SQL=1 writes each statement's first line to stderr (the child's log), to see what a request runs.
const logSql = process.env.BENCH_LOG_SQL === '1';
const original = pg.Client.prototype.query;
pg.Client.prototype.query = function countedQuery(this: pg.Client, ...args: unknown[]) {
  statements += 1;
  if (logSql) {
    const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string } | undefined)?.text;
    process.stderr.write(`SQL ${String(text).replace(/\s+/g, ' ').slice(0, 300)}\n`);
  }
  return (original as (...a: unknown[]) => unknown).apply(this, args);
} as typeof original;

process.on('message', (raw) => {
  const message = raw as { id?: number; type?: string };
  if (message.type === 'pgQueries' && typeof message.id === 'number') process.send?.({ id: message.id, statements });
});
