import type { z } from "zod";
import { type AgentSummary, agentListSchema } from "../shared/contracts/agents";
import {
  type ApprovalDecisionBody,
  type ApprovalView,
  type AwaitingApproval,
  approvalListSchema,
  awaitingApprovalSchema,
  type DecisionResponse,
  decisionResponseSchema,
} from "../shared/contracts/approval";
import { errorBodySchema } from "../shared/contracts/error";
import { type ServerFrame, serverFrameSchema } from "../shared/contracts/frames";
import {
  type Message,
  type MessagePage,
  messagePageSchema,
  type TurnCancelled,
  type TurnResponse,
  turnCancelledSchema,
  turnResponseSchema,
} from "../shared/contracts/message";
import type { OnBusy } from "../shared/contracts/on-busy";
import {
  type CreateSessionBody,
  type SessionCreated,
  type SessionInfo,
  sessionCreatedSchema,
  sessionInfoSchema,
  type WsTicket,
  wsTicketSchema,
} from "../shared/contracts/session";
import {
  type PendingTurn,
  pendingTurnSchema,
  type TaskDetailPage,
  type TaskView,
  taskDetailPageSchema,
  taskListSchema,
} from "../shared/contracts/task";
import { type TurnsPage, type TurnTrace, turnsPageSchema, turnTraceSchema } from "../shared/contracts/trace";
import { type TenantUsage, tenantUsageSchema } from "../shared/contracts/usage";
import { type MetricsResponse, type MetricWindow, metricsResponseSchema } from "../shared/contracts/metrics";
import { EdgentApiError } from "./errors";
import { LiveSession, type LiveSessionOptions } from "./live-session";
import { readIdentifiedSse } from "./sse";

/** How often a read that met a restarting session's object is tried again. */
const READ_RETRIES = 3;

/** How a client reaches an Edgent deployment. */
export interface EdgentClientOptions {
  /** the deployment's origin, e.g. `https://edgent.example.com` */
  baseUrl: string | URL;
  /** a tenant's bearer token, or a function that returns a fresh one */
  token: string | (() => string | Promise<string>);
  /** the fetch to use (default: the global one) */
  fetch?: typeof fetch;
  /** the WebSocket constructor to use (default: the global one) */
  WebSocket?: typeof WebSocket;
}

/** Options of a message that runs a turn. */
export interface SendOptions {
  /** what to do if a turn is running: run after it (default), refuse, or interrupt it */
  onBusy?: OnBusy;
  /** makes a retry safe: the same key and body get the original's answer */
  idempotencyKey?: string;
  signal?: AbortSignal;
  /** for `stream`: how many times a dropped stream is rejoined before the error is thrown (default 5) */
  maxRejoins?: number;
}

/** How many times `stream` rejoins a dropped turn stream by default. */
const MAX_REJOINS = 5;

/**
 * A typed client of the Edgent API for browsers, Workers and Node: sessions, turns (JSON or
 * streamed as typed frames), history, cancel, usage, tasks, approvals, turn lists and traces,
 * metrics, and live sessions over WebSocket
 * that reconnect and resume by themselves. Every answer is checked against the same zod
 * contracts the server answers with.
 */
export class EdgentClient {
  readonly baseUrl: URL;
  private readonly token: () => string | Promise<string>;
  private readonly fetcher: typeof fetch;
  private readonly sockets: typeof WebSocket | undefined;

  constructor(options: EdgentClientOptions) {
    this.baseUrl = new URL(options.baseUrl);
    const { token } = options;
    this.token = typeof token === "string" ? () => token : token;
    // a bare reference to the global fetch loses its `this` in some runtimes
    this.fetcher = options.fetch ?? ((input, init) => fetch(input, init));
    this.sockets = options.WebSocket ?? globalThis.WebSocket;
  }

  /** The agents this deployment serves. */
  async agents(): Promise<AgentSummary[]> {
    return (await this.call("GET", "/v1/agents", agentListSchema)).agents;
  }

  /** The tenant's usage and cost per model and agent, and its central budget. */
  usage(): Promise<TenantUsage> {
    return this.call("GET", "/v1/usage", tenantUsageSchema);
  }

