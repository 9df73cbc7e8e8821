import type { JSONValue } from "ai";
import { deferred } from "../../../shared/deferred";
import type { TurnQueue } from "../../../shared/turn-queue";
import type { CancelOutcome, SendOutcome, TurnRequest } from "../../rpc";
import type { TurnLedger } from "../storage/ledger";
import type { SessionMeta } from "../storage/rows";
import type { SessionStore } from "../storage/session-store";
import type { TurnSink } from "../turn/output-gate";
import type { TurnRunner } from "../turn/turn-runner";
import { admit } from "./admission";
import type { IdempotencyRecords, StoredOutcome } from "./idempotency";
import type { WaitingTurns } from "./waiting-turns";

/** A request as the conductor takes it: the client's, or a task's for a sub-agent. */
export interface TurnSubmission extends TurnRequest {
  /** what the turn's model calls carry, besides the turn id (a task's attempt number) */
  callMetadata?: Record<string, JSONValue>;
}

/** How a request was taken in: replayed, refused, or queued as a new turn. */
export interface Submission {
  kind: "replay" | "conflict" | "refused" | "queued";
  outcome: Promise<SendOutcome>;
  /** the id the turn will have, for a queued request (or the one replayed, if still running) */
  turnId?: string;
  /** settles if the turn starts waiting for sub-agents, before `outcome` does */
  waiting?: Promise<void>;
  /** settles if the turn pauses for a person's approval, before `outcome` does */
  paused?: Promise<SendOutcome>;
}

/** What the conductor orders. */
export interface ConductorOptions {
  store: SessionStore;
  ledger: TurnLedger;
  records: IdempotencyRecords;
  runner: TurnRunner;
  waiting: WaitingTurns;
  queue: TurnQueue;
}

/**
 * Orders a session's turns: one at a time in arrival order, the busy policy for requests that
 * arrive while turns run, and idempotent replays. Running turns are the runner's; turns that
 * wait for sub-agents are the waiting book's.
 */
export class TurnConductor {
  private readonly inFlight = new Map<string, { requestHash: string; outcome: Promise<SendOutcome>; turnId: string }>();
  // while the session is being erased: turns dropped from the queue find no session
  private closing = false;

  constructor(private readonly options: ConductorOptions) {}

  /** Turns queued or running. */
  get busy(): boolean {
    return this.options.queue.size > 0;
  }

  /** Takes a request in: a replay, a refusal, or a turn queued behind the others. */
  submit(meta: SessionMeta, request: TurnSubmission, own?: TurnSink): Submission {
    const { records, queue, runner, waiting, store } = this.options;
    const key = request.idempotency?.key;
    const pending = key === undefined ? undefined : this.inFlight.get(key);
    const prior = key === undefined ? null : (pending ?? records.find(key));
    const admission = admit({
      ...(request.idempotency ? { requestHash: request.idempotency.requestHash } : {}),
      prior,
      busy: this.busy,
      policy: request.onBusy ?? meta.onBusy,
    });
    switch (admission.kind) {
      case "conflict":
        return { kind: "conflict", outcome: Promise.resolve({ status: "idempotency_conflict" }) };
      case "refuse":
        return { kind: "refused", outcome: Promise.resolve({ status: "busy" }) };
      case "replay":
        if (pending) return { kind: "replay", outcome: pending.outcome, turnId: pending.turnId };
        return { kind: "replay", outcome: Promise.resolve((prior as StoredOutcome).outcome) };
      case "queue":
        if (admission.interrupt) {
          // the running turn is cancelled and turns queued behind it are superseded
          queue.reset();
          const running = runner.runningTurn;
          if (running) void runner.cancel(running);
          // a turn waiting for sub-agents is cancelled too: its tasks' results will be ignored
          void waiting.cancelAll();
        }
    }
    const turnId = crypto.randomUUID();
    const startedWaiting = deferred<void>();
    const paused = deferred<SendOutcome>();
    // only outcomes that stored something are replayed; a configuration error may be retried
    const save = (outcome: SendOutcome) => {
      if (request.idempotency && storedSomething(outcome)) {
        records.save(request.idempotency.key, request.idempotency.requestHash, turnId, outcome);
      }
    };
    const outcome = queue
      .run(async (): Promise<SendOutcome> => {
        const current = store.meta();
        if (!current) return { status: "not_found" };
        const ran = await runner.run({
          meta: current,
          turnId,
          begin: { kind: "start", content: request.content },
          ...(request.clientId ? { clientId: request.clientId } : {}),
          ...(request.callMetadata ? { callMetadata: request.callMetadata } : {}),
          ...(request.traceparent ? { traceparent: request.traceparent } : {}),
          ...(own ? { own } : {}),
        });
        if (ran.status !== "waiting") {
          save(ran);
          return ran;
        }
        // later turns stay queued behind this one until its sub-agents' results and decisions are in
        const done = waiting.waitFor(turnId, own);
        // a pause for approval answers the caller at once (a person may take hours); the turn goes on later
        void waiting
          .paused(turnId)
          .then((approvals) => paused.resolve({ status: "awaiting_approval", turnId, approvals }));
        startedWaiting.resolve();
        // a retry of this request, even to a later life of the object, is told the turn waits
        save(ran);
        await waiting.dispatch(current, turnId);
        const settled = await done;
        save(settled);
        return settled;
      })
      .then((result) =>
        result.status === "stale"
          ? { status: this.closing ? ("not_found" as const) : ("superseded" as const) }
          : result.value,
      );
    if (request.idempotency) {
      const { key: idempotencyKey, requestHash } = request.idempotency;
      this.inFlight.set(idempotencyKey, { requestHash, outcome, turnId });
      const forget = () => this.inFlight.delete(idempotencyKey);
      outcome.then(forget, forget);
    }
    return { kind: "queued", outcome, turnId, waiting: startedWaiting.promise, paused: paused.promise };
  }

  /** Cancels a running or waiting turn and waits for it to store what it produced. */
  async cancel(turnId: string): Promise<CancelOutcome> {
    if ((await this.options.runner.cancel(turnId)) || (await this.options.waiting.cancel(turnId))) {
      return { status: "cancelled" };
    }
    return { status: this.options.ledger.exists(turnId) ? "not_running" : "not_found" };
  }

  /** Cancels the running turn and the one waiting for sub-agents, and drops the queued ones. */
  async stopAll(): Promise<void> {
    const { queue, runner, waiting } = this.options;
    queue.reset();
    const running = runner.runningTurn;
    if (running) await runner.cancel(running);
    await waiting.cancelAll();
  }

  /**
   * Stops everything because the session is being erased: the running turn is cancelled, a
   * waiting one too, queued turns answer not_found; settles once nothing runs any more.
   */
  async close(): Promise<void> {
    this.closing = true;
    try {
      await this.stopAll();
      // the turns queued so far come out (stale) before this
      await this.after(async () => undefined);
    } finally {
      this.closing = false;
    }
  }

  /** Runs after every turn queued so far, whatever interrupts come meanwhile. */
  after<T>(job: () => Promise<T>): Promise<T> {
    return this.options.queue.runAlways(job);
  }
}

function storedSomething(outcome: SendOutcome): boolean {
  return (
    outcome.status === "completed" ||
    outcome.status === "waiting" ||
    outcome.status === "awaiting_approval" ||
    (outcome.status === "failed" && outcome.failure.turnId !== undefined)
  );
}
