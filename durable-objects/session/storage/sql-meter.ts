/** What a session's statements cost in the units Cloudflare bills SQLite-backed objects by. */
export interface SqlFootprint {
  /** rows read since the last `take` (a cursor counts the rows it read, as billing does) */
  rowsRead: number;
  /** rows written since the last `take` */
  rowsWritten: number;
  /** the object's whole database now, in bytes (what storage is billed on) */
  databaseBytes: number;
}

type Cursor = SqlStorageCursor<Record<string, SqlStorageValue>>;

// cursors are read back when taken (a turn ends): a cursor may be iterated long after exec
// returned, so only the oldest are read early, when many statements ran with no turn ending
const SETTLE_AT = 1_024;
const KEEP_OPEN = 256;

/**
 * Counts the rows a session's own statements read and write. Its `sql` is the object's
 * `ctx.storage.sql` with every cursor noted; the counts are read back from the cursors
 * (`rowsRead`/`rowsWritten`) when taken, so metering costs a push per statement.
 */
export class SqlMeter {
  readonly sql: SqlStorage;
  private pending: Cursor[] = [];
  private read = 0;
  private written = 0;

  constructor(private readonly inner: SqlStorage) {
    const note = (cursor: Cursor) => {
      this.pending.push(cursor);
      if (this.pending.length >= SETTLE_AT) this.settle(KEEP_OPEN);
    };
    this.sql = {
      exec<T extends Record<string, SqlStorageValue>>(query: string, ...bindings: unknown[]): SqlStorageCursor<T> {
        const cursor = inner.exec<T>(query, ...bindings);
        note(cursor);
        return cursor;
      },
      get databaseSize() {
        return inner.databaseSize;
      },
      get Cursor() {
        return inner.Cursor;
      },
      get Statement() {
        return inner.Statement;
      },
    };
  }

  /** Rows read and written since the last call, and the database's size now. */
  take(): SqlFootprint {
    this.settle(0);
    const footprint = { rowsRead: this.read, rowsWritten: this.written, databaseBytes: this.inner.databaseSize };
    this.read = 0;
    this.written = 0;
    return footprint;
  }

  /** Adds up every noted cursor but the newest `keep`. */
  private settle(keep: number): void {
    const done = this.pending.length - keep;
    for (let i = 0; i < done; i++) {
      const cursor = this.pending[i] as Cursor;
      this.read += cursor.rowsRead;
      this.written += cursor.rowsWritten;
    }
    this.pending = keep > 0 ? this.pending.slice(done) : [];
  }
}
