// The RPC surfaces of the Durable Objects, one per kind of caller, with their outcome unions.
// Types only (plus the upgrade header names): callers import these, never the classes, so
// nothing that calls an object depends on how the object is built. Results are plain data.
import type { ApprovalView, TurnProgress } from "../shared/contracts/approval";
import type { GatewayCallOptions, GatewayOutcome, LateUsage, UsageBatch, UsageLine } from "../shared/contracts/gateway";
import type { Decider, MessagePage, TranscriptEntry, TurnResponse } from "../shared/contracts/message";
import type { MetricLine, MetricsBatch, MetricsResponse, MetricWindow } from "../shared/contracts/metrics";
import type { OnBusy } from "../shared/contracts/on-busy";
import type { SessionCreated, SessionInfo } from "../shared/contracts/session";
import type { TaskDelivery, TaskDetail, TaskMessage, TaskReport, TaskView } from "../shared/contracts/task";
import type { TraceSlice, TurnsPage, TurnTrace } from "../shared/contracts/trace";
import type { Failure, Refusal } from "../shared/errors";

/** Who is asking: the router has authenticated the tenant; the object checks it owns the session. */
export interface SessionCaller {
  tenant: string;
  sessionId: string;
}

/** A message to run as a turn. */
export interface TurnRequest {
  content: string;
  clientId?: string;
  onBusy?: OnBusy;
  /** client's Idempotency-Key header, with a hash of the request it came with */
  idempotency?: { key: string; requestHash: string };
  /** W3C trace context of the caller's span (the router's); the turn's spans are its children */
  traceparent?: string;
}

/** A message to run as a turn, from the HTTP API. */
export interface SendMessageInput extends SessionCaller, TurnRequest {}

/** How a request to run a turn was answered. */
export type SendOutcome =
  | { status: "completed"; response: TurnResponse }
  | { status: "failed"; failure: Failure }
  /** nothing was run or stored (see the refusal table in shared/errors.ts) */
  | { status: Refusal }
  /** still running (it waits for sub-agents) when the caller stopped waiting */
  | { status: "waiting"; turnId: string }
  /** paused: a tool call waits for a person's decision (see decideApproval) */
  | { status: "awaiting_approval"; turnId: string; approvals: ApprovalView[] };

/** A streamed turn: SSE bytes (and the turn's id, to rejoin them), or why it could not start. */
export type StreamOutcome =
  | { status: "streaming"; stream: ReadableStream<Uint8Array>; turnId?: string }
  | { status: Refusal };

/**
 * A turn a protocol adapter asks for (OpenAI-compatible chat, the UI message stream). It runs
 * in a named session, created with `agent` on first use, or in a short-lived one seeded with a
 * transcript (no turns run for it), which the router erases after the turn.
 */
export interface ChatTurnInput extends SendMessageInput {
  /** the agent the request names: a session that does not exist yet is created with it; one of another agent is refused */
  agent?: string;
  /** a short-lived session: the history it starts with */
  transcript?: TranscriptEntry[];
}

/** Why a chat turn did not run besides the usual refusals: its session runs another agent, or is being erased. */
type ChatRefusal = { status: "agent_mismatch"; agent: string } | { status: "retry" };

/** How a chat turn ended (it is waited for to the end; `waiting` only for a replay of a turn still waiting). */
export type ChatOutcome = SendOutcome | ChatRefusal;

/** A streamed chat turn, or why it could not start. */
export type ChatStreamOutcome = StreamOutcome | ChatRefusal;

/** A rejoined stream; `idle` when there is nothing to rejoin (with the turn's status, if it is known). */
export type RejoinOutcome =
  | { status: "streaming"; stream: ReadableStream<Uint8Array> }
  | { status: "idle"; turnStatus?: string }
  | { status: "not_found" };

/** Short-lived chat sessions' ids start so; no id a client names can (':' is not allowed in them). */
export const SHORT_LIVED_PREFIX = "chat:";

/** Whether a session id is a short-lived chat session's. */
export function isShortLived(sessionId: string): boolean {
  return sessionId.startsWith(SHORT_LIVED_PREFIX);
}

/** The wire format of a streamed chat turn. */
export type StreamFormat =
  | { kind: "ui" }
  | { kind: "openai"; model: string; created: number; includeUsage: boolean; sessionId?: string };

export type CreateOutcome =
  | { status: "created" | "exists"; session: SessionCreated }
  | { status: "conflict"; agent: string }
  /** the object is being reset after an erase: the caller should retry */
  | { status: "retry" };

