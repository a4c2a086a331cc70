// The open context databases of the engine host, shared: the scraper writes and queries read
// through the same Tsdb (its head is in memory, so a second instance on the file would not see
// what the first has not checkpointed). A database closes when its last user lets go.
import type { Tsdb } from '../tsdb/sqlite/tsdb.js';
import { openContextDb } from '../tsdb/store.js';

/**
 * Scrapes' log rows are written in groups this far apart (TsdbOptions.logFlushMs): a crash loses
 * at most this much of what was scraped, as Prometheus's buffered WAL pages may, for a sixth less
 * CPU per sample.
 */
export const SCRAPE_LOG_FLUSH_MS = 200;

const openForScraping = (dataDir: string, context: string) => openContextDb(dataDir, context, { logFlushMs: SCRAPE_LOG_FLUSH_MS });

export interface DbLease {
  readonly context: string;
  readonly tsdb: Tsdb;
  /** Lets go; the last lease closes the database. Calling it twice is harmless. */
  release(): void;
}

export class ContextDbs {
  private readonly open = new Map<string, { tsdb: Tsdb; users: number }>();

  constructor(
    private readonly dataDir: string,
    private readonly opener: (dataDir: string, context: string) => Tsdb = openForScraping,
  ) {}

  acquire(context: string): DbLease {
    let entry = this.open.get(context);
    if (!entry) {
      entry = { tsdb: this.opener(this.dataDir, context), users: 0 };
      this.open.set(context, entry);
    }
    entry.users++;
    const held = entry;
    let released = false;
    return {
      context,
      tsdb: held.tsdb,
      release: () => {
        if (released) return;
        released = true;
        if (--held.users > 0) return;
        if (this.open.get(context) === held) this.open.delete(context);
        held.tsdb.close();
      },
    };
  }

  /** The contexts open now, each with its database (for periodic work such as retention). */
  entries(): [string, Tsdb][] {
    return [...this.open].map(([c, e]) => [c, e.tsdb]);
  }
}
