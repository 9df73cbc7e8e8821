import type { GatewayApi } from "../../rpc";
import type { TurnLedger } from "./ledger";
import type { SessionMeta } from "./rows";

/**
 * Reports a session's local model usage to the tenant's gateway in batches, at most one per
 * window: the tenant's totals lag by seconds and turns pay nothing. The gateway ignores a
 * batch it has seen, so a re-send after a crash counts once.
 */
export class UsageReport {
  private scheduled = false;

  constructor(
    private readonly ledger: TurnLedger,
    /** asks the session to call `send` in a few seconds (durably) */
    private readonly schedule: () => Promise<unknown>,
  ) {}

  /** A turn recorded calls: make sure a report will go. */
  due(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.schedule().catch(() => {
      this.scheduled = false;
    });
  }

  /** Sends what was not reported yet (the scheduled job). */
  async send(meta: SessionMeta | null, gateway: (tenant: string, sessionId: string) => GatewayApi): Promise<void> {
    try {
      if (meta) await this.flush(meta, gateway);
    } finally {
      // turns that ended while this ran are picked up by the next report
      this.scheduled = false;
      if (meta && this.ledger.unreportedLocal(meta.agent).reports.length > 0) this.due();
    }
  }

  /** Sends what was not reported yet, now (the scheduled job, or an erase before the usage goes with the session). */
  async flush(meta: SessionMeta, gateway: (tenant: string, sessionId: string) => GatewayApi): Promise<void> {
    const { reports, throughId } = this.ledger.unreportedLocal(meta.agent);
    if (reports.length === 0) return;
    const incarnation = meta.incarnation ? { incarnation: meta.incarnation } : {};
    await gateway(meta.tenant, meta.sessionId).report({
      sessionId: meta.sessionId,
      ...incarnation,
      throughId,
      lines: reports,
    });
    this.ledger.markReported(throughId);
  }
}
