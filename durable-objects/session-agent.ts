import { Agent, type Connection, type ConnectionContext } from "agents";
import { PING_FRAME, PONG_FRAME } from "../shared/contracts/frames";
import type { MessagePage } from "../shared/contracts/message";
import type { OnBusy } from "../shared/contracts/on-busy";
import type { SessionInfo } from "../shared/contracts/session";
import type { TaskMessage, TaskReport, TaskView } from "../shared/contracts/task";
import { log } from "../shared/log";
import { ModelCatalog } from "../shared/models/pricing";
import { DELEGATION_SETTINGS, settingsOf } from "../shared/settings";
import { TurnQueue } from "../shared/turn-queue";
import type {
  CancelOutcome,
  ChatOutcome,
  ChatStreamOutcome,
  ChatTurnInput,
  CreateOutcome,
  RejoinOutcome,
  SendMessageInput,
  SendOutcome,
  SessionApi,
  SessionCaller,
  SettleOutcome,
  StreamFormat,
  StreamOutcome,
  TaskHost,
  TaskParent,
  TaskRecord,
  TaskRunOutcome,
} from "./rpc";
import { isShortLived } from "./rpc";
import { AssignedTask } from "./session/delegation/assigned-task";
import { TaskCoordinator } from "./session/delegation/coordinator";
import { toRecord, toView } from "./session/delegation/task-book";
import { directTransport, discardTask, queueTransport } from "./session/delegation/transports";
import { answerFrame, parseFrame } from "./session/live/client-frames";
import { openLive, refuseUpgrade } from "./session/live/connect";
import { LiveDelivery, type LiveState, liveSink, send } from "./session/live/live-delivery";
import { streamTurn } from "./session/live/sse";
import { TicketBook } from "./session/live/tickets";
import { TurnConductor } from "./session/ordering/conductor";
import { IdempotencyRecords } from "./session/ordering/idempotency";
import { WaitingTurns } from "./session/ordering/waiting-turns";
import { ChatTurns } from "./session/protocols/chat-turns";
import { SessionFacts } from "./session/storage/facts";
import { TurnLedger } from "./session/storage/ledger";
import { toSessionInfo } from "./session/storage/rows";
import { SessionStore } from "./session/storage/session-store";
import { UsageReport } from "./session/storage/usage-report";
import type { HookSource } from "./session/turn/hooks";
import { TurnRunner } from "./session/turn/turn-runner";
import { gatewayApi } from "./stubs";

/** Tasks whose sub-agent objects an erase reaches (a turn delegates at most a few dozen). */
const MAX_ERASED_TASKS = 10_000;

/** Largest WebSocket frame a client may send; larger ones close the socket with 1009. */
const MAX_FRAME_BYTES = 1024 * 1024;

/**
 * One agent session: its messages, turns, usage and facts in SQLite, and its live clients
 * over hibernatable WebSockets. Turns run one at a time in arrival order, whatever way they
 * arrive; everything a turn appends is durable before it is reported. It serves three
 * callers: the router (SessionApi), its sub-agents (TaskParent), and, when it is itself a
 * sub-agent, the task queue and its parent (TaskHost).
 */
