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
}

/** One line per agent turn. Never message content. */
export interface TurnLog {
  event: "turn";
  tenant: string;
  sessionId: string;
  agent: string;
  turnId: string;
  status: "completed" | "failed" | "cancelled";
  durationMs: number;
  model: string;
  steps: number;
  modelCalls: number;
  inputTokens: number;
  outputTokens: number;
  compacted: boolean;
  errorCode?: string;
}

/** Anything notable that is not a request or a turn, e.g. a failed compaction. */
export interface NoticeLog {
  event: "notice";
  level: "warn" | "error";
  message: string;
  tenant?: string;
  sessionId?: string;
  turnId?: string;
  errorName?: string;
}

export type LogLine = RequestLog | TurnLog | NoticeLog;

/** Writes one structured JSON log line; the typed shapes keep secrets and content out. */
export function log(line: LogLine): void {
  const text = JSON.stringify({ ts: new Date().toISOString(), ...line });
  if (line.event === "notice" && line.level === "error") console.error(text);
  else console.log(text);
}
