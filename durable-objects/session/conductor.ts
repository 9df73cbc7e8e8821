import type { AgentDefinition } from "../../shared/agents/define";
import { findAgent } from "../../shared/agents/registry";
import type { ServerFrame } from "../../shared/contracts/frames";
import type { GatewayEvent } from "../../shared/contracts/gateway";
import type { TurnResponse } from "../../shared/contracts/message";
import type { OnBusy } from "../../shared/contracts/on-busy";
import type { Failure } from "../../shared/errors";
import { chooseCentralModel, chooseMaxSteps, chooseModel, type ModelVars } from "../../shared/models/choose";
import { ModelCatalog } from "../../shared/models/pricing";
import { type ModelEnv, resolveModel } from "../../shared/models/resolve";
import { withRetries } from "../../shared/models/retry";
import { type ModelSettings, type ModelSettingsEnv, modelSettings } from "../../shared/models/settings";
import { TurnQueue } from "../../shared/turn-queue";
import { type GatewayRpc, gatewayFor } from "../model-gateway";
import type { TaskCoordinator, TurnScope } from "./delegation";
import { SessionFacts } from "./facts";
import { gatewayModel } from "./gateway-model";
import { IdempotencyRecords } from "./idempotency";
import type { TurnLedger } from "./ledger";
import type { NewMessage, SessionMeta, SessionStore } from "./store";
import { Toolbox } from "./toolbox";
import { runTurn, type TurnSink } from "./turn";

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

/** A message to run as a turn. */
export interface TurnRequest {
  content: string;
  clientId?: string;
  onBusy?: OnBusy;
  /** client's Idempotency-Key header, with a hash of the request it came with */
  idempotency?: { key: string; requestHash: string };
  /** in a sub-agent's session: the attempt number of the task this message carries */
  taskAttempt?: number;
}

export type SendOutcome =
  | { status: "completed"; response: TurnResponse }
  | { status: "failed"; failure: Failure }
  | { status: "not_found" }
  | { status: "idempotency_conflict" }
  /** refused by the reject policy while a turn runs; nothing was stored */
  | { status: "busy" }
  /** queued, then dropped because an interrupting message came after it; nothing was stored */
  | { status: "superseded" }
  /** still running (e.g. waiting for sub-agents) when the caller stopped waiting */
  | { status: "pending"; turnId: string };

/** How a request was taken in: replayed, refused, or queued as a new turn. */
export interface Submission {
  kind: "replay" | "conflict" | "refused" | "queued";
  outcome: Promise<SendOutcome>;
  /** the id the turn will have, for a queued request */
  turnId?: string;
  /** settles if the turn starts waiting for sub-agents, before `outcome` does */
  waiting?: Promise<void>;
}

/** What the conductor needs for turns that delegate to sub-agents. */
export interface TurnDelegation {
  coordinator: TaskCoordinator;
  /** where this session's turns sit in the delegation tree */
  scope(agent: AgentDefinition, turnId: string): TurnScope;
  /** a turn that had waited for sub-agents has ended */
  finished(turnId: string, outcome: SendOutcome): void;
}

export type CancelOutcome = { status: "cancelled" | "not_running" | "not_found" };

/** What the conductor reads from the environment. */
export interface TurnSettings {
  env: ModelEnv & ModelVars & ModelSettingsEnv & { EDGENT_MODEL_SPECS?: string };
}

function misconfigured(message: string): SendOutcome {
  return { status: "failed", failure: { code: "model_misconfigured", message } };
}

/**
 * Runs a session's turns one at a time in arrival order, applies the busy policy, replays
 * idempotent retries and cancels running turns. Every frame a turn emits goes to `live`
 * (the session's WebSocket clients) and to the caller's own stream, if it has one.
 */
export class TurnConductor {
  private readonly queue = new TurnQueue();
  private running: { turnId: string; controller: AbortController; done: Promise<unknown> } | null = null;
  private toolbox: Toolbox | undefined;
  // bumped by an interrupting message: turns queued before it no longer run
  private epoch = 0;
  private readonly inFlight = new Map<string, { requestHash: string; outcome: Promise<SendOutcome>; turnId: string }>();
  // turns waiting for sub-agents: who awaits their end, and the caller's own stream if any
  private readonly waiting = new Map<string, { done: Deferred<SendOutcome>; own?: TurnSink }>();
  private readonly resuming = new Set<string>();
  private readonly cancelRequested = new Set<string>();

