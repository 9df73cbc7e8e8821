import { Agent, type Connection, type ConnectionContext } from "agents";
import type { ApprovalView } from "../shared/contracts/approval";
import { PING_FRAME, PONG_FRAME } from "../shared/contracts/frames";
import type { MessagePage } from "../shared/contracts/message";
import type { OnBusy } from "../shared/contracts/on-busy";
import type { SessionInfo } from "../shared/contracts/session";
import type { TaskMessage, TaskReport, TaskView } from "../shared/contracts/task";
import { settingsOf } from "../shared/settings";
import type {
  ApprovalDecisionInput,
  CancelOutcome,
  CreateOutcome,
  DecisionOutcome,
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
import { assembleSession } from "./session/assemble";
import type { AssignedTask } from "./session/delegation/assigned-task";
import type { TaskCoordinator } from "./session/delegation/coordinator";
import { toRecord, toView } from "./session/delegation/task-book";
import { discardTask } from "./session/delegation/transports";
import type { SessionGovernance } from "./session/governance/session-governance";
import { answerFrame, parseFrame } from "./session/live/client-frames";
import { openLive, refuseUpgrade } from "./session/live/connect";
import { type LiveDelivery, type LiveState, send } from "./session/live/live-delivery";
import { streamTurn } from "./session/live/sse";
import type { TicketBook } from "./session/live/tickets";
import type { McpCatalog } from "./session/mcp/mcp-catalog";
import type { TurnConductor } from "./session/ordering/conductor";
import type { WaitingTurns } from "./session/ordering/waiting-turns";
import type { RetryOnce } from "./session/retry-once";
import { toUsage } from "./session/storage/rows";
import type { SessionStore } from "./session/storage/session-store";
import type { UsageReport } from "./session/storage/usage-report";
import type { HookSource } from "./session/turn/hooks";
import type { TurnRunner } from "./session/turn/turn-runner";
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
  private readonly tickets: TicketBook;
  private readonly live: LiveDelivery;
  private readonly runner: TurnRunner;
  private readonly conductor: TurnConductor;
  private readonly waiting: WaitingTurns;
  private readonly coordinator: TaskCoordinator;
  private readonly assigned: AssignedTask;
  private readonly usage: UsageReport;
  private readonly mcpTools: McpCatalog;
  private readonly governance: SessionGovernance;
  private readonly reportRetry: RetryOnce;
  // set once erase() has wiped storage; the runtime resets the object a moment later
  private erased = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // no per-request events from the SDK: our own logs carry no content
    this.observability = undefined;
    const parts = assembleSession({
      ctx,
      env,
      schedule: (when, callback, payload, options) => this.schedule(when, callback, payload, options),
      connections: () => this.getConnections<LiveState>(),
    });
    this.store = parts.store;
    this.tickets = parts.tickets;
    this.live = parts.live;
    this.runner = parts.runner;
    this.conductor = parts.conductor;
    this.waiting = parts.waiting;
    this.coordinator = parts.coordinator;
    this.assigned = parts.assigned;
    this.usage = parts.usage;
    this.mcpTools = parts.mcpTools;
    this.governance = parts.governance;
    this.reportRetry = parts.reportRetry;
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
      // a pause for a person's approval answers at once (202 with the pending approvals)
      const paused = submission.paused ?? new Promise<never>(() => undefined);
      return await Promise.race([submission.outcome, paused, stillRunning]);
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

  async listTasks(caller: SessionCaller, limit: number): Promise<TaskView[] | null> {
    return this.owned(caller) ? this.coordinator.book.list(limit).map(toView) : null;
  }

  async getTask(caller: SessionCaller, taskId: string): Promise<TaskRecord | null | "no_task"> {
    if (!this.owned(caller)) return null;
    const task = this.coordinator.book.get(taskId);
    return task ? toRecord(task) : "no_task";
  }

  async listApprovals(caller: SessionCaller, status: "pending" | "all", limit: number): Promise<ApprovalView[] | null> {
    return this.owned(caller) ? this.governance.list(status, limit) : null;
  }

  async decideApproval(
    caller: SessionCaller,
    approvalId: string,
    decision: ApprovalDecisionInput,
  ): Promise<DecisionOutcome> {
    return this.owned(caller) ? this.governance.decide(approvalId, decision) : { status: "not_found" };
  }

  async approvalRelayed(caller: SessionCaller, taskId: string, approval: ApprovalView): Promise<boolean> {
    return this.owned(caller) ? this.governance.desk.arrived(taskId, approval) : false;
  }

  /** An approval's expiry, or another try at relaying approvals to the parent session (scheduled). */
  async approvalAlarm(payload: { approvalId?: string; retry?: number }): Promise<void> {
    if (!this.erased) await this.governance.alarm(payload);
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
    this.reportRetry.fired();
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
      await this.mcpTools.close();
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

  /** The session's metadata if it exists and belongs to the caller's tenant. */
  private owned(caller: SessionCaller) {
    if (this.erased) return null;
    const meta = this.store.meta();
    return meta && meta.tenant === caller.tenant && meta.sessionId === caller.sessionId ? meta : null;
  }
}
