import type { ApprovalView } from "../../../shared/contracts/approval";
import { type Deferred, deferred } from "../../../shared/deferred";
import { log } from "../../../shared/log";
import type { TurnQueue } from "../../../shared/turn-queue";
import type { SendOutcome } from "../../rpc";
import type { TaskCoordinator } from "../delegation/coordinator";
import type { ApprovalDesk } from "../governance/approval-desk";
import type { TurnLedger } from "../storage/ledger";
import type { SessionMeta } from "../storage/rows";
import type { SessionStore } from "../storage/session-store";
import type { TurnRunner } from "../turn/turn-runner";
import type { IdempotencyRecords } from "./idempotency";

/** What the book of waiting turns works with. */
export interface WaitingTurnsOptions {
  store: SessionStore;
  ledger: TurnLedger;
  records: IdempotencyRecords;
  runner: TurnRunner;
  coordinator: TaskCoordinator;
  /** the calls turns hold for a person's approval */
  approvals: ApprovalDesk;
  /** a turn that had waited for sub-agents has ended */
  finished(turnId: string, outcome: SendOutcome): void;
  /** the turn's stream ends: it finished, or paused for a person's decision */
  streamEnded(turnId: string, outcome: SendOutcome): void;
}

/**
 * Turns that wait for their sub-agents or for a person's decision (at most one per session,
 * since turns run one at a time): who awaits their end, and going on with them once every
 * task has an outcome (a result, a deadline, a restart) and every held call a decision (or an
 * expiry), or cancelling them.
 */
export class WaitingTurns {
  private readonly entries = new Map<string, Deferred<SendOutcome>>();
  private readonly pauses = new Map<string, Deferred<ApprovalView[]>>();
  private readonly resuming = new Set<string>();
  private readonly cancelRequested = new Set<string>();

  constructor(private readonly options: WaitingTurnsOptions) {}

  /** Settles when the waiting turn ends. */
  waitFor(turnId: string): Promise<SendOutcome> {
    let done = this.entries.get(turnId);
    if (!done) {
      done = deferred<SendOutcome>();
      this.entries.set(turnId, done);
    }
    return done.promise;
  }

  /**
   * Sends the waiting turn's tasks to their sub-agents and makes its held calls known (expiry
   * alarms, the parent session, watchers). A turn whose waits are already over goes on.
   */
  async dispatch(meta: SessionMeta, turnId: string): Promise<void> {
    await this.sendOut(meta, turnId);
    if (!this.outstanding(turnId)) void this.goOn(turnId);
  }

  /** Settles with the approvals the turn waits for when it next pauses for a person's decision. */
  paused(turnId: string): Promise<ApprovalView[]> {
    let pause = this.pauses.get(turnId);
    if (!pause) {
      pause = deferred<ApprovalView[]>();
      this.pauses.set(turnId, pause);
    }
    return pause.promise;
  }

  /** The turn now waits for approvals: whoever awaits the pause hears it, and its stream ends here. */
  announcePause(turnId: string, approvals: ApprovalView[]): void {
    const pause = this.pauses.get(turnId);
    this.pauses.delete(turnId);
    pause?.resolve(approvals);
    this.options.streamEnded(turnId, { status: "awaiting_approval", turnId, approvals });
  }

  /** Whether the turn still waits for a task or a decision. */
  outstanding(turnId: string): boolean {
    return this.options.coordinator.book.outstanding(turnId) || this.options.approvals.outstanding(turnId);
  }

  private async sendOut(meta: SessionMeta, turnId: string): Promise<void> {
    await this.options.coordinator.dispatch(meta, turnId);
    await this.options.approvals.dispatch(turnId);
  }

  /**
   * Goes on with a waiting turn whose sub-agents have all answered (or failed, or timed out),
   * or ends it cancelled. Called by results, deadline alarms and a restarted object alike;
   * runs the turn once at a time.
   */
  async resume(turnId: string, cancel = false): Promise<void> {
    const { ledger, store, coordinator, runner, records, approvals } = this.options;
    if (this.resuming.has(turnId)) return;
    this.resuming.add(turnId);
    try {
      for (;;) {
        const cancelling = cancel || this.cancelRequested.has(turnId);
        if (ledger.waiting() !== turnId || !(cancelling || !this.outstanding(turnId))) return;
        const meta = store.meta();
        if (!meta) return;
        // a cancelled turn's unfinished tasks and undecided calls get a "cancelled" answer: every call has one
        const results = coordinator.results(meta, turnId, cancelling);
        const decided = approvals.decided(turnId, cancelling);
        const outcome = await runner.run({
          meta,
          turnId,
          begin: { kind: "resume", results, decided, cancelled: cancelling },
        });
        // the model delegated again or holds another call: wait for those (they may be settled already)
        if (outcome.status === "waiting") {
          await this.sendOut(meta, turnId);
          continue;
        }
        const done = this.entries.get(turnId);
        this.entries.delete(turnId);
        this.pauses.delete(turnId);
        records.settleTurn(turnId, outcome);
        this.options.streamEnded(turnId, outcome);
        done?.resolve(outcome);
        this.options.finished(turnId, outcome);
        return;
      }
    } finally {
      this.resuming.delete(turnId);
      this.cancelRequested.delete(turnId);
    }
  }

  /** Lets a waiting turn go on, in the background; a failure is logged (the deadline alarm tries again). */
  goOn(turnId: string): Promise<void> {
    return this.resume(turnId).catch((error: unknown) => {
      log({
        event: "notice",
        level: "error",
        message: "a waiting turn could not go on",
        turnId,
        errorName: error instanceof Error ? error.name : "unknown",
      });
    });
  }

  /** After a restart: later turns queue behind the turn that waits, and it goes on if it can. */
  adopt(queue: TurnQueue): void {
    const turnId = this.options.ledger.waiting();
    const meta = this.options.store.meta();
    if (!turnId || !meta) return;
    const done = this.waitFor(turnId);
    void queue.runAlways(() => done);
    // tasks the last life did not get out go now, and the deadline alarm is armed again;
    // approvals its parent has not heard of go up (expiry alarms are durable)
    void this.options.coordinator
      .recover(meta, turnId)
      .then(() => this.options.approvals.relayAll())
      .catch(() => undefined)
      .then(() => this.resume(turnId));
  }

  /** Cancels the turn if it is the one waiting; false if it is not. */
  async cancel(turnId: string): Promise<boolean> {
    if (this.options.ledger.waiting() !== turnId) return false;
    if (this.resuming.has(turnId)) {
      // it is between steps (sending the next step's tasks): it stops there
      this.cancelRequested.add(turnId);
      await this.waitFor(turnId);
    } else await this.resume(turnId, true);
    return true;
  }

  /** Cancels the waiting turn, if there is one (an erase or an interrupt). */
  async cancelAll(): Promise<void> {
    const turnId = this.options.ledger.waiting();
    if (turnId) await this.cancel(turnId);
  }
}