  private readonly records: IdempotencyRecords;
  private readonly facts: SessionFacts;
  private readonly catalog: ModelCatalog;
  private readonly modelSettings: ModelSettings;

  constructor(
    private readonly store: SessionStore,
    sql: SqlStorage,
    private readonly settings: TurnSettings,
    private readonly live: TurnSink,
    /** whether any live client is connected, and so wants deltas */
    private readonly watched: () => boolean,
    private readonly ledger: TurnLedger,
    /** called after each turn: the session schedules a report of its local usage to the gateway */
    private readonly usageRecorded: () => void,
    private readonly delegation: TurnDelegation,
  ) {
    this.records = new IdempotencyRecords(sql);
    this.facts = new SessionFacts(sql);
    this.catalog = new ModelCatalog(settings.env.EDGENT_MODEL_SPECS);
    // settings change only with a new deployment, which starts a new object
    this.modelSettings = modelSettings(settings.env);
  }

  /** Turns queued or running. */
  get busy(): boolean {
    return this.queue.size > 0;
  }

  /**
   * Decides what happens to a request: a replay of an earlier one with the same
   * Idempotency-Key (finished or still in flight), a refusal by the busy policy, or a turn
   * queued behind the others. `outcome` settles when the request is answered.
   */
  submit(meta: SessionMeta, request: TurnRequest, own?: TurnSink): Submission {
    const replay = this.replay(request);
    if (replay === "conflict")
      return { kind: "conflict", outcome: Promise.resolve({ status: "idempotency_conflict" }) };
    if (replay) return { kind: "replay", ...replay };
    const policy = request.onBusy ?? meta.onBusy;
    if (this.busy && policy === "reject") return { kind: "refused", outcome: Promise.resolve({ status: "busy" }) };
    if (this.busy && policy === "interrupt") {
      // the running turn is cancelled and turns queued behind it are superseded
      this.epoch++;
      this.running?.controller.abort();
      // a turn waiting for sub-agents is cancelled too: its tasks' results will be ignored
      void this.cancelWaiting();
    }
    const epoch = this.epoch;
    const newTurnId = crypto.randomUUID();
    const waiting = deferred<void>();
    const outcome = this.queue.run(async (): Promise<SendOutcome> => {
      if (epoch < this.epoch) return { status: "superseded" };
      const current = this.store.meta();
      if (!current) return { status: "not_found" };
      let result = await this.turn(current, newTurnId, { kind: "start", request }, own);
      if (result.status === "pending") {
        // later turns stay queued behind this one until its sub-agents' results are in
        const done = this.waitFor(result.turnId, own);
        waiting.resolve();
        // a retry of this request, even to a later life of the object, is told the turn is pending
        if (request.idempotency) {
          const { key, requestHash } = request.idempotency;
          this.records.save(key, requestHash, result.turnId, JSON.stringify(result));
        }
        await this.delegation.coordinator.dispatch(current, result.turnId);
        result = await done;
      }
      const turnId =
        result.status === "completed"
          ? result.response.turnId
          : result.status === "failed"
            ? result.failure.turnId
            : undefined;
      // only outcomes that stored something are replayed; a configuration error may be retried
      if (request.idempotency && turnId) {
        const { key, requestHash } = request.idempotency;
        this.records.save(key, requestHash, turnId, JSON.stringify(result));
      }
      return result;
    });
    if (request.idempotency) {
      const { key, requestHash } = request.idempotency;
      this.inFlight.set(key, { requestHash, outcome, turnId: newTurnId });
      const forget = () => this.inFlight.delete(key);
      outcome.then(forget, forget);
    }
    return { kind: "queued", outcome, turnId: newTurnId, waiting: waiting.promise };
  }