export type CancelOutcome = { status: "cancelled" | "not_running" | "not_found" };

/** A decision on an approval: a person's from the API, or a cancel a parent session hands down. */
export interface ApprovalDecisionInput {
  decision: "approve" | "reject" | "cancel";
  reason?: string;
  by: Decider;
}

/** How a decision was taken, and where the turn got with it. */
export type DecisionOutcome =
  | { status: "decided"; approval: ApprovalView; turn: TurnProgress }
  | { status: "already_decided"; approval: ApprovalView }
  | { status: "not_found" };

/** How an erase went; `retry`: its turns were stopped but its usage or turn metrics could not be handed on, so nothing was erased yet. */
export type EraseOutcome = { status: "erased" | "not_found" | "retry" };

/** A task as GET /v1/sessions/:id/tasks/:taskId shows it, before the sub-agent's messages are added. */
export type TaskRecord = Omit<TaskDetail, "messages">;

/** The public session API, as the router calls it. */
export interface SessionApi {
  /** Creates the session, or reports that it exists (with the same or another agent). */
  create(caller: SessionCaller & { agent: string; onBusy?: OnBusy }): Promise<CreateOutcome>;
  /** The session's identity and totals, or null if it does not exist for this caller. */
  info(caller: SessionCaller): Promise<SessionInfo | null>;
  /** A page of stored history, or null if the session does not exist. */
  listMessages(caller: SessionCaller, after: number, limit: number): Promise<MessagePage | null>;
  /** Runs a turn after the earlier ones; a turn still running after the wait limit is answered as waiting. */
  sendMessage(input: SendMessageInput): Promise<SendOutcome>;
  /** Runs a turn like sendMessage, streaming its frames as server-sent events. */
  streamMessage(input: SendMessageInput): Promise<StreamOutcome>;
  /** Cancels a running or waiting turn; what it produced so far is stored, marked cancelled. */
  cancelTurn(caller: SessionCaller, turnId: string): Promise<CancelOutcome>;
  /** Records the nonce of a ticket the router is about to sign; false if there is no such session. */
  registerTicket(caller: SessionCaller, nonce: string, expiresAt: number): Promise<boolean>;
  /** Stops the session's turns and erases it and its sub-agents' objects. */
  erase(caller: SessionCaller): Promise<EraseOutcome>;
  /** The session's delegated tasks, oldest first, or null if the session does not exist. */
  listTasks(caller: SessionCaller, limit: number): Promise<TaskView[] | null>;
  /** One delegated task; null if the session does not exist, "no_task" if the task does not. */
  getTask(caller: SessionCaller, taskId: string): Promise<TaskRecord | null | "no_task">;
  /** The session's approvals (its sub-agents' included), oldest first, or null if the session does not exist. */
  listApprovals(caller: SessionCaller, status: "pending" | "all", limit: number): Promise<ApprovalView[] | null>;
  /** Decides an approval once, and reports where its turn got within EDGENT_TURN_WAIT_MS. */
  decideApproval(caller: SessionCaller, approvalId: string, decision: ApprovalDecisionInput): Promise<DecisionOutcome>;
  /** Runs a chat turn and waits for its final outcome, however long it takes (delegation included). */
  chatTurn(input: ChatTurnInput): Promise<ChatOutcome>;
  /** Runs a chat turn, streamed in a protocol's format; a UI message stream can be rejoined while it runs. */
  streamChatTurn(input: ChatTurnInput, format: StreamFormat): Promise<ChatStreamOutcome>;
  /** The running chat turn's UI message stream from its start; `idle` when none runs. */
  rejoinChat(caller: SessionCaller): Promise<RejoinOutcome>;
  /**
   * A turn's stream of frames (Edgent's SSE) after frame `after` (0: from its start), then live
   * until it ends; `idle` when the turn's stream is no longer held, `not_found` for a turn of no
   * such session.
   */
  rejoinTurn(caller: SessionCaller, turnId: string, after: number): Promise<RejoinOutcome>;
  /** Accepts a WebSocket upgrade the router authenticated (see LIVE_HEADERS). */
  fetch(request: Request): Promise<Response>;
  /** The session's turns, newest first; null if no session, "no_turn" if `before` names no turn. */
  listTurns(caller: SessionCaller, limit: number, before?: string): Promise<TurnsPage | null | "no_turn">;
  /**
   * A turn's span tree with its sub-agents' spans; null if no session, "no_turn" if no such
   * turn, "no_trace" if its spans are not retained (pruned, or tracing was off).
   */
  turnTrace(caller: SessionCaller, turnId: string): Promise<TurnTrace | null | "no_turn" | "no_trace">;
}

