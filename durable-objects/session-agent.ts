import { Agent, type Connection, type ConnectionContext } from "agents";
import { PING_FRAME, PONG_FRAME } from "../shared/contracts/frames";
import { within } from "../shared/deferred";
import type { MessagePage } from "../shared/contracts/message";
import type { OnBusy } from "../shared/contracts/on-busy";
import type { SessionInfo } from "../shared/contracts/session";
import type { TaskMessage, TaskReport, TaskView } from "../shared/contracts/task";
import { log } from "../shared/log";
import { ModelCatalog } from "../shared/models/pricing";
import { retryIfReset } from "../shared/object-reset";
import { DELEGATION_SETTINGS, settingsOf } from "../shared/settings";
import { TurnQueue } from "../shared/turn-queue";
import type {
  CancelOutcome,
  CreateOutcome,
  EraseOutcome,
  SendMessageInput,
  SendOutcome,
  SessionApi,
  SessionCaller,
  SettleOutcome,
  StreamOutcome,
  TaskHost,
  TaskParent,
  TaskRecord,
  TaskRunOutcome,
} from "./rpc";
import { AssignedTask } from "./session/delegation/assigned-task";
import { eraseSession } from "./session/erase";
import { TaskCoordinator } from "./session/delegation/coordinator";
import { toRecord, toView } from "./session/delegation/task-book";
import { directTransport, discardTask, queueTransport } from "./session/delegation/transports";
import { answerFrame, frameOverLimit, parseFrame } from "./session/live/client-frames";
import { openLive, refuseUpgrade } from "./session/live/connect";
import { LiveDelivery, type LiveState, send } from "./session/live/live-delivery";
import { streamTurn } from "./session/live/sse";
import { TicketBook } from "./session/live/tickets";
import { TurnConductor } from "./session/ordering/conductor";
import { IdempotencyRecords } from "./session/ordering/idempotency";
import { WaitingTurns } from "./session/ordering/waiting-turns";
import { SessionFacts } from "./session/storage/facts";
import { TurnLedger } from "./session/storage/ledger";
import { toUsage } from "./session/storage/rows";
import { SessionStore } from "./session/storage/session-store";
import { UsageReport } from "./session/storage/usage-report";
import { StorageLife } from "./session/storage/wipe";
import type { HookSource } from "./session/turn/hooks";
import { TurnRunner } from "./session/turn/turn-runner";
import { gatewayApi } from "./stubs";

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
  private readonly life: StorageLife;
  // set when erase() begins: from then on the session answers as gone
  private erasing = false;
  private reportRetryScheduled = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // no per-request events from the SDK: our own logs carry no content
    this.observability = undefined;
    // The SDK's constructor wraps onMessage to answer its own RPC and state frames first (its
    // errors name the object's methods): Edgent's frames are this socket's only protocol
    this.onMessage = new.target.prototype.onMessage;
    const { sql } = ctx.storage;
    const settings = settingsOf(env).values;
    this.life = new StorageLife(ctx);
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
      live: this.live.sink(() => ctx.getWebSockets().length > 0),
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
    if (this.erasing) return { status: "retry" };
    this.life.mustStore();
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
    if (!meta) return this.absent(null);
    return {
      sessionId: meta.sessionId,
      agent: meta.agent,
      createdAt: meta.createdAt,
      messageCount: meta.lastSeq,
      usage: toUsage(meta.usage),
      escalations: meta.escalations,
    };
  }

  async listMessages(caller: SessionCaller, after: number, limit: number): Promise<MessagePage | null> {
    return this.owned(caller) ? this.store.list(after, limit) : this.absent(null);
  }

  async sendMessage(input: SendMessageInput): Promise<SendOutcome> {
    const meta = this.owned(input);
    if (!meta) return this.absent({ status: "not_found" });
    const settings = settingsOf(this.env).require(["EDGENT_TURN_WAIT_MS"]);
    if (!settings.ok) return { status: "failed", failure: settings.failure };
    const submission = this.conductor.submit(meta, input);
    const { turnId } = submission;
    if (!turnId) return submission.outcome;
    return within(submission.outcome, settings.settings.EDGENT_TURN_WAIT_MS, () => ({ status: "waiting", turnId }));
  }

  async streamMessage(input: SendMessageInput): Promise<StreamOutcome> {
    const meta = this.owned(input);
    if (!meta) return this.absent({ status: "not_found" });
    return streamTurn(
      meta.sessionId,
      (own) => this.conductor.submit(meta, input, own),
      (work) => this.ctx.waitUntil(work),
    );
  }

  async listTasks(caller: SessionCaller, limit: number): Promise<TaskView[] | null> {
    return this.owned(caller) ? this.coordinator.book.list(limit).map(toView) : this.absent(null);
  }

  async getTask(caller: SessionCaller, taskId: string): Promise<TaskRecord | null | "no_task"> {
    if (!this.owned(caller)) return this.absent(null);
    const task = this.coordinator.book.get(taskId);
    return task ? toRecord(task) : "no_task";
  }

  async runTask(task: TaskMessage, attempt: number): Promise<TaskRunOutcome> {
    // only a parent's erase erases a sub-agent's session: the task is not wanted any more
    if (this.erasing) return { status: "discarded" };
    this.life.mustStore();
    return this.assigned.run(task, attempt);
  }

  async deadLetter(task: TaskMessage): Promise<void> {
    if (this.erasing) return;
    this.life.mustStore();
    await this.assigned.deadLetter(task);
  }

  async taskProgress(caller: SessionCaller, taskId: string, attempt: number): Promise<boolean> {
    return this.owned(caller) ? this.coordinator.progress(taskId, attempt) : this.absent(false);
  }

  async discardTask(caller: SessionCaller): Promise<boolean> {
    return (await this.erase(caller)).status === "erased";
  }

  async taskSettled(caller: SessionCaller, report: TaskReport): Promise<SettleOutcome> {
    const meta = this.owned(caller);
    return meta ? this.coordinator.settle(meta, report) : this.absent("unknown");
  }

  /** Reports this sub-agent's outcome to its parent again (scheduled after a failed report). */
  async retryTaskReport(): Promise<void> {
    this.reportRetryScheduled = false;
    if (!this.gone) await this.assigned.reportAgain();
  }

  /** Deadline alarm of a waiting turn's tasks (scheduled). */
  async taskDeadline(payload: { turnId: string; second?: number }): Promise<void> {
    const meta = this.store.meta();
    if (!meta || this.gone) return;
    await this.coordinator.expire(meta, payload.turnId, Date.now());
  }

  async cancelTurn(caller: SessionCaller, turnId: string): Promise<CancelOutcome> {
    return this.owned(caller) ? this.conductor.cancel(turnId) : this.absent({ status: "not_found" });
  }

  async registerTicket(caller: SessionCaller, nonce: string, expiresAt: number): Promise<boolean> {
    if (!this.owned(caller)) return this.absent(false);
    this.tickets.register(nonce, expiresAt);
    return true;
  }

  async erase(caller: SessionCaller): Promise<EraseOutcome> {
    const meta = this.owned(caller);
    if (!meta) return this.absent({ status: "not_found" });
    // nothing new starts from here: requests find no session, creates are asked to retry
    this.erasing = true;
    try {
      const status = await eraseSession({
        conductor: this.conductor,
        coordinator: this.coordinator,
        reportUsage: () => retryIfReset(() => this.usage.flush(meta, (tenant) => gatewayApi(this.env, tenant))),
        discardTask: (taskId) => discardTask(this.env, meta.tenant, taskId),
        closeConnections: () => {
          for (const connection of this.getConnections()) connection.close(1000, "session deleted");
        },
        wipe: () => this.life.wipe(),
      });
      if (status === "erased") this.store.forget();
      return { status };
    } finally {
      this.erasing = false;
    }
  }

  /** Accepts a WebSocket upgrade the router authenticated, or refuses it before accepting. */
  override async fetch(request: Request): Promise<Response> {
    const refused = refuseUpgrade(request, (caller) => this.owned(caller) !== null, this.tickets);
    return refused ? this.absent(refused) : super.fetch(request);
  }

  override onConnect(connection: Connection<LiveState>, ctx: ConnectionContext): void {
    openLive(this.live, connection, ctx.request, this.store.meta()?.sessionId ?? "");
  }

  override async onMessage(
    connection: Connection<LiveState>,
    message: string | ArrayBuffer | ArrayBufferView,
  ): Promise<void> {
    if (frameOverLimit(message)) return connection.close(1009, "frame larger than 1 MiB");
    const frame = parseFrame(message);
    if ("error" in frame) return void send(connection, { type: "error", error: frame.error });
    const meta = this.store.meta();
    if (!meta || this.gone) return connection.close(1000, "session deleted");
    return answerFrame(connection, frame, meta, this.live, this.conductor);
  }

  /** Sends the session's unreported local model usage to the tenant's gateway (scheduled). */
  async reportUsage(): Promise<void> {
    await this.usage.send(this.gone ? null : this.store.meta(), (tenant) => gatewayApi(this.env, tenant));
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

  /**
   * Answers "not found". An object that holds nothing (no session, no task, no turn: it was
   * asked for a session that does not exist) wipes what its wake created, so lookups of
   * sessions that do not exist leave no storage behind.
   */
  private async absent<T>(answer: T): Promise<T> {
    if (this.gone) return answer;
    if (!this.store.meta() && !this.assigned.holdsTask() && !this.conductor.busy) await this.life.wipe();
    return answer;
  }

  /** Being erased, or erased: the session answers as gone, from memory. */
  private get gone(): boolean {
    return this.erasing || this.life.wiped;
  }

  /** The session's metadata if it exists and belongs to the caller's tenant. */
  private owned(caller: SessionCaller) {
    if (this.gone) return null;
    const meta = this.store.meta();
    return meta && meta.tenant === caller.tenant && meta.sessionId === caller.sessionId ? meta : null;
  }
}
