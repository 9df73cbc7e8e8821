/** Single-use WebSocket tickets of one session, kept as SHA-256 hashes with an expiry. */
export class TicketBook {
  constructor(private readonly sql: SqlStorage) {}

  /** Issues a ticket `<tenant>.<random>`: the tenant part routes it, the random part proves it. */
  async issue(tenant: string, ttlMs: number): Promise<{ ticket: string; expiresAt: string }> {
    const now = Date.now();
    this.sql.exec("DELETE FROM edgent_tickets WHERE expires_at <= ?", now);
    const random = new Uint8Array(24);
    crypto.getRandomValues(random);
    const ticket = `${tenant}.${base64url(random)}`;
    this.sql.exec("INSERT INTO edgent_tickets (hash, expires_at) VALUES (?, ?)", await hash(ticket), now + ttlMs);
    return { ticket, expiresAt: new Date(now + ttlMs).toISOString() };
  }

  /** Redeems a ticket once: true if it was issued here and has not expired or been used. */
  async redeem(ticket: string): Promise<boolean> {
    const row = this.sql
      .exec<{ expires_at: number }>(
        "DELETE FROM edgent_tickets WHERE hash = ? RETURNING expires_at",
        await hash(ticket),
      )
      .toArray()[0];
    return row !== undefined && row.expires_at > Date.now();
  }
}

async function hash(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return base64url(new Uint8Array(digest));
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}
