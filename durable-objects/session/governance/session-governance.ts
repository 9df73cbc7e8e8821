import type { ApprovalView, TurnProgress } from "../../../shared/contracts/approval";
import type { ServerFrame } from "../../../shared/contracts/frames";
import type { ConsultResult } from "../../../shared/guardrails/define";
import { settingsOf } from "../../../shared/settings";
import type { ApprovalDecisionInput, DecisionOutcome, SendOutcome } from "../../rpc";
import { sessionApi } from "../../stubs";
import type { AssignedTask } from "../delegation/assigned-task";
import type { TaskCoordinator } from "../delegation/coordinator";
import { relayApproval, runTaskNow } from "../delegation/transports";
import type { TurnConductor } from "../ordering/conductor";
import type { WaitingTurns } from "../ordering/waiting-turns";
import { RetryOnce } from "../retry-once";
import type { TurnLedger } from "../storage/ledger";
import type { SessionStore } from "../storage/session-store";
import type { RunApprovals } from "../turn/approval-port";
import type { HookSource, RunInfo } from "../turn/hooks";
import type { TurnSink } from "../turn/output-gate";
import { ApprovalBook, toView } from "./approval-book";
import { ApprovalDesk } from "./approval-desk";
import { guardrailHooks } from "./guard-hooks";

/** What a session's governance works with; the later parts are reached lazily. */
export interface GovernanceParts {
  env: Env;
  sql: SqlStorage;
  store: SessionStore;
  ledger: TurnLedger;
  coordinator: TaskCoordinator;
  assigned: AssignedTask;
  /** where a turn's frames go: its recording, then the session's live clients */
  frames(turnId: string): TurnSink;
  waiting: () => WaitingTurns;
  conductor: () => TurnConductor;
  /** lets a waiting turn go on */
  goOn(turnId: string): void;
  /** wakes the session at `at` to call `alarm` with `payload` (durable, once per payload) */
  schedule(at: Date, payload: { approvalId?: string; retry?: number }): Promise<void>;
}

/**
 * A session's governance: the guardrails on its turns, the approvals its turns hold (and its
 * sub-agents', when it is the root the user talks to), and what a decision does next.
 */
export class SessionGovernance {
  readonly desk: ApprovalDesk;
  private readonly relayRetry: RetryOnce;

  constructor(private readonly parts: GovernanceParts) {
    const { env } = parts;
    this.relayRetry = new RetryOnce(() => {
      const at = Date.now() + 5_000;
      return parts.schedule(new Date(at), { retry: Math.ceil(at / 1000) });
    });
    this.desk = new ApprovalDesk(new ApprovalBook(parts.sql), {
      ttlSeconds: () => settingsOf(env).values.EDGENT_APPROVAL_TTL,
      // the SDK keeps whole seconds, rounding down: round up so the alarm never fires early
      schedule: (approvalId, atMs) => parts.schedule(new Date(Math.ceil(atMs / 1000) * 1000), { approvalId }),
      relayUp: (approval) => {
        const task = parts.assigned.task();
        return task ? relayApproval(env, task, approval) : null;
      },
      relayDown: (sessionId, approvalId, decision) => {
        const tenant = parts.store.meta()?.tenant ?? "";
        return sessionApi(env, tenant, sessionId).decideApproval({ tenant, sessionId }, approvalId, decision);
      },
      turnOfTask: (taskId) => parts.coordinator.book.get(taskId)?.turnId ?? null,
      ready: (turnId) => parts.goOn(turnId),
      paused: (turnId, approvals) => parts.waiting().announcePause(turnId, approvals),
      arrivedFromBelow: (turnId, approval) => this.announceRelayed(turnId, approval),
      cancelTurn: async (turnId) => {
        await parts.conductor().cancel(turnId);
      },
      retryRelay: () => this.relayRetry.request(),
    });
  }

  /** The guardrails of every turn, as a hook source (registered as a guard). */
  hooks(): HookSource {
    return guardrailHooks({ env: this.parts.env, consult: (run, agent, task) => this.consult(run, agent, task) });
  }

