import type { ContextRow } from "./rows";

/** Past this many characters the tail is read from SQL instead of held in memory. */
const MAX_CACHED_CHARS = 4_000_000;

/**
 * The messages after the rolling summary that are in the model's context, oldest first, held
 * in memory so a turn does not re-read them from SQL. Reading them was a quarter of a turn's
 * CPU. The object is the only writer of its storage, so the copy cannot go stale.
 */
export class ContextTail {
  private chars = 0;

  private constructor(private readonly rows: ContextRow[]) {
    for (const row of rows) this.chars += row.content.length;
  }

  /** A tail from rows read oldest first; null if it is too large to hold. */
  static from(rows: ContextRow[]): ContextTail | null {
    const tail = new ContextTail(rows);
    return tail.chars > MAX_CACHED_CHARS ? null : tail;
  }

  /** Adds a new message; false if the tail has outgrown memory and must be dropped. */
  push(row: ContextRow): boolean {
    this.rows.push(row);
    this.chars += row.content.length;
    return this.chars <= MAX_CACHED_CHARS;
  }

  /** Removes a failed turn's messages. */
  dropTurn(turnId: string): void {
    for (let i = this.rows.length - 1; i >= 0; i--) {
      const row = this.rows[i] as ContextRow;
      if (row.turnId === turnId) {
        this.chars -= row.content.length;
        this.rows.splice(i, 1);
      }
    }
  }

  /** Removes the messages folded into the summary. */
  dropThrough(seq: number): void {
    let count = 0;
    while (count < this.rows.length && (this.rows[count] as ContextRow).seq <= seq) {
      this.chars -= (this.rows[count] as ContextRow).content.length;
      count++;
    }
    this.rows.splice(0, count);
  }

  /** Rows newer than `afterSeq`, newest first. */
  *newestFirst(afterSeq: number): Generator<ContextRow> {
    for (let i = this.rows.length - 1; i >= 0; i--) {
      const row = this.rows[i] as ContextRow;
      if (row.seq <= afterSeq) return;
      yield row;
    }
  }
}
