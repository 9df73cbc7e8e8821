import { Agent, type Connection, type ConnectionContext } from "agents";
import { PING_FRAME, PONG_FRAME } from "../shared/contracts/frames";
import type { MessagePage } from "../shared/contracts/message";
import type { OnBusy } from "../shared/contracts/on-busy";
import type { SessionCreated, SessionInfo } from "../shared/contracts/session";
import type { TaskMessage, TaskReport, TaskView } from "../shared/contracts/task";
import { type DelegationSettings, delegationSettings } from "../shared/delegation/settings";
import { log } from "../shared/log";
import { gatewayFor } from "./model-gateway";
import { answerFrame, parseFrame } from "./session/client-frames";
import { type CancelOutcome, type SendOutcome, TurnConductor, type TurnRequest } from "./session/conductor";
import { TaskCoordinator } from "./session/delegation";
import { TurnLedger } from "./session/ledger";
import { LiveDelivery, type LiveState, send } from "./session/live";
import { type StreamOutcome, streamTurn } from "./session/sse";
import { SessionStore, toUsage } from "./session/store";
import { directTransport, queueTransport, taskSessionId, taskStub } from "./session/task-client";
import { TaskRunner, type TaskRunOutcome } from "./session/task-runner";
import { toView } from "./session/tasks";
import { TicketBook } from "./session/tickets";
import type { TurnSink } from "./session/turn";

export type { CancelOutcome, SendOutcome } from "./session/conductor";
export type { StreamOutcome } from "./session/sse";
export type { TaskRunOutcome } from "./session/task-runner";

/** A task as GET /v1/sessions/:id/tasks/:taskId shows it, before the sub-agent's messages are added. */
export type TaskRecord = TaskView & { depth: number; traceId: string };

/** Who is asking: the router has authenticated the tenant; the object checks it owns the session. */
export interface SessionCaller {
  tenant: string;
  sessionId: string;
}

/** A message to run as a turn, from the HTTP API. */
export interface SendMessageInput extends SessionCaller, TurnRequest {}

export type CreateOutcome =
  | { status: "created" | "exists"; session: SessionCreated }
  | { status: "conflict"; agent: string }
  /** the object is being reset after an erase: the caller should retry */
  | { status: "retry" };

/** Headers the router sets on a WebSocket upgrade it has authenticated. */
export const LIVE_HEADERS = {
  tenant: "x-edgent-tenant",
  session: "x-edgent-session",
  ticket: "x-edgent-ticket",
} as const;

/** Tasks whose sub-agent objects an erase reaches (a turn delegates at most a few dozen). */
const MAX_ERASED_TASKS = 10_000;

/** Largest WebSocket frame a client may send; larger ones close the socket with 1009. */
const MAX_FRAME_BYTES = 1024 * 1024;

/**
 * One agent session: its messages, turns, usage and facts in SQLite, and its live clients
 * over hibernatable WebSockets. Turns run one at a time in arrival order, whatever way they
 * arrive; everything a turn appends is durable before it is reported.
 */