  /**
   * Goes on with a turn whose sub-agents have all answered (or failed, or timed out). Called by
   * results, deadline alarms and a restarted object alike; runs the turn once at a time.
   */
  async resume(turnId: string, cancel = false): Promise<void> {
    if (this.resuming.has(turnId)) return;
    this.resuming.add(turnId);
    try {
      const { coordinator } = this.delegation;
      for (;;) {
        const cancelling = cancel || this.cancelRequested.has(turnId);
        if (this.ledger.pending() !== turnId || !(cancelling || !coordinator.book.outstanding(turnId))) return;
        const meta = this.store.meta();
        if (!meta) return;
        const entry = this.waiting.get(turnId);
        // a cancelled turn's unfinished tasks get a "cancelled" result: every call has its answer
        const results = coordinator.results(turnId, cancelling);
        const outcome = await this.turn(meta, turnId, { kind: "resume", results, cancelled: cancelling }, entry?.own);
        // the model delegated again: wait for that step's tasks (they may all be settled already)
        if (outcome.status === "pending") {
          await coordinator.dispatch(meta, turnId);
          continue;
        }
        this.waiting.delete(turnId);
        this.records.settleTurn(turnId, JSON.stringify(outcome));
        entry?.done.resolve(outcome);
        this.delegation.finished(turnId, outcome);
        return;
      }
    } finally {
      this.resuming.delete(turnId);
      this.cancelRequested.delete(turnId);
    }
  }

  /** After a restart: later turns queue behind a turn that waits, and it goes on if it can. */
  adoptWaiting(): void {
    const turnId = this.ledger.pending();
    const meta = this.store.meta();
    if (!turnId || !meta) return;
    const done = this.waitFor(turnId, undefined);
    void this.queue.run(() => done);
    // tasks the last life did not get out go now, and the deadline alarm is armed again
    void this.delegation.coordinator
      .recover(meta, turnId)
      .catch(() => undefined)
      .then(() => this.resume(turnId));
  }

  private waitFor(turnId: string, own: TurnSink | undefined): Promise<SendOutcome> {
    let entry = this.waiting.get(turnId);
    if (!entry) {
      entry = { done: deferred<SendOutcome>(), ...(own ? { own } : {}) };
      this.waiting.set(turnId, entry);
    }
    return entry.done.promise;
  }

  /** Cancels a running or waiting turn and waits for it to store what it produced. */
  async cancel(turnId: string): Promise<CancelOutcome> {
    if (this.running?.turnId === turnId) {
      const { controller, done } = this.running;
      controller.abort();
      await done;
      return { status: "cancelled" };
    }
    if (this.ledger.pending() === turnId) {
      if (this.resuming.has(turnId)) {
        // it is between steps (sending the next step's tasks): it stops there
        this.cancelRequested.add(turnId);
        await this.waitFor(turnId, undefined);
      } else await this.resume(turnId, true);
      return { status: "cancelled" };
    }
    return { status: this.ledger.exists(turnId) ? "not_running" : "not_found" };
  }

  /** Cancels the running turn, the one waiting for sub-agents, and drops the queued ones. */
  async stopAll(): Promise<void> {
    this.epoch++;
    if (this.running) await this.cancel(this.running.turnId);
    await this.cancelWaiting();
  }

  /** A turn the last life of the object left running was failed: records and waiters learn so. */
  settleAbandoned(turn: { turnId: string; error: { code: "internal"; message: string } }): void {
    const outcome: SendOutcome = { status: "failed", failure: { ...turn.error, turnId: turn.turnId } };
    this.records.settleTurn(turn.turnId, JSON.stringify(outcome));
    this.delegation.finished(turn.turnId, outcome);
  }

  /** Cancels the turn that waits for sub-agents, if there is one (an erase or interrupt). */
  async cancelWaiting(): Promise<void> {
    const turnId = this.ledger.pending();
    if (turnId) await this.cancel(turnId);
  }

  /** Runs after every turn queued so far. */
  after<T>(job: () => Promise<T>): Promise<T> {
    return this.queue.run(job);
  }

