import type { ApprovalDecision, ApprovalView } from "../../../shared/contracts/approval";
import type { Decider } from "../../../shared/contracts/message";
import { log } from "../../../shared/log";
import type { SessionMeta } from "../storage/rows";
import type { DecidedCall, RunApprovals } from "../turn/approval-port";
import { type ApprovalBook, type ApprovalRow, isSettled, stampOf, toView } from "./approval-book";

/** Who decides when no person does. */
const SYSTEM: Decider = { tenant: "", label: "system" };

/** How a decision was taken. */
export type DecideOutcome =
  | { status: "decided"; approval: ApprovalView }
  | { status: "already_decided"; approval: ApprovalView }
  | { status: "not_found" };

/** A decision as the API takes it, or a cancel a parent relays down. */
export type DecisionInput = ApprovalDecision | { decision: "cancel"; by: Decider; reason?: string };

/** What the desk needs of its session object. */
export interface ApprovalDeskHost {
  /** how long an approval waits before it expires, in seconds */
  ttlSeconds(): number;
  /** wakes the session at `atMs` to expire the approval if it is still pending */
  schedule(approvalId: string, atMs: number): Promise<void>;
  /** tells the parent session about one of this sub-agent's approvals; null when this is a user's session */
  relayUp(approval: ApprovalView): Promise<void> | null;
  /** hands a decision down to the sub-agent session that raised the approval */
  relayDown(sessionId: string, approvalId: string, decision: DecisionInput): Promise<DecideOutcome>;
  /** the turn of this session that waits for a task's result */
  turnOfTask(taskId: string): string | null;
  /** the turn has every decision it waited for: it may go on */
  ready(turnId: string): void;
  /** the turn waits for approvals: whoever awaits it hears so */
  paused(turnId: string, approvals: ApprovalView[]): void;
  /** a sub-agent's approval reached this (the user's) session: its live clients hear of it */
  arrivedFromBelow(turnId: string, approval: ApprovalView): void;
  /** cancels a turn of this session (a parent cancelled the work its approval was for) */
  cancelTurn(turnId: string): Promise<void>;
  /** try relaying again in a few seconds */
  retryRelay(): void;
}

/**
 * A session's approvals: it holds the calls its turns want approved, takes decisions once
 * (expiry counts as rejection), hands them to the waiting turn, and moves approvals between
 * sub-agents and the root session the user talks to: up as they are raised or change, down
 * as they are decided there.
 */
export class ApprovalDesk {
  constructor(
    readonly book: ApprovalBook,
    private readonly host: ApprovalDeskHost,
  ) {}

  /** The way a turn holds calls for approval. */
  port(meta: SessionMeta, turnId: string): RunApprovals {
    const held = new Set<string>();
    return {
      held,
      request: (call) => {
        const row = this.book.add({
          approvalId: crypto.randomUUID(),
          turnId,
          sessionId: meta.sessionId,
          agent: meta.agent,
          tool: call.toolName,
          toolCallId: call.toolCallId,
          args: call.shown,
          runArgs: call.input,
          reason: call.reason,
          expiresAtMs: Date.now() + this.host.ttlSeconds() * 1000,
        });
        held.add(call.toolCallId);
        return { approvalId: row.approvalId, expiresAt: row.expiresAt };
      },
    };
  }

  /** Whether a call the turn held here still waits for its decision. */
  outstanding(turnId: string): boolean {
    return this.book.outstanding(turnId);
  }

  /** The turn's approvals that wait for a decision, its sub-agents' included. */
  pending(turnId: string): ApprovalView[] {
    return this.book.forTurn(turnId, "pending").map(toView);
  }

  /** After the turn parked: expiry alarms are armed, a sub-agent's approvals go up, watchers are told. */
  async dispatch(turnId: string): Promise<void> {
    const pending = this.book.forTurn(turnId, "pending").filter((row) => !row.taskId);
    for (const row of pending) await this.host.schedule(row.approvalId, row.expiresAtMs).catch(() => undefined);
    await this.relayAll();
    if (pending.length > 0) this.host.paused(turnId, this.pending(turnId));
  }

  /**
   * The decisions a resuming turn answers its held calls with; marks them taken. When the turn
   * is cancelled, what still waits is cancelled (a sub-agent's approvals too, down where they were raised).
   */
  decided(turnId: string, cancelled: boolean): DecidedCall[] {
    const rows = this.book.forTurn(turnId, "unresolved");
    const calls: DecidedCall[] = [];
    for (const row of rows) {
      if (cancelled && row.status === "pending") {
        this.book.settle(row.approvalId, "cancelled", SYSTEM, "the turn was cancelled");
        if (row.taskId) this.sendDown(row, { decision: "cancel", by: SYSTEM, reason: "the turn was cancelled" });
        else this.changed(row.approvalId);
      }
      if (row.taskId) continue;
      const settled = this.book.get(row.approvalId) as ApprovalRow;
      if (!isSettled(settled.status)) continue;
      calls.push({
        toolCallId: settled.toolCallId,
        toolName: settled.tool,
        input: settled.runArgs,
        shown: settled.args,
        stamp: stampOf(settled),
      });
    }
    this.book.markResolved(rows.filter((row) => !row.taskId || cancelled).map((row) => row.approvalId));
    return calls;
  }

