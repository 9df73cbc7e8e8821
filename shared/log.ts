/** One line per handled HTTP request. Never tokens, never message content. */
export interface RequestLog {
  event: "request";
  requestId: string;
  method: string;
  route: string;
  status: number;
  durationMs: number;
  tenant?: string;
  sessionId?: string;
  turnId?: string;
  errorCode?: string;
  /** W3C trace of the request, and the router's span in it */
  trace_id?: string;
  span_id?: string;
}

/** One line per agent turn. Never message content. */
export interface TurnLog {
  event: "turn";
  tenant: string;
  sessionId: string;
  agent: string;
  turnId: string;
  /**
   * `waiting`: the turn handed tasks to sub-agents, `awaiting_approval`: it holds a tool call
   * for a person's decision; another line follows when it ends
   */
  status: "completed" | "failed" | "cancelled" | "waiting" | "awaiting_approval" | "input_required" | "blocked";
  durationMs: number;
  model: string;
  steps: number;
  modelCalls: number;
  inputTokens: number;
  outputTokens: number;
  compacted: boolean;
  errorCode?: string;
  /** SQL rows the session read and wrote since its previous turn ended (as billed), and its database's bytes */
  sqlRowsRead?: number;
  sqlRowsWritten?: number;
  sqlDatabaseBytes?: number;
  /** W3C trace of the turn, and the turn's `invoke_agent` span */
  trace_id?: string;
  span_id?: string;
}

/**
 * One line per delegated task's attempt or outcome, traceable through `traceId` (the root
 * turn's id) and `trace_id` (the W3C trace) across objects.
 */
export interface TaskLog {
  event: "task";
  tenant: string;
  taskId: string;
  traceId: string;
  parentSessionId: string;
  agent: string;
  depth: number;
  attempt: number;
  status: "started" | "completed" | "failed" | "timed_out" | "dead_lettered" | "duplicate" | "waiting" | "discarded";
  durationMs?: number;
  errorCode?: string;
  trace_id?: string;
  /** the delivery's span */
  span_id?: string;
}

/** Anything notable that is not a request or a turn, e.g. a failed compaction. */
export interface NoticeLog {
  event: "notice";
  level: "warn" | "error";
  message: string;
  tenant?: string;
  sessionId?: string;
  turnId?: string;
  taskId?: string;
  errorName?: string;
  /** an MCP server, and its tool, that the notice is about */
  server?: string;
  tool?: string;
  /** why, in the runtime's words (never content, never a secret) */
  reason?: string;
  /** spans a failing trace collector has cost this isolate so far */
  droppedSpans?: number;
  trace_id?: string;
  span_id?: string;
}

export type LogLine = RequestLog | TurnLog | TaskLog | NoticeLog;

/** Writes one structured JSON log line; the typed shapes keep secrets and content out. */
export function log(line: LogLine): void {
  const text = JSON.stringify({ ts: new Date().toISOString(), ...line });
  if (line.event === "notice" && line.level === "error") console.error(text);
  else console.log(text);
}