  /** Creates a session (or finds the one with this id and agent). */
  createSession(body: CreateSessionBody): Promise<SessionCreated> {
    return this.call("POST", "/v1/sessions", sessionCreatedSchema, { body });
  }

  /** A session's identity and totals. */
  session(sessionId: string): Promise<SessionInfo> {
    return this.call("GET", this.path(sessionId), sessionInfoSchema);
  }

  /** Erases a session and everything it holds. */
  async deleteSession(sessionId: string): Promise<void> {
    await this.call("DELETE", this.path(sessionId), null);
  }

  /**
   * Runs a turn and answers when it ends; `pending` when it outlives the server's wait limit,
   * `awaiting_approval` (with the approvals) when a tool call waits for a person's decision.
   */
  async send(
    sessionId: string,
    content: string,
    options: SendOptions = {},
  ): Promise<TurnResponse | PendingTurn | AwaitingApproval> {
    const response = await this.request("POST", this.path(sessionId, "/messages"), {
      body: { content, ...(options.onBusy ? { onBusy: options.onBusy } : {}) },
      ...(options.idempotencyKey ? { headers: { "idempotency-key": options.idempotencyKey } } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const body: unknown = await response.json();
    return response.status === 202
      ? pendingTurnSchema.or(awaitingApprovalSchema).parse(body)
      : turnResponseSchema.parse(body);
  }

  /**
   * Runs a turn and yields its frames as they happen: stored messages, turn status, deltas,
   * events, and last `done` (the JSON answer's body) or `error`. A stream that drops mid-turn
   * is rejoined from the last event received (up to `maxRejoins` times), so no frame is
   * missed or repeated. Breaking out of the loop stops reading; the turn still completes and
   * is stored.
   */
  async *stream(sessionId: string, content: string, options: SendOptions = {}): AsyncGenerator<ServerFrame> {
    const abort = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, abort.signal]) : abort.signal;
    try {
      const response = await this.request("POST", this.path(sessionId, "/messages"), {
        body: { content, ...(options.onBusy ? { onBusy: options.onBusy } : {}) },
        headers: {
          accept: "text/event-stream",
          ...(options.idempotencyKey ? { "idempotency-key": options.idempotencyKey } : {}),
        },
        signal,
      });
      const turnId = response.headers.get("edgent-turn-id");
      let body: ReadableStream<Uint8Array> | null = response.body;
      let lastEventId = "";
      for (let rejoins = 0; body; rejoins++) {
        const events = readIdentifiedSse(body);
        for (;;) {
          let next: IteratorResult<{ data: string; lastEventId: string }>;
          try {
            next = await events.next();
          } catch (error) {
            // the connection dropped mid-turn: rejoin the turn's stream after the last event received
            if (signal.aborted || !turnId || rejoins >= (options.maxRejoins ?? MAX_REJOINS)) throw error;
            break;
          }
          // the stream ended as the server ended it
          if (next.done) return;
          lastEventId = next.value.lastEventId;
          yield serverFrameSchema.parse(JSON.parse(next.value.data));
        }
        body = turnId ? await this.rejoinBody(sessionId, turnId, lastEventId, signal, rejoins) : null;
      }
    } finally {
      abort.abort();
    }
  }

  /**
   * Rejoins a turn's stream (`GET /v1/sessions/:id/turns/:turnId/stream`): the frames after
   * `lastEventId` (`<turnId>:<n>`, from an earlier stream of it), else from the turn's start,
   * then live to its end. Yields nothing when the server no longer holds the turn's stream
   * (it ended a while ago, or before a restart): its messages are in history.
   */
  async *rejoin(
    sessionId: string,
    turnId: string,
    options: { lastEventId?: string; signal?: AbortSignal } = {},
  ): AsyncGenerator<ServerFrame> {
    const abort = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, abort.signal]) : abort.signal;
    try {
      const body = await this.rejoinBody(sessionId, turnId, options.lastEventId ?? "", signal, 0);
      if (!body) return;
      for await (const event of readIdentifiedSse(body)) yield serverFrameSchema.parse(JSON.parse(event.data));
    } finally {
      abort.abort();
    }
  }

  /** The body of a rejoined turn stream, or null when nothing of it is held; a refused connection is tried again once after a pause. */
  private async rejoinBody(
    sessionId: string,
    turnId: string,
    lastEventId: string,
    signal: AbortSignal,
    attempt: number,
  ): Promise<ReadableStream<Uint8Array> | null> {
    const path = this.path(sessionId, `/turns/${encodeURIComponent(turnId)}/stream`);
    const headers = { accept: "text/event-stream", ...(lastEventId ? { "last-event-id": lastEventId } : {}) };
    // growing pauses between rejoins: a network that just dropped may need a moment
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** Math.min(attempt - 1, 4)));
    const response = await this.request("GET", path, { headers, signal }).catch(async (error: unknown) => {
      if (error instanceof EdgentApiError || signal.aborted) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
      return this.request("GET", path, { headers, signal });
    });
    return response.status === 204 ? null : response.body;
  }

  /** A page of a session's history: messages with `seq > after`, in order. */
  history(sessionId: string, page: { after?: number; limit?: number } = {}): Promise<MessagePage> {
    const query = new URLSearchParams();
    if (page.after !== undefined) query.set("after", String(page.after));
    if (page.limit !== undefined) query.set("limit", String(page.limit));
    return this.call("GET", `${this.path(sessionId, "/messages")}?${query}`, messagePageSchema);
  }

  /** Every stored message after `after`, page by page, in seq order. */
  async *messages(sessionId: string, options: { after?: number; pageSize?: number } = {}): AsyncGenerator<Message> {
    let after = options.after ?? 0;
    for (;;) {
      const page = await this.history(sessionId, { after, limit: options.pageSize ?? 100 });
      for (const message of page.messages) yield message;
      const last = page.messages.at(-1);
      if (!page.hasMore || !last) return;
      after = last.seq;
    }
  }

  /** Cancels a running turn; what it produced is stored, marked cancelled. */
  cancel(sessionId: string, turnId: string): Promise<TurnCancelled> {
    return this.call("POST", this.path(sessionId, `/turns/${encodeURIComponent(turnId)}/cancel`), turnCancelledSchema);
  }

  /** A session's turns, newest first: status, times, models, tokens, cost, escalation, error, trace id. */
  turns(sessionId: string, page: { limit?: number; before?: string } = {}): Promise<TurnsPage> {
    const query = new URLSearchParams();
    if (page.limit !== undefined) query.set("limit", String(page.limit));
    if (page.before !== undefined) query.set("before", page.before);
    const search = query.size ? `?${query}` : "";
    return this.call("GET", `${this.path(sessionId, "/turns")}${search}`, turnsPageSchema);
  }

  /** A turn's span tree, its sub-agents' spans included, ready to draw as a waterfall. */
  trace(sessionId: string, turnId: string): Promise<TurnTrace> {
    return this.call("GET", this.path(sessionId, `/turns/${encodeURIComponent(turnId)}/trace`), turnTraceSchema);
  }

  /** Tool calls waiting for a person's decision (or every approval), the session's sub-agents' included. */
  async approvals(
    sessionId: string,
    options: { status?: "pending" | "all"; limit?: number } = {},
  ): Promise<ApprovalView[]> {
    const query = new URLSearchParams();
    if (options.status !== undefined) query.set("status", options.status);
    if (options.limit !== undefined) query.set("limit", String(options.limit));
    const search = query.size ? `?${query}` : "";
    return (await this.call("GET", `${this.path(sessionId, "/approvals")}${search}`, approvalListSchema)).approvals;
  }

  /** Approves or rejects a held tool call; answers with the approval and where its turn got. */
  decide(sessionId: string, approvalId: string, decision: ApprovalDecisionBody): Promise<DecisionResponse> {
    const path = this.path(sessionId, `/approvals/${encodeURIComponent(approvalId)}`);
    return this.call("POST", path, decisionResponseSchema, { body: decision });
  }

  /** The tenant's turn metrics over a window, overall and per agent and model. */
  metrics(window: MetricWindow = "1h"): Promise<MetricsResponse> {
    return this.call("GET", `/v1/metrics?window=${window}`, metricsResponseSchema);
  }

  /** The tasks a session's turns delegated to sub-agents. */
  async tasks(sessionId: string, options: { limit?: number } = {}): Promise<TaskView[]> {
    const query = options.limit === undefined ? "" : `?limit=${options.limit}`;
    return (await this.call("GET", `${this.path(sessionId, "/tasks")}${query}`, taskListSchema)).tasks;
  }

  /** One delegated task, with up to `messages` of the sub-agent's own messages. */
  task(sessionId: string, taskId: string, options: { messages?: number } = {}): Promise<TaskDetailPage> {
    const query = options.messages === undefined ? "" : `?messages=${options.messages}`;
    const path = `${this.path(sessionId, `/tasks/${encodeURIComponent(taskId)}`)}${query}`;
    return this.call("GET", path, taskDetailPageSchema);
  }

  /** A single-use ticket for a WebSocket upgrade (what browsers use instead of a header). */
  wsTicket(sessionId: string): Promise<WsTicket> {
    return this.call("POST", this.path(sessionId, "/ws-ticket"), wsTicketSchema);
  }

  /**
   * A live session over WebSocket: reconnects by itself, resumes from the last seq it
   * delivered (no gaps, no duplicates), and sends heartbeats to notice a dead connection.
   */
  connect(sessionId: string, options: LiveSessionOptions = {}): LiveSession {
    const Socket = this.sockets;
    if (!Socket) throw new Error("no WebSocket in this runtime: pass one in EdgentClientOptions.WebSocket");
    return new LiveSession({
      sessionId,
      url: (ticket, after) => {
        const url = new URL(this.path(sessionId, "/ws"), this.baseUrl);
        url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
        url.searchParams.set("ticket", ticket);
        if (after !== null) url.searchParams.set("after", String(after));
        return url;
      },
      ticket: async () => (await this.wsTicket(sessionId)).ticket,
      WebSocket: Socket,
      ...options,
    });
  }

  private path(sessionId: string, rest = ""): string {
    return `/v1/sessions/${encodeURIComponent(sessionId)}${rest}`;
  }

  /** Makes a request and checks its answer against a contract (or reads none, for `null`). */
  private async call<Schema extends z.ZodType>(
    method: string,
    path: string,
    schema: Schema,
    init?: { body?: unknown },
  ): Promise<z.output<Schema>>;
  private async call(method: string, path: string, schema: null, init?: { body?: unknown }): Promise<void>;
  private async call(method: string, path: string, schema: z.ZodType | null, init: { body?: unknown } = {}) {
    const response = await this.request(method, path, init);
    if (schema === null) return;
    return schema.parse(await response.json());
  }

  private async request(
    method: string,
    path: string,
    init: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal },
  ): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { authorization: `Bearer ${await this.token()}`, ...init.headers };
      if (init.body !== undefined) headers["content-type"] = "application/json";
      const response = await this.fetcher(new URL(path, this.baseUrl), {
        method,
        headers,
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
        ...(init.signal ? { signal: init.signal } : {}),
      });
      if (response.ok) return response;
      const error = await apiError(response);
      // a session's object restarting (or being erased) answers 503 for a moment: reads try again
      if (method !== "GET" || error.code !== "session_unavailable" || attempt >= READ_RETRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, error.retryAfterMs ?? 100 * 2 ** attempt));
    }
  }
}

/** The error an answer carries, whatever its body. */
async function apiError(response: Response): Promise<EdgentApiError> {
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const parsed = errorBodySchema.safeParse(body);
  if (!parsed.success) {
    return new EdgentApiError({ status: response.status, code: "unknown", message: text || response.statusText });
  }
  const { code, message, turnId, retryAfterMs } = parsed.data.error;
  return new EdgentApiError({
    status: response.status,
    code,
    message,
    ...(turnId ? { turnId } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}