/** A task's outcome, as the parent records it. */
export type SettleOutcome = "recorded" | "duplicate" | "unknown";

/** The parent's side of delegation, as its sub-agents call it. */
export interface TaskParent {
  /** A sub-agent begins an attempt at one of this session's tasks; false if the task is no longer wanted. */
  taskProgress(caller: SessionCaller, taskId: string, attempt: number): Promise<boolean>;
  /** A task's outcome; recorded once, however often it arrives. */
  taskSettled(caller: SessionCaller, report: TaskReport): Promise<SettleOutcome>;
  /** An approval a sub-agent working on one of this session's tasks raised (or its new state); false if unknown. */
  approvalRelayed(caller: SessionCaller, taskId: string, approval: ApprovalView): Promise<boolean>;
}

/** How a delivery of a task was handled, for the queue consumer to ack or retry. */
export type TaskRunOutcome =
  /** the sub-agent answered and the parent has the result */
  | { status: "completed" }
  /** the sub-agent delegated in turn; it reports to the parent itself when done */
  | { status: "waiting" }
  /** this delivery was already handled, or the task is over: nothing ran */
  | { status: "duplicate" }
  /** the task's deadline had passed: the parent was told it timed out */
  | { status: "expired" }
  /** the attempt failed: retry, or dead-letter once attempts run out */
  | { status: "failed"; error: string }
  /** the parent no longer wants the task (it was cancelled, timed out or erased): nothing ran */
  | { status: "discarded" }
  /** the message does not belong to this object */
  | { status: "rejected"; reason: string };

/** The sub-agent's side of delegation, as the queue consumer and the parent call it. */
export interface TaskHost {
  /** Runs one delivery of a task in this, the sub-agent's own object; `delivery` says where it came from. */
  runTask(task: TaskMessage, attempt: number, delivery?: TaskDelivery): Promise<TaskRunOutcome>;
  /** A task's attempts ran out (its message reached the dead-letter queue). */
  deadLetter(task: TaskMessage, delivery?: TaskDelivery): Promise<void>;
  /** This sub-agent's spans of a trace, its own sub-agents' included; null if not this caller's. */
  traceSlice(caller: SessionCaller, traceId: string): Promise<TraceSlice | null>;
  /** The parent session was erased: stop this sub-agent's work and erase it. */
  discardTask(caller: SessionCaller): Promise<boolean>;
  /** The sub-agent's own messages, for the parent's task view. */
  listMessages(caller: SessionCaller, after: number, limit: number): Promise<MessagePage | null>;
  /** A decision the root session took on one of this sub-agent's approvals. */
  decideApproval(caller: SessionCaller, approvalId: string, decision: ApprovalDecisionInput): Promise<DecisionOutcome>;
}

/** The tenant's model gateway, as sessions and the router call it. */
export interface GatewayApi {
  /** Makes a central model call within the tenant's limits. */
  generate(request: GatewayRequest): Promise<GatewayOutcome>;
  /** Adds usage the tenant's sessions made outside the gateway; a batch counts once. */
  report(batch: UsageBatch): Promise<void>;
  /** The tenant's usage per model and agent, and its central budget. */
  usage(): Promise<{ lines: UsageLine[]; budget: { period: string; spentTokens: number; budgetTokens: number } }>;
  /** Usage of a call a session stopped waiting for (it was cancelled). */
  lateUsage(callId: string): Promise<LateUsage | null>;
}

/** The tenant's turn metrics, as sessions report to it and the router reads it. */
export interface MetricsApi {
  /** Adds a session's batch of finished turns; a batch counts once however often it is sent. */
  report(batch: MetricsBatch): Promise<void>;
  /** The window's figures, and the lines they come from (for the Prometheus text). */
  query(tenant: string, window: MetricWindow): Promise<{ response: MetricsResponse; lines: MetricLine[] }>;
}

/** What a session asks the gateway to do. */
export interface GatewayRequest {
  model: string;
  agent: string;
  options: GatewayCallOptions;
  /** lets a session that stopped waiting (a cancel) ask for the call's usage later */
  callId?: string;
  /** W3C trace context of the session's `chat` span: the gateway's spans are its children */
  traceparent?: string;
}

/** Headers the router sets on a WebSocket upgrade it has authenticated. */
export const LIVE_HEADERS = {
  tenant: "x-edgent-tenant",
  session: "x-edgent-session",
  ticket: "x-edgent-ticket",
} as const;