  /** A turn's way to hold calls for approval. */
  port(meta: Parameters<ApprovalDesk["port"]>[0], turnId: string): RunApprovals {
    return this.desk.port(meta, turnId);
  }

  list(status: "pending" | "all", limit: number): ApprovalView[] {
    return this.desk.book.list(status, limit).map(toView);
  }

  /** Decides an approval, then follows its turn until it ends or pauses again (or the wait limit). */
  async decide(approvalId: string, input: ApprovalDecisionInput): Promise<DecisionOutcome> {
    const row = this.desk.book.get(approvalId);
    if (!row) return { status: "not_found" };
    const { turnId } = row;
    const waiting = this.parts.waiting();
    const waits = this.parts.ledger.waiting() === turnId;
    const done = waits ? waiting.waitFor(turnId) : null;
    const paused = waits ? waiting.paused(turnId) : null;
    const outcome = await this.desk.decide(approvalId, input);
    if (outcome.status !== "decided") return outcome;
    if (!done || !paused || input.decision === "cancel") {
      return { ...outcome, turn: { turnId, status: "pending" } };
    }
    // other calls of the turn still wait for a person: nothing runs until they are decided
    const remaining = this.desk.pending(turnId);
    if (remaining.length > 0)
      return { ...outcome, turn: { turnId, status: "awaiting_approval", approvals: remaining } };
    const waitMs = settingsOf(this.parts.env).values.EDGENT_TURN_WAIT_MS;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const turn = await Promise.race<TurnProgress>([
      done.then((ended) => progressOf(turnId, ended)),
      paused.then((approvals) => ({ turnId, status: "awaiting_approval" as const, approvals })),
      new Promise<TurnProgress>((resolve) => {
        timer = setTimeout(() => resolve({ turnId, status: "pending" }), waitMs);
      }),
    ]);
    if (timer !== undefined) clearTimeout(timer);
    return { ...outcome, turn };
  }

  /**
   * A scheduled wake-up: an approval's expiry (unless decided, it expires and counts as
   * rejected), or another try at relaying to the parent what it has not heard yet.
   */
  async alarm(payload: { approvalId?: string; retry?: number }): Promise<void> {
    if (payload.approvalId) return this.desk.expire(payload.approvalId);
    this.relayRetry.fired();
    await this.desk.relayAll();
  }

  /** A guardrail asks another agent (a fact checker) to do a task, in the agent's own object. */
  private consult(run: RunInfo, agent: string, task: string): Promise<ConsultResult> {
    const scope = this.parts.assigned.scope() ?? { depth: 0, chain: [run.agent.name], traceId: run.trace.traceId };
    return this.parts.coordinator.consult(run.session, scope, run.turnId, agent, task, (message) =>
      runTaskNow(this.parts.env, message),
    );
  }

  /** A sub-agent's approval reached the user's session: its live clients and the waiting caller hear of it. */
  private announceRelayed(turnId: string, approval: ApprovalView): void {
    const frames: ServerFrame[] = [
      { type: "event", turnId, name: "approval_requested", data: { ...approval } },
      { type: "turn", turnId, status: "awaiting_approval" },
    ];
    const sink = this.parts.frames(turnId);
    for (const frame of frames) sink.emit(frame);
  }
}

/** Where a turn got, from how its request was answered. */
export function progressOf(turnId: string, outcome: SendOutcome): TurnProgress {
  switch (outcome.status) {
    case "completed":
      return outcome.response;
    case "awaiting_approval":
      return { turnId: outcome.turnId, status: "awaiting_approval", approvals: outcome.approvals };
    case "waiting":
      return { turnId: outcome.turnId, status: "pending" };
    case "failed": {
      const { failure } = outcome;
      return {
        turnId: failure.turnId ?? turnId,
        status: failure.code === "guardrail_tripped" ? "blocked" : "failed",
        error: {
          code: failure.code,
          message: failure.message,
          ...(failure.guardrail ? { guardrail: failure.guardrail } : {}),
        },
      };
    }
    default:
      return {
        turnId,
        status: "failed",
        error: { code: "conflict", message: `the turn did not run (${outcome.status})` },
      };
  }
}
