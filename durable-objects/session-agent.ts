import { Agent, type Connection, type ConnectionContext } from "agents";
import type { ApprovalView } from "../shared/contracts/approval";
import { PING_FRAME, PONG_FRAME } from "../shared/contracts/frames";
import type { MessagePage } from "../shared/contracts/message";
import type { OnBusy } from "../shared/contracts/on-busy";
import type { SessionInfo } from "../shared/contracts/session";
import type { TaskDelivery, TaskMessage, TaskReport, TaskView } from "../shared/contracts/task";
import type { TraceSlice, TurnsPage, TurnTrace } from "../shared/contracts/trace";
import { within } from "../shared/deferred";
import { retryIfReset } from "../shared/object-reset";
import { settingsOf } from "../shared/settings";
import type {
  ApprovalDecisionInput,
  CancelOutcome,
  ChatOutcome,
  ChatStreamOutcome,
  ChatTurnInput,
  CreateOutcome,
  DecisionOutcome,
  EraseOutcome,
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
import { assembleSession } from "./session/assemble";
import type { AssignedTask } from "./session/delegation/assigned-task";
import type { TaskCoordinator } from "./session/delegation/coordinator";
import { toRecord, toView } from "./session/delegation/task-book";
import { discardTask } from "./session/delegation/transports";
import { eraseSession } from "./session/erase";
import type { SessionGovernance } from "./session/governance/session-governance";
import { answerFrame, frameOverLimit, parseFrame } from "./session/live/client-frames";
import { openLive, refuseUpgrade } from "./session/live/connect";
import { type LiveDelivery, type LiveState, send } from "./session/live/live-delivery";
import { rejoinTurn, streamTurn } from "./session/live/sse";
import type { TicketBook } from "./session/live/tickets";
import type { TurnStreams } from "./session/live/turn-streams";
import type { McpCatalog } from "./session/mcp/mcp-catalog";
import type { TurnConductor } from "./session/ordering/conductor";
import type { WaitingTurns } from "./session/ordering/waiting-turns";
import type { ChatTurns } from "./session/protocols/chat-turns";
import type { RetryOnce } from "./session/retry-once";
import type { TurnLedger } from "./session/storage/ledger";
import { toSessionInfo } from "./session/storage/rows";
import type { SessionStore } from "./session/storage/session-store";
import { ensureSdkSchema } from "./session/storage/sdk-schema";
import type { UsageReport } from "./session/storage/usage-report";
import { StorageLife } from "./session/storage/wipe";
import type { SessionTracing } from "./session/tracing/session-tracing";
import type { HookSource } from "./session/turn/hooks";
import type { TurnRunner } from "./session/turn/turn-runner";
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
  private readonly tickets: TicketBook;
  private readonly live: LiveDelivery;
  private readonly streams: TurnStreams;
  private readonly ledger: TurnLedger;
  private readonly runner: TurnRunner;
  private readonly conductor: TurnConductor;
  private readonly waiting: WaitingTurns;
  private readonly coordinator: TaskCoordinator;
  private readonly assigned: AssignedTask;
  private readonly usage: UsageReport;
  private readonly tracing: SessionTracing;
  private readonly mcpTools: McpCatalog;
  private readonly governance: SessionGovernance;
  private readonly reportRetry: RetryOnce;
  private readonly chat: ChatTurns;
  private readonly life: StorageLife;
  // set when erase() begins: from then on the session answers as gone
  private erasing = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // no per-request events from the SDK: our own logs carry no content
    this.observability = undefined;
    // The SDK's constructor wraps onMessage to answer its own RPC and state frames first (its
    // errors name the object's methods): Edgent's frames are this socket's only protocol
    this.onMessage = new.target.prototype.onMessage;
    this.life = new StorageLife(ctx);
    const parts = assembleSession({
      ctx,
      env,
      schedule: (when, callback, payload, options) => this.schedule(when, callback, payload, options),
      connections: () => this.getConnections<LiveState>(),
    });
    this.store = parts.store;
    this.tickets = parts.tickets;
    this.live = parts.live;
    this.streams = parts.streams;
    this.ledger = parts.ledger;
    this.runner = parts.runner;
    this.conductor = parts.conductor;
    this.waiting = parts.waiting;
    this.coordinator = parts.coordinator;
    this.assigned = parts.assigned;
    this.usage = parts.usage;
    this.mcpTools = parts.mcpTools;
    this.governance = parts.governance;
    this.reportRetry = parts.reportRetry;
    this.chat = parts.chat;
    this.tracing = parts.tracing;
    // pings are answered by the runtime itself, without waking a hibernating object
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
  }

  /** The SDK's tables: its own setup, or on a new object a one-step replay of it (see sdk-schema.ts). */
  protected override _ensureSchema(): void {
    ensureSdkSchema(this.ctx.storage, () => super._ensureSchema());
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
    return meta ? toSessionInfo(meta) : this.absent(null);
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
    // a pause for a person's approval answers at once (202 with the pending approvals)
    const answered = submission.paused ? Promise.race([submission.outcome, submission.paused]) : submission.outcome;
    return within(answered, settings.settings.EDGENT_TURN_WAIT_MS, () => ({ status: "waiting", turnId }));
  }

  async streamMessage(input: SendMessageInput): Promise<StreamOutcome> {
    const meta = this.owned(input);
    if (!meta) return this.absent({ status: "not_found" });
    const submission = this.conductor.submit(meta, input, true);
    return streamTurn(meta.sessionId, submission, this.streams, (work) => this.ctx.waitUntil(work));
  }

  async rejoinTurn(caller: SessionCaller, turnId: string, after: number): Promise<RejoinOutcome> {
    if (!this.owned(caller)) return this.absent({ status: "not_found" });
    return rejoinTurn(this.streams, this.ledger, turnId, after, (work) => this.ctx.waitUntil(work));
  }

  async chatTurn(input: ChatTurnInput): Promise<ChatOutcome> {
    if (this.gone) return { status: "retry" };
    this.life.mustStore();
    return this.chat.run(input);
  }

  async streamChatTurn(input: ChatTurnInput, format: StreamFormat): Promise<ChatStreamOutcome> {
    if (this.gone) return { status: "retry" };
    this.life.mustStore();
    return this.chat.stream(input, format);
  }

  async rejoinChat(caller: SessionCaller): Promise<RejoinOutcome> {
    return this.owned(caller) ? this.chat.rejoin() : this.absent({ status: "not_found" });
  }

  /** Erases a short-lived chat session the router did not erase (scheduled when it was seeded). */
  async eraseShortLived(): Promise<void> {
    const meta = this.store.meta();
    if (meta && !this.gone) await this.erase(meta);
  }

  async listTasks(caller: SessionCaller, limit: number): Promise<TaskView[] | null> {
    return this.owned(caller) ? this.coordinator.book.list(limit).map(toView) : this.absent(null);
  }

  async getTask(caller: SessionCaller, taskId: string): Promise<TaskRecord | null | "no_task"> {
    if (!this.owned(caller)) return this.absent(null);
    const task = this.coordinator.book.get(taskId);
    return task ? toRecord(task) : "no_task";
  }

  async listApprovals(caller: SessionCaller, status: "pending" | "all", limit: number): Promise<ApprovalView[] | null> {
    return this.owned(caller) ? this.governance.list(status, limit) : this.absent(null);
  }

  async decideApproval(
    caller: SessionCaller,
    approvalId: string,
    decision: ApprovalDecisionInput,
  ): Promise<DecisionOutcome> {
    return this.owned(caller) ? this.governance.decide(approvalId, decision) : this.absent({ status: "not_found" });
  }

  async approvalRelayed(caller: SessionCaller, taskId: string, approval: ApprovalView): Promise<boolean> {
    return this.owned(caller) ? this.governance.desk.arrived(taskId, approval) : this.absent(false);
  }

  /** An approval's expiry, or another try at relaying approvals to the parent session (scheduled). */
  async approvalAlarm(payload: { approvalId?: string; retry?: number }): Promise<void> {
    if (!this.gone) await this.governance.alarm(payload);
  }

  async runTask(task: TaskMessage, attempt: number, delivery?: TaskDelivery): Promise<TaskRunOutcome> {
    // only a parent's erase erases a sub-agent's session: the task is not wanted any more
    if (this.erasing) return { status: "discarded" };
    this.life.mustStore();
    return this.assigned.run(task, attempt, delivery);
  }

  async deadLetter(task: TaskMessage, delivery?: TaskDelivery): Promise<void> {
    if (this.erasing) return;
    this.life.mustStore();
    await this.assigned.deadLetter(task, delivery);
  }

  async listTurns(caller: SessionCaller, limit: number, before?: string): Promise<TurnsPage | null | "no_turn"> {
    return this.owned(caller) ? (this.tracing.turns(limit, before) ?? "no_turn") : this.absent(null);
  }

  async turnTrace(caller: SessionCaller, turnId: string): Promise<TurnTrace | null | "no_turn" | "no_trace"> {
    if (!this.owned(caller)) return this.absent(null);
    return this.ledger.exists(turnId) ? ((await this.tracing.trace(turnId)) ?? "no_trace") : "no_turn";
  }

  async traceSlice(caller: SessionCaller, traceId: string): Promise<TraceSlice | null> {
    return this.owned(caller) ? this.tracing.slice(traceId) : this.absent(null);
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
    this.reportRetry.fired();
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
        reportUsage: () =>
          retryIfReset(() => this.usage.flush(meta, (tenant, sessionId) => gatewayApi(this.env, tenant, sessionId))),
        reportMetrics: () => retryIfReset(() => this.tracing.flushMetrics(meta)),
        discardTask: (taskId) => discardTask(this.env, meta.tenant, taskId),
        closeConnections: () => {
          for (const connection of this.getConnections()) connection.close(1000, "session deleted");
        },
        closeMcp: () => this.mcpTools.close(),
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

  /** Sends unreported local model usage and finished turns' metrics to the tenant; prunes spans (scheduled). */
  async reportUsage(): Promise<void> {
    const meta = this.gone ? null : this.store.meta();
    await Promise.all([
      this.usage.send(meta, (tenant, sessionId) => gatewayApi(this.env, tenant, sessionId)),
      this.tracing.tick(meta),
    ]);
  }

  /** The SDK's own protocol frames (identity, state, MCP) are not part of Edgent's protocol. */
  override shouldSendProtocolMessages(): boolean {
    return false;
  }

  /** Clients may not write the agent's state row. */
  override shouldConnectionBeReadonly(): boolean {
    return true;
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
