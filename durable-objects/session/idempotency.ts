type Row = Record<string, SqlStorageValue>;

/** Idempotency records are kept this long. */
const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** The stored outcomes of requests sent with an Idempotency-Key, per session, for 24 hours. */
export class IdempotencyRecords {
  constructor(private readonly sql: SqlStorage) {}

  /** The stored response for an idempotency key, if it is still fresh. */
  find(key: string): { requestHash: string; response: string } | null {
    const row = this.sql
      .exec<Row>(
        "SELECT request_hash, response FROM edgent_idempotency WHERE key = ? AND created_at > ?",
        key,
        Date.now() - IDEMPOTENCY_TTL_MS,
      )
      .toArray()[0];
    return row ? { requestHash: String(row.request_hash), response: String(row.response) } : null;
  }

  /** Replaces the stored response of the request that started a turn (it had waited, pending). */
  settleTurn(turnId: string, response: string): void {
    this.sql.exec("UPDATE edgent_idempotency SET response = ? WHERE turn_id = ?", response, turnId);
  }

  save(key: string, requestHash: string, turnId: string, response: string): void {
    const now = Date.now();
    this.sql.exec("DELETE FROM edgent_idempotency WHERE created_at <= ?", now - IDEMPOTENCY_TTL_MS);
    this.sql.exec(
      "INSERT OR REPLACE INTO edgent_idempotency (key, request_hash, turn_id, response, created_at) VALUES (?, ?, ?, ?, ?)",
      key,
      requestHash,
      turnId,
      response,
      now,
    );
  }
}