  /** Takes a decision once; one for a sub-agent's approval is handed down to it. */
  async decide(approvalId: string, input: DecisionInput): Promise<DecideOutcome> {
    const row = this.book.get(approvalId);
    if (!row) return { status: "not_found" };
    if (isSettled(row.status)) return { status: "already_decided", approval: toView(row) };
    if (row.taskId) {
      const down = await this.host.relayDown(row.sessionId, approvalId, input);
      if (down.status === "not_found") return down;
      this.book.mirror(down.approval);
      return { ...down, approval: toView(this.book.get(approvalId) as ApprovalRow) };
    }
    if (row.expiresAtMs <= Date.now()) {
      await this.expire(approvalId);
      return { status: "already_decided", approval: toView(this.book.get(approvalId) as ApprovalRow) };
    }
    const status = input.decision === "approve" ? "approved" : input.decision === "reject" ? "rejected" : "cancelled";
    if (!this.book.settle(approvalId, status, input.by, input.reason)) {
      return { status: "already_decided", approval: toView(this.book.get(approvalId) as ApprovalRow) };
    }
    this.changed(approvalId);
    if (input.decision === "cancel") await this.host.cancelTurn(row.turnId);
    else if (!this.book.outstanding(row.turnId)) this.host.ready(row.turnId);
    return { status: "decided", approval: toView(this.book.get(approvalId) as ApprovalRow) };
  }

  /** An approval nobody decided in time counts as rejected (its alarm fired). */
  async expire(approvalId: string): Promise<void> {
    const row = this.book.get(approvalId);
    if (!row || isSettled(row.status) || row.taskId) return;
    if (row.expiresAtMs > Date.now()) {
      await this.host.schedule(approvalId, row.expiresAtMs);
      return;
    }
    if (!this.book.settle(approvalId, "expired", SYSTEM, "no decision before the approval expired")) return;
    this.changed(approvalId);
    if (!this.book.outstanding(row.turnId)) this.host.ready(row.turnId);
  }

  /**
   * A sub-agent's approval (or news of it) arrives through one of this session's tasks: a
   * user's session keeps it where the user can decide it; a sub-agent passes it on up.
   */
  async arrived(taskId: string, approval: ApprovalView): Promise<boolean> {
    const forwarded = this.host.relayUp(approval);
    if (forwarded) {
      await forwarded;
      return true;
    }
    const turnId = this.host.turnOfTask(taskId);
    if (!turnId) return false;
    const known = this.book.get(approval.approvalId);
    if (known) {
      this.book.mirror(approval);
      return true;
    }
    this.book.add({
      approvalId: approval.approvalId,
      turnId,
      sessionId: approval.sessionId,
      agent: approval.agent,
      tool: approval.tool,
      toolCallId: approval.toolCallId,
      args: approval.args,
      reason: approval.reason,
      expiresAtMs: Date.parse(approval.expiresAt),
      requestedAt: approval.requestedAt,
      taskId,
    });
    if (approval.status !== "pending") this.book.mirror(approval);
    else {
      this.host.arrivedFromBelow(turnId, toView(this.book.get(approval.approvalId) as ApprovalRow));
      this.host.paused(turnId, this.pending(turnId));
    }
    return true;
  }

  /** Sends the parent every approval of this sub-agent it has not had the latest state of. */
  async relayAll(): Promise<void> {
    for (const row of this.book.unrelayed()) {
      const sent = this.host.relayUp(toView(row));
      if (!sent) {
        // a user's session: nobody above to tell
        this.book.markRelayed(row.approvalId);
        continue;
      }
      try {
        await sent;
        this.book.markRelayed(row.approvalId);
      } catch (error) {
        log({
          event: "notice",
          level: "warn",
          message: "an approval could not be relayed to the parent session",
          errorName: error instanceof Error ? error.name : "unknown",
        });
        this.host.retryRelay();
        return;
      }
    }
  }

  /** The approval's state changed: its parent (if any) is told again. */
  private changed(approvalId: string): void {
    const row = this.book.get(approvalId);
    if (!row || row.taskId) return;
    this.book.unmarkRelayed(approvalId);
    void this.relayAll();
  }

  private sendDown(row: ApprovalRow, input: DecisionInput): void {
    void this.host.relayDown(row.sessionId, row.approvalId, input).catch(() => undefined);
  }
}