  private async turn(
    meta: SessionMeta,
    turnId: string,
    begin: { kind: "start"; request: TurnRequest } | { kind: "resume"; results: NewMessage[]; cancelled: boolean },
    own: TurnSink | undefined,
  ): Promise<SendOutcome> {
    const { env } = this.settings;
    // a waiting turn that cannot go on is failed, not left waiting
    const refuse = (message: string) =>
      begin.kind === "resume" ? this.failParked(turnId, message) : misconfigured(message);
    const agent = findAgent(meta.agent);
    if (!agent) return refuse(`agent '${meta.agent}' is no longer deployed`);
    const localChoice = chooseModel(agent, env);
    const centralChoice = chooseCentralModel(agent, env);
    if (!localChoice.ok) return refuse(localChoice.error);
    if (!centralChoice.ok) return refuse(centralChoice.error);
    const localModel = resolveModel(localChoice.name, env);
    if (!localModel.ok) return refuse(localModel.error);
    if (this.catalog.error) return refuse(this.catalog.error);
    const settings = this.modelSettings;
    if (this.toolbox?.agent !== agent) this.toolbox = new Toolbox(agent);
    const controller = new AbortController();
    const live = this.live;
    const sink: TurnSink = own
      ? {
          emit(frame: ServerFrame) {
            live.emit(frame);
            own.emit(frame);
          },
        }
      : live;
    // most turns never escalate: the gateway's stub is made on first use
    let gateway: GatewayRpc | undefined;
    const tenantGateway = () => {
      gateway ??= gatewayFor(env as Env, meta.tenant);
      return gateway;
    };
    const events: GatewayEvent[] = [];
    const done = runTurn({
      store: this.store,
      ledger: this.ledger,
      memory: this.facts,
      meta,
      agent,
      toolbox: this.toolbox,
      settings,
      catalog: this.catalog,
      local: {
        name: localChoice.name,
        model: withRetries(localModel.model, {
          maxRetries: settings.maxRetries,
          baseDelayMs: settings.retryBaseMs,
          timeoutMs: settings.timeoutMs,
        }),
      },
      central: {
        name: centralChoice.name,
        model: gatewayModel(tenantGateway, centralChoice.name, agent.name, events, (usage) =>
          // a cancelled turn's central call still cost tokens: it counts in the session's totals
          this.ledger.recordCall({
            turnId,
            purpose: "turn",
            model: usage.model,
            tier: "central",
            inputTokens: usage.inputTokens,
            outputTokens: usage.outputTokens,
            costNanos: this.catalog.costNanos(usage.model, usage.inputTokens, usage.outputTokens),
            latencyMs: 0,
          }),
        ),
        events,
      },
      maxSteps: chooseMaxSteps(agent, env),
      turnId,
      begin:
        begin.kind === "start"
          ? { kind: "start", content: begin.request.content, clientId: begin.request.clientId }
          : begin,
      ...(agent.delegates.length > 0
        ? { delegation: this.delegation.coordinator.port(agent, this.delegation.scope(agent, turnId), turnId) }
        : {}),
      ...(begin.kind === "start" && begin.request.taskAttempt ? { taskAttempt: begin.request.taskAttempt } : {}),
      sink,
      stream: own !== undefined || this.watched(),
      cancel: controller.signal,
    });
    this.running = { turnId, controller, done };
    try {
      return await done;
    } finally {
      this.running = null;
      // the tenant's totals include local calls too: they are reported in batches, not per turn
      this.usageRecorded();
    }
  }

  private failParked(turnId: string, message: string): SendOutcome {
    const failure = { code: "model_misconfigured" as const, message, turnId };
    const parked = this.ledger.resume(turnId);
    if (parked) this.ledger.end(turnId, { status: "failed", steps: parked.steps, error: failure });
    // as a turn that fails while it runs: live clients and the caller's stream see it end
    for (const sink of [this.live, this.waiting.get(turnId)?.own]) {
      sink?.emit({ type: "error", error: failure });
      sink?.emit({ type: "turn", turnId, status: "failed" });
    }
    return { status: "failed", failure };
  }

  /** The outcome of an earlier request with the same key (stored or in flight), or a conflict. */
  private replay(request: TurnRequest): { outcome: Promise<SendOutcome>; turnId?: string } | "conflict" | null {
    if (!request.idempotency) return null;
    const { key, requestHash } = request.idempotency;
    const pending = this.inFlight.get(key);
    const prior = pending ?? this.records.find(key);
    if (!prior) return null;
    if (prior.requestHash !== requestHash) return "conflict";
    if (pending) return { outcome: pending.outcome, turnId: pending.turnId };
    return { outcome: Promise.resolve(JSON.parse((prior as { response: string }).response) as SendOutcome) };
  }
}
