/**
 * PGlite is one connection. typeorm-pglite hands that connection to every caller at once, so two
 * concurrent transactions would interleave their statements. This pool gives it to one query runner
 * at a time (like a pg pool of size 1): connect() waits for the previous holder's release.
 */
import { PGliteDriver } from 'typeorm-pglite';
import type { PGliteOptions } from '@electric-sql/pglite';

type Release = (error?: unknown) => void;
type ConnectCallback = (error: unknown, client: unknown, release: Release) => void;

interface PGlitePoolLike {
  connect(callback: ConnectCallback): Promise<void>;
}

export function exclusivePGliteDriver(options: PGliteOptions): unknown {
  const base = new PGliteDriver(options).driver;
  const BasePool = base.Pool as unknown as new () => PGlitePoolLike;

  class ExclusivePGlitePool extends (BasePool as new () => PGlitePoolLike & object) {
    private tail: Promise<void> = Promise.resolve();

    override async connect(callback: ConnectCallback): Promise<void> {
      let release!: () => void;
      const turn = new Promise<void>((resolve) => (release = resolve));
      const previous = this.tail;
      this.tail = previous.then(() => turn);
      await previous;
      let released = false;
      const releaseOnce: Release = () => {
        if (!released) {
          released = true;
          release();
        }
      };
      await super.connect((error, client) => {
        if (error) releaseOnce();
        callback(error, client, releaseOnce);
      });
    }
  }

  return { Pool: ExclusivePGlitePool };
}