export class SessionAgent extends Agent<Env> implements SessionApi, TaskParent, TaskHost {
  private readonly store: SessionStore;
  private readonly ledger: TurnLedger;
  private readonly tickets: TicketBook;
  private readonly live: LiveDelivery;
  private readonly runner: TurnRunner;
  private readonly conductor: TurnConductor;
  private readonly waiting: WaitingTurns;
  private readonly coordinator: TaskCoordinator;
  private readonly assigned: AssignedTask;
  private readonly usage: UsageReport;
  private readonly chat: ChatTurns;
  // set once erase() has wiped storage; the runtime resets the object a moment later
  private erased = false;
  private reportRetryScheduled = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // no per-request events from the SDK: our own logs carry no content
    this.observability = undefined;
    const { sql } = ctx.storage;
    const settings = settingsOf(env).values;
    this.store = new SessionStore(ctx.storage);
    this.store.migrate();
    this.ledger = new TurnLedger(sql, this.store, new ModelCatalog(settings.EDGENT_MODEL_SPECS));
    const abandoned = this.ledger.failAbandoned();
    this.tickets = new TicketBook(sql);
    this.live = new LiveDelivery(this.store, () => this.getConnections<LiveState>());
    this.usage = new UsageReport(this.ledger, () => this.schedule(settings.EDGENT_USAGE_REPORT_SECONDS, "reportUsage"));
    const records = new IdempotencyRecords(sql);
    this.coordinator = new TaskCoordinator(
      sql,
      {
        maxDepth: settings.EDGENT_DELEGATION_MAX_DEPTH,
        maxFanout: settings.EDGENT_DELEGATION_MAX_FANOUT,
        taskTimeoutMs: settings.EDGENT_TASK_TIMEOUT_MS,
      },
      {
        transport: () =>
          settings.EDGENT_DELEGATION_TRANSPORT === "direct"
            ? directTransport(env, (work) => ctx.waitUntil(work))
            : queueTransport(env.TASKS),
        schedule: async (at, turnId) => {
          // the SDK keeps whole seconds, rounding down: round up so the alarm never fires early.
          // One alarm per turn and second: dispatching the same step again adds none.
          const second = Math.ceil(at / 1000);
          await this.schedule(new Date(second * 1000), "taskDeadline", { turnId, second }, { idempotent: true });
        },
        ready: (turnId) => this.goOn(turnId),
      },
    );
    this.assigned = new AssignedTask(sql, {
      env,
      store: this.store,
      submit: (meta, request) => this.conductor.submit(meta, request),
      retryReport: () => this.scheduleReportRetry(),
    });
    this.runner = new TurnRunner({
      env,
      store: this.store,
      ledger: this.ledger,
      memory: new SessionFacts(sql),
      live: liveSink(this.live, () => ctx.getWebSockets().length > 0),
      watched: () => ctx.getWebSockets().length > 0,
      gateway: (tenant) => gatewayApi(env, tenant),
      delegation: (agent, turnId) => {
        // a user's session is the root of its tree; a sub-agent's session sits where its task put it
        const scope = this.assigned.scope() ?? { depth: 0, chain: [agent.name], traceId: turnId };
        const trace = { traceId: scope.traceId };
        if (agent.delegates.length === 0) return { ok: true, trace };
        const problem = settingsOf(env).problem(DELEGATION_SETTINGS);
        if (problem) return { ok: false, failure: { code: "misconfigured", message: problem } };
        return { ok: true, trace, port: this.coordinator.port(agent, scope, turnId) };
      },
      usageRecorded: () => this.usage.due(),
    });
    const queue = new TurnQueue();
    this.waiting = new WaitingTurns({
      store: this.store,
      ledger: this.ledger,
      records,
      runner: this.runner,
      coordinator: this.coordinator,
      finished: (turnId, outcome) => ctx.waitUntil(this.assigned.finished(turnId, outcome).catch(() => undefined)),
    });
    this.conductor = new TurnConductor({
      store: this.store,
      ledger: this.ledger,
      records,
      runner: this.runner,
      waiting: this.waiting,
      queue,
    });
    this.chat = new ChatTurns({
      store: this.store,
      conductor: this.conductor,
      scheduleErase: (at) => this.schedule(at, "eraseShortLived"),
      background: (work) => ctx.waitUntil(work),
    });
    // a turn that waited for sub-agents when the object last stopped goes on (or keeps waiting)
    this.waiting.adopt(queue);
    // a turn that stopped with the object is failed: whoever waited on it (a retry, a parent) hears so
    for (const { turnId, error } of abandoned) {
      const outcome: SendOutcome = { status: "failed", failure: { ...error, turnId } };
      records.settleTurn(turnId, outcome);
      ctx.waitUntil(this.assigned.finished(turnId, outcome).catch(() => undefined));
    }
    // pings are answered by the runtime itself, without waking a hibernating object
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
  }

  /** Adds hooks to every turn of this session from now on (tracing, guardrails, observers). */
  addTurnHooks(source: HookSource): void {
    this.runner.addHooks(source);
  }

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

  async info(caller: SessionCaller): Promise<SessionInfo | null> {
    const meta = this.owned(caller);
    return meta ? toSessionInfo(meta) : null;
  }

  async listMessages(caller: SessionCaller, after: number, limit: number): Promise<MessagePage | null> {
    return this.owned(caller) ? this.store.list(after, limit) : null;
  }

  async sendMessage(input: SendMessageInput): Promise<SendOutcome> {
    const meta = this.owned(input);
    if (!meta) return { status: "not_found" };
    const settings = settingsOf(this.env).require(["EDGENT_TURN_WAIT_MS"]);
    if (!settings.ok) return { status: "failed", failure: settings.failure };
    const submission = this.conductor.submit(meta, input);
    const { turnId } = submission;
    if (!turnId) return submission.outcome;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const stillRunning = new Promise<SendOutcome>((resolve) => {
      timer = setTimeout(() => resolve({ status: "waiting", turnId }), settings.settings.EDGENT_TURN_WAIT_MS);
    });
    try {
      return await Promise.race([submission.outcome, stillRunning]);
    } finally {
      clearTimeout(timer);
    }
  }

  async streamMessage(input: SendMessageInput): Promise<StreamOutcome> {
    const meta = this.owned(input);
    if (!meta) return { status: "not_found" };
    return streamTurn(
      meta.sessionId,
      (own) => this.conductor.submit(meta, input, own),
      (work) => this.ctx.waitUntil(work),
    );
  }

  async chatTurn(input: ChatTurnInput): Promise<ChatOutcome> {
    return this.erased ? { status: "retry" } : this.chat.run(input);
  }

  async streamChatTurn(input: ChatTurnInput, format: StreamFormat): Promise<ChatStreamOutcome> {
    return this.erased ? { status: "retry" } : this.chat.stream(input, format);
  }

  async rejoinChat(caller: SessionCaller): Promise<RejoinOutcome> {
    return this.owned(caller) ? this.chat.rejoin() : { status: "not_found" };
  }

  /** Erases a short-lived chat session the router did not erase (scheduled when it was seeded). */
  async eraseShortLived(): Promise<void> {
    const meta = this.store.meta();
    if (meta && !this.erased) await this.erase(meta);
  }

  async listTasks(caller: SessionCaller, limit: number): Promise<TaskView[] | null> {
    return this.owned(caller) ? this.coordinator.book.list(limit).map(toView) : null;
  }

  async getTask(caller: SessionCaller, taskId: string): Promise<TaskRecord | null | "no_task"> {
    if (!this.owned(caller)) return null;
    const task = this.coordinator.book.get(taskId);
    return task ? toRecord(task) : "no_task";
  }

  async runTask(task: TaskMessage, attempt: number): Promise<TaskRunOutcome> {
    // only a parent's erase erases a sub-agent's session: the task is not wanted any more
    if (this.erased) return { status: "discarded" };
    return this.assigned.run(task, attempt);
  }

  async deadLetter(task: TaskMessage): Promise<void> {
    await this.assigned.deadLetter(task);
  }

  async taskProgress(caller: SessionCaller, taskId: string, attempt: number): Promise<boolean> {
    return this.owned(caller) ? this.coordinator.progress(taskId, attempt) : false;
  }

  async discardTask(caller: SessionCaller): Promise<boolean> {
    if (!this.owned(caller)) return false;
    await this.conductor.stopAll();
    return this.erase(caller);
  }

  async taskSettled(caller: SessionCaller, report: TaskReport): Promise<SettleOutcome> {
    const meta = this.owned(caller);
    return meta ? this.coordinator.settle(meta, report) : "unknown";
  }

  /** Reports this sub-agent's outcome to its parent again (scheduled after a failed report). */
  async retryTaskReport(): Promise<void> {
    this.reportRetryScheduled = false;
    if (!this.erased) await this.assigned.reportAgain();
  }

  /** Deadline alarm of a waiting turn's tasks (scheduled). */
  async taskDeadline(payload: { turnId: string; second?: number }): Promise<void> {
    const meta = this.store.meta();
    if (!meta || this.erased) return;
    await this.coordinator.expire(meta, payload.turnId, Date.now());
  }

  async cancelTurn(caller: SessionCaller, turnId: string): Promise<CancelOutcome> {
    return this.owned(caller) ? this.conductor.cancel(turnId) : { status: "not_found" };
  }

  async registerTicket(caller: SessionCaller, nonce: string, expiresAt: number): Promise<boolean> {
    if (!this.owned(caller)) return false;
    this.tickets.register(nonce, expiresAt);
    return true;
  }

  async erase(caller: SessionCaller): Promise<boolean> {
    // a turn waiting for sub-agents would hold the erase until its tasks' deadline
    if (this.owned(caller)) await this.waiting.cancelAll();
    return this.conductor.after(async () => {
      const meta = this.owned(caller);
      if (!meta) return false;
      // the sub-agents' objects hold this session's tasks and their conversations: erased with it.
      // A task that never started never will: its sub-agent asks this (gone) session first.
      const started = this.coordinator.book.list(MAX_ERASED_TASKS).filter((task) => task.attempts > 0);
      await Promise.allSettled(started.map(({ taskId }) => discardTask(this.env, meta.tenant, taskId)));
      for (const connection of this.getConnections()) connection.close(1000, "session deleted");
      // what a short-lived chat session spent stays in the tenant's totals
      if (isShortLived(meta.sessionId)) await this.reportUsage().catch(() => undefined);
      await this.destroy();
      this.erased = true;
      this.store.forget();
      return true;
    });
  }

  /** Accepts a WebSocket upgrade the router authenticated, or refuses it before accepting. */
  override async fetch(request: Request): Promise<Response> {
    const refused = refuseUpgrade(request, (caller) => this.owned(caller) !== null, this.tickets);
    return refused ?? super.fetch(request);
  }

  override onConnect(connection: Connection<LiveState>, ctx: ConnectionContext): void {
    openLive(this.live, connection, ctx.request, this.store.meta()?.sessionId ?? "");
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
    await this.usage.send(this.erased ? null : this.store.meta(), (tenant) => gatewayApi(this.env, tenant));
  }

  /** The SDK's own protocol frames (identity, state, MCP) are not part of Edgent's protocol. */
  override shouldSendProtocolMessages(): boolean {
    return false;
  }

  /** Clients may not write the agent's state row. */
  override shouldConnectionBeReadonly(): boolean {
    return true;
  }

  /** Lets a waiting turn go on; failures are logged, and the deadline alarm tries again. */
  private goOn(turnId: string): void {
    const work = this.waiting.resume(turnId).catch((error: unknown) => {
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

  /** Asks to report this sub-agent's outcome again in a few seconds, once. */
  private scheduleReportRetry(): void {
    // not `idempotent`: the SDK would match the retry job that is running and add none
    if (this.reportRetryScheduled) return;
    this.reportRetryScheduled = true;
    this.schedule(5, "retryTaskReport").catch(() => {
      this.reportRetryScheduled = false;
    });
  }

  /** The session's metadata if it exists and belongs to the caller's tenant. */
  private owned(caller: SessionCaller) {
    if (this.erased) return null;
    const meta = this.store.meta();
    return meta && meta.tenant === caller.tenant && meta.sessionId === caller.sessionId ? meta : null;
  }
}
