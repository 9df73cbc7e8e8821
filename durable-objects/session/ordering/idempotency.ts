import type { SendOutcome } from "../../rpc";
import type { Row } from "../storage/rows";

/** Idempotency records are kept this long. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** The outcome stored for an Idempotency-Key, with the hash of the request that made it. */
export interface StoredOutcome {
  requestHash: string;
  outcome: SendOutcome;
}

/** The stored outcomes of requests sent with an Idempotency-Key, per session, for 24 hours. */
export class IdempotencyRecords {
  constructor(private readonly sql: SqlStorage) {}

  /** The stored outcome for an idempotency key, if it is still fresh. */
  find(key: string): StoredOutcome | null {
    const row = this.sql
      .exec<Row>(
        "SELECT request_hash, response FROM edgent_idempotency WHERE key = ? AND created_at > ?",
        key,
        Date.now() - IDEMPOTENCY_TTL_MS,
      )
      .toArray()[0];
    return row ? { requestHash: String(row.request_hash), outcome: readOutcome(String(row.response)) } : null;
  }

  /** Replaces the stored outcome of the request that started a turn (it had waited for sub-agents). */
  settleTurn(turnId: string, outcome: SendOutcome): void {
    this.sql.exec("UPDATE edgent_idempotency SET response = ? WHERE turn_id = ?", JSON.stringify(outcome), turnId);
  }

  /**
   * Records a request whose turn starts now, as the outcome it has if the object stops before
   * the turn ends (a restart fails it): a retry in a later life gets that, instead of running
   * the message again. The turn's real outcome replaces it, or `forget` drops it.
   */
  begin(key: string, requestHash: string, turnId: string, interrupted: SendOutcome): void {
    this.save(key, requestHash, turnId, interrupted);
  }

  /** Drops the record of a request whose turn stored nothing (a retry may run it). */
  forget(key: string): void {
    this.sql.exec("DELETE FROM edgent_idempotency WHERE key = ?", key);
  }

  save(key: string, requestHash: string, turnId: string, outcome: SendOutcome): void {
    const now = Date.now();
    this.sql.exec("DELETE FROM edgent_idempotency WHERE created_at <= ?", now - IDEMPOTENCY_TTL_MS);
    this.sql.exec(
      "INSERT OR REPLACE INTO edgent_idempotency (key, request_hash, turn_id, response, created_at) VALUES (?, ?, ?, ?, ?)",
      key,
      requestHash,
      turnId,
      JSON.stringify(outcome),
      now,
    );
  }
}

/** A stored outcome; one stored while its turn waited was once written `pending`. */
function readOutcome(json: string): SendOutcome {
  const outcome = JSON.parse(json) as SendOutcome | { status: "pending"; turnId: string };
  return outcome.status === "pending" ? { status: "waiting", turnId: outcome.turnId } : outcome;
}