export class SessionAgent extends Agent<Env> {
  private readonly store: SessionStore;
  private readonly ledger: TurnLedger;
  private readonly tickets: TicketBook;
  private readonly live: LiveDelivery;
  private readonly conductor: TurnConductor;
  private readonly coordinator: TaskCoordinator;
  private readonly runner: TaskRunner;
  private readonly delegation: DelegationSettings;
  // set once erase() has wiped storage; the runtime resets the object a moment later
  private erased = false;
  private reportScheduled = false;
  private reportRetryScheduled = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // no per-request events from the SDK: our own logs carry no content
    this.observability = undefined;
    this.store = new SessionStore(ctx.storage);
    this.store.migrate();
    this.ledger = new TurnLedger(ctx.storage.sql, this.store);
    const abandoned = this.ledger.failAbandoned();
    this.tickets = new TicketBook(ctx.storage.sql);
    this.live = new LiveDelivery(this.store, () => this.getConnections<LiveState>());
    const sink: TurnSink = {
      emit: (frame) => {
        // most turns have no live client: skip the SDK's connection bookkeeping entirely
        if (ctx.getWebSockets().length === 0) return;
        if (frame.type === "message") this.live.message(frame.message);
        else this.live.broadcast(frame);
      },
    };
    this.delegation = delegationSettings(env);
    this.coordinator = new TaskCoordinator(ctx.storage.sql, this.delegation, {
      transport: () =>
        this.delegation.transport === "direct"
          ? directTransport(env, (work) => ctx.waitUntil(work))
          : queueTransport(env.TASKS),
      schedule: async (at, turnId) => {
        // the SDK keeps whole seconds, rounding down: round up so the alarm never fires early.
        // One alarm per turn and second: dispatching the same step again adds none.
        const second = Math.ceil(at / 1000);
        await this.schedule(new Date(second * 1000), "taskDeadline", { turnId, second }, { idempotent: true });
      },
      ready: (turnId) => this.resumeTurn(turnId),
    });
    this.runner = new TaskRunner(ctx.storage.sql, {
      env,
      store: this.store,
      submit: (meta, request) => this.conductor.submit(meta, request),
      retryReport: () => {
        // not `idempotent`: the SDK would match the retry job that is running and add none
        if (this.reportRetryScheduled) return;
        this.reportRetryScheduled = true;
        this.schedule(5, "retryTaskReport").catch(() => {
          this.reportRetryScheduled = false;
        });
      },
    });
    this.conductor = new TurnConductor(
      this.store,
      ctx.storage.sql,
      { env },
      sink,
      () => ctx.getWebSockets().length > 0,
      this.ledger,
      () => this.scheduleUsageReport(),
      {
        coordinator: this.coordinator,
        // a user's session is the root of its tree; a sub-agent's session sits where its task put it
        scope: (agent, turnId) => this.runner.scope() ?? { depth: 0, chain: [agent.name], traceId: turnId },
        finished: (turnId, outcome) => {
          ctx.waitUntil(this.runner.finished(turnId, outcome).catch(() => undefined));
        },
      },
    );
    // a turn that waited for sub-agents when the object last stopped goes on (or keeps waiting)
    this.conductor.adoptWaiting();
    // a turn that stopped with the object is failed: whoever waited on it (a retry, a parent) hears so
    for (const turn of abandoned) this.conductor.settleAbandoned(turn);
    // pings are answered by the runtime itself, without waking a hibernating object
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
  }

  /** Creates the session, or reports that it exists (with the same or another agent). */
  async create(caller: SessionCaller & { agent: string; onBusy?: OnBusy }): Promise<CreateOutcome> {
    if (this.erased) return { status: "retry" };
    const meta = this.store.meta();
    if (meta) {
      if (meta.agent !== caller.agent) return { status: "conflict", agent: meta.agent };
      return { status: "exists", session: { sessionId: meta.sessionId, agent: meta.agent, createdAt: meta.createdAt } };
    }
    const createdAt = new Date().toISOString();
    this.store.create(caller.tenant, caller.sessionId, caller.agent, createdAt, caller.onBusy ?? "enqueue");
    return { status: "created", session: { sessionId: caller.sessionId, agent: caller.agent, createdAt } };
  }

  /** The session's identity and totals, or null if it does not exist for this caller. */
  async info(caller: SessionCaller): Promise<SessionInfo | null> {
    const meta = this.owned(caller);
    if (!meta) return null;
    return {
      sessionId: meta.sessionId,
      agent: meta.agent,
      createdAt: meta.createdAt,
      messageCount: meta.lastSeq,
      usage: toUsage(meta.usage),
      escalations: meta.escalations,
    };
  }

  /** A page of stored history, or null if the session does not exist. */
  async listMessages(caller: SessionCaller, after: number, limit: number): Promise<MessagePage | null> {
    return this.owned(caller) ? this.store.list(after, limit) : null;
  }

  /**
   * Runs a turn once every earlier turn has finished, and answers with its outcome; a turn
   * still running after the wait limit (e.g. waiting for sub-agents) is answered as pending.
   */
  async sendMessage(input: SendMessageInput): Promise<SendOutcome> {
    const meta = this.owned(input);
    if (!meta) return { status: "not_found" };
    const submission = this.conductor.submit(meta, input);
    const { turnId } = submission;
    if (!turnId) return submission.outcome;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const pending = new Promise<SendOutcome>((resolve) => {
      timer = setTimeout(() => resolve({ status: "pending", turnId }), this.delegation.turnWaitMs);
    });
    try {
      return await Promise.race([submission.outcome, pending]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs a turn like sendMessage, streaming its frames as server-sent events as they happen. */
  async streamMessage(input: SendMessageInput): Promise<StreamOutcome> {
    const meta = this.owned(input);
    if (!meta) return { status: "not_found" };
    return streamTurn(
      (own) => this.conductor.submit(meta, input, own),
      (work) => this.ctx.waitUntil(work),
    );
  }

  /** The session's delegated tasks, oldest first, or null if the session does not exist. */
  async listTasks(caller: SessionCaller, limit: number): Promise<TaskView[] | null> {
    return this.owned(caller) ? this.coordinator.book.list(limit).map(toView) : null;
  }

  /** One delegated task; null if the session does not exist, "no_task" if the task does not. */
  async getTask(caller: SessionCaller, taskId: string): Promise<TaskRecord | null | "no_task"> {
    if (!this.owned(caller)) return null;
    const task = this.coordinator.book.get(taskId);
    return task ? { ...toView(task), depth: task.depth, traceId: task.traceId } : "no_task";
  }

  /** Runs one delivery of a delegated task in this, the sub-agent's own object. */
  async runTask(task: TaskMessage, attempt: number): Promise<TaskRunOutcome> {
    // only a parent's erase erases a sub-agent's session: the task is not wanted any more
    if (this.erased) return { status: "discarded" };
    return this.runner.run(task, attempt);
  }

  /** A task's attempts ran out (its message reached the dead-letter queue). */
  async deadLetter(task: TaskMessage): Promise<void> {
    await this.runner.deadLetter(task);
  }

  /** A sub-agent begins an attempt at one of this session's tasks; false if the task is no longer wanted. */
  async taskProgress(caller: SessionCaller, taskId: string, attempt: number): Promise<boolean> {
    return this.owned(caller) ? this.coordinator.progress(taskId, attempt) : false;
  }

  /** The parent session was erased: stop this sub-agent's work and erase it. */
  async discardTask(caller: SessionCaller): Promise<boolean> {
    if (!this.owned(caller)) return false;
    await this.conductor.stopAll();
    return this.erase(caller);
  }

  /** A task's outcome, from its sub-agent; recorded once, however often it arrives. */
  async taskSettled(caller: SessionCaller, report: TaskReport): Promise<"recorded" | "duplicate" | "unknown"> {
    const meta = this.owned(caller);
    return meta ? this.coordinator.settle(meta, report) : "unknown";
  }

  /** Reports this sub-agent's outcome to its parent again (scheduled after a failed report). */
  async retryTaskReport(): Promise<void> {
    this.reportRetryScheduled = false;
    if (!this.erased) await this.runner.reportAgain();
  }

  /** Deadline alarm of a waiting turn's tasks (scheduled). */
  async taskDeadline(payload: { turnId: string; second?: number }): Promise<void> {
    const meta = this.store.meta();
    if (!meta || this.erased) return;
    await this.coordinator.expire(meta, payload.turnId, Date.now());
  }

  /** Cancels a running turn; what it produced so far is stored, marked cancelled. */
  async cancelTurn(caller: SessionCaller, turnId: string): Promise<CancelOutcome> {
    return this.owned(caller) ? this.conductor.cancel(turnId) : { status: "not_found" };
  }

  /** Records the nonce of a ticket the router is about to sign; false if there is no such session. */
  async registerTicket(caller: SessionCaller, nonce: string, expiresAt: number): Promise<boolean> {
    if (!this.owned(caller)) return false;
    this.tickets.register(nonce, expiresAt);
    return true;
  }

  /** Erases the session after the turns queued before it; the object is reset. */
  async erase(caller: SessionCaller): Promise<boolean> {
    // a turn waiting for sub-agents would hold the erase until its tasks' deadline
    if (this.owned(caller)) await this.conductor.cancelWaiting();
    return this.conductor.after(async () => {
      const meta = this.owned(caller);
      if (!meta) return false;
      // the sub-agents' objects hold this session's tasks and their conversations: erased with it.
      // A task that never started never will: its sub-agent asks this (gone) session first.
      const started = this.coordinator.book.list(MAX_ERASED_TASKS).filter((task) => task.attempts > 0);
      await Promise.allSettled(
        started.map(({ taskId }) =>
          taskStub(this.env, { tenant: meta.tenant, taskId }).discardTask({
            tenant: meta.tenant,
            sessionId: taskSessionId(taskId),
          }),
        ),
      );
      for (const connection of this.getConnections()) connection.close(1000, "session deleted");
      await this.destroy();
      this.erased = true;
      this.store.forget();
      return true;
    });
  }

  /** Accepts a WebSocket upgrade the router authenticated, or refuses it before accepting. */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return new Response(null, { status: 404 });
    const caller = {
      tenant: request.headers.get(LIVE_HEADERS.tenant) ?? "",
      sessionId: request.headers.get(LIVE_HEADERS.session) ?? "",
    };
    if (!this.owned(caller))
      return Response.json({ error: { code: "not_found", message: "session not found" } }, { status: 404 });
    const nonce = request.headers.get(LIVE_HEADERS.ticket);
    if (nonce !== null && !this.tickets.redeem(nonce)) {
      return Response.json(
        { error: { code: "unauthorized", message: "invalid, used or expired ticket" } },
        { status: 401 },
      );
    }
    return super.fetch(request);
  }

  override onConnect(connection: Connection<LiveState>, ctx: ConnectionContext): void {
    const after = new URL(ctx.request.url).searchParams.get("after");
    const sessionId = this.store.meta()?.sessionId ?? "";
    this.live.open(connection, sessionId, after !== null && /^\d{1,15}$/.test(after) ? Number(after) : null);
  }

  override async onMessage(
    connection: Connection<LiveState>,
    message: string | ArrayBuffer | ArrayBufferView,
  ): Promise<void> {
    const size = typeof message === "string" ? message.length : message.byteLength;
    if (size > MAX_FRAME_BYTES) return connection.close(1009, "frame larger than 1 MiB");
    const frame = parseFrame(message);
    if ("error" in frame) return void send(connection, { type: "error", error: frame.error });
    const meta = this.store.meta();
    if (!meta || this.erased) return connection.close(1000, "session deleted");
    return answerFrame(connection, frame, meta, this.live, this.conductor);
  }

  /** Sends the session's unreported local model usage to the tenant's gateway (scheduled). */
  async reportUsage(): Promise<void> {
    try {
      const meta = this.store.meta();
      if (!meta || this.erased) return;
      const { reports, throughId } = this.ledger.unreportedLocal(meta.agent);
      if (reports.length === 0) return;
      // the gateway ignores a batch it has seen, so a re-send after a crash counts once
      await gatewayFor(this.env, meta.tenant).report({ sessionId: meta.sessionId, throughId, lines: reports });
      this.ledger.markReported(throughId);
    } finally {
      // turns that ended while this ran are picked up by the next report
      this.reportScheduled = false;
      const meta = this.store.meta();
      if (meta && !this.erased && this.ledger.unreportedLocal(meta.agent).reports.length > 0)
        this.scheduleUsageReport();
    }
  }

  /** Lets a waiting turn go on; failures are logged, and the deadline alarm tries again. */
  private resumeTurn(turnId: string): void {
    const work = this.conductor.resume(turnId).catch((error: unknown) => {
      log({
        event: "notice",
        level: "error",
        message: "a waiting turn could not go on",
        turnId,
        errorName: error instanceof Error ? error.name : "unknown",
      });
    });
    this.ctx.waitUntil(work);
  }

  /** At most one report per window: the tenant's totals lag by seconds, turns pay nothing. */
  private scheduleUsageReport(): void {
    if (this.reportScheduled) return;
    this.reportScheduled = true;
    const seconds = Number(this.env.EDGENT_USAGE_REPORT_SECONDS) || 5;
    // not `idempotent`: called from a running report, the SDK would match that job and add none
    this.schedule(seconds, "reportUsage").catch(() => {
      this.reportScheduled = false;
    });
  }

  /** The SDK's own protocol frames (identity, state, MCP) are not part of Edgent's protocol. */
  override shouldSendProtocolMessages(): boolean {
    return false;
  }

  /** Clients may not write the agent's state row. */
  override shouldConnectionBeReadonly(): boolean {
    return true;
  }

  /** The session's metadata if it exists and belongs to the caller's tenant. */
  private owned(caller: SessionCaller) {
    if (this.erased) return null;
    const meta = this.store.meta();
    return meta && meta.tenant === caller.tenant && meta.sessionId === caller.sessionId ? meta : null;
  }
}

/**
 * The session object's RPC surface as callers see it. Results are plain JSON-like data, which
 * RPC clones faithfully; the runtime's generic RPC types cannot express `unknown` tool inputs.
 */
export type SessionRpc = Pick<
  SessionAgent,
  | "create"
  | "info"
  | "listMessages"
  | "sendMessage"
  | "streamMessage"
  | "cancelTurn"
  | "registerTicket"
  | "erase"
  | "fetch"
  | "listTasks"
  | "getTask"
  | "runTask"
  | "deadLetter"
  | "taskProgress"
  | "taskSettled"
  | "discardTask"
>;
