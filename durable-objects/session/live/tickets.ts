/**
 * Nonces of a session's WebSocket tickets, so each signed ticket opens one socket only.
 * The router has checked the signature and expiry before a ticket gets here.
 */
export class TicketBook {
  constructor(private readonly sql: SqlStorage) {}

  /** Records a nonce for a ticket about to be handed out. */
  register(nonce: string, expiresAt: number): void {
    this.sql.exec("DELETE FROM edgent_tickets WHERE expires_at <= ?", Date.now());
    this.sql.exec("INSERT INTO edgent_tickets (hash, expires_at) VALUES (?, ?)", nonce, expiresAt);
  }

  /** Redeems a nonce once: true if it was registered here and has not expired or been used. */
  redeem(nonce: string): boolean {
    const row = this.sql
      .exec<{ expires_at: number }>("DELETE FROM edgent_tickets WHERE hash = ? RETURNING expires_at", nonce)
      .toArray()[0];
    return row !== undefined && row.expires_at > Date.now();
  }
}
