import { APICallError, type LanguageModelV4CallOptions } from "@ai-sdk/provider";

/** The builtin central model: it answers like the local one, marking its replies. */
export const CENTRAL_MARK = "[central] ";

/** Calls made so far per turn and tier, for `/fail N` and `/fail-central N`. */
const callsPerTurn = new Map<string, number>();
const MAX_TRACKED_TURNS = 10_000;

/**
 * `/fail N TEXT` makes the local model fail its first N calls of the turn, `/fail-central N
 * TEXT` the central model's; both then go on with TEXT. Failures are retryable 503s, like an
 * overloaded provider's. Calls are counted per turn, from the `edgent.turnId` provider option.
 */
export function failIfDue(options: LanguageModelV4CallOptions, text: string, central: boolean): string {
  const match = /^\/fail(-central)?\s+(\d{1,3})\s*([\s\S]*)$/.exec(text.trim());
  if (!match) return text;
  const targetsCentral = match[1] !== undefined;
  const rest = match[3] ?? "";
  if (targetsCentral !== central) return rest;
  const turn = String((options.providerOptions?.edgent as { turnId?: unknown } | undefined)?.turnId ?? text);
  const key = `${turn}:${central ? "central" : "local"}`;
  const calls = (callsPerTurn.get(key) ?? 0) + 1;
  if (callsPerTurn.size >= MAX_TRACKED_TURNS) callsPerTurn.clear();
  callsPerTurn.set(key, calls);
  if (calls <= Number(match[2])) {
    throw new APICallError({
      message: `builtin ${central ? "central" : "local"} model failure ${calls} of ${match[2]}`,
      url: "builtin://model",
      requestBodyValues: {},
      statusCode: 503,
      isRetryable: true,
    });
  }
  return rest;
}

/** What the builtin model makes of an escalation directive. */
export type CascadeReply =
  | { kind: "escalate"; reason: string }
  | { kind: "answer"; text: string; confidence?: number }
  | { kind: "none"; text: string };

/**
 * `/escalate REASON`: the local model asks to escalate; the central model answers REASON's
 * text. `/confidence X TEXT`: the local model answers TEXT with confidence X. TEXT may be
 * `LOCAL || CENTRAL`, the answers of each tier, so an offline eval can tell them apart.
 */
export function cascadeReply(text: string, central: boolean): CascadeReply {
  const trimmed = text.trim();
  const escalate = /^\/escalate\s*([\s\S]*)$/.exec(trimmed);
  if (escalate) {
    const reason = escalate[1]?.trim() || "the local model cannot answer this well";
    return central ? { kind: "none", text: reason } : { kind: "escalate", reason };
  }
  const confidence = /^\/confidence\s+([01](?:\.\d+)?)\s+([\s\S]+)$/.exec(trimmed);
  if (confidence) {
    const [local, better] = (confidence[2] as string).split(" || ");
    const answer = central ? (better ?? local ?? "") : (local ?? "");
    return { kind: "answer", text: answer, ...(central ? {} : { confidence: Number(confidence[1]) }) };
  }
  return { kind: "none", text };
}

/**
 * `/fail-task N TEXT`: in a sub-agent's session, the task's first N attempts fail (both tiers,
 * not retryable, so the task itself fails and the queue retries it); then it goes on with
 * TEXT. Attempts come from the `edgent.taskAttempt` provider option.
 */
export function failTaskIfDue(options: LanguageModelV4CallOptions, text: string): string {
  const match = /^\/fail-task\s+(\d{1,3})\s*([\s\S]*)$/.exec(text.trim());
  if (!match) return text;
  const attempt = (options.providerOptions?.edgent as { taskAttempt?: unknown } | undefined)?.taskAttempt;
  if (typeof attempt === "number" && attempt <= Number(match[1])) {
    throw new APICallError({
      message: `builtin task failure on attempt ${attempt} of ${match[1]}`,
      url: "builtin://model",
      requestBodyValues: {},
      statusCode: 500,
      isRetryable: false,
    });
  }
  return match[2] ?? "";
}

/** `/delegate AGENT TEXT` lines: one `delegate` call per line, all in one step (fan-out). */
export function delegations(text: string): { agent: string; task: string }[] | null {
  const lines = text
    .trim()
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  if (lines.length === 0) return null;
  const calls: { agent: string; task: string }[] = [];
  for (const line of lines) {
    const match = /^\/delegate\s+(\S+)\s+(.+)$/.exec(line);
    if (!match) return null;
    calls.push({ agent: match[1] as string, task: match[2] as string });
  }
  return calls;
}

/** `/ask QUESTION`: the question the model asks the user with `ask_user`, or null. */
export function askDirective(text: string): string | null {
  const match = /^\/ask\s+([\s\S]+)$/.exec(text.trim());
  return match ? (match[1] as string).trim() : null;
}

/**
 * Two or more lines of `/tool NAME {json}` or `/ask QUESTION`: one step that makes all those
 * calls at once (a single line keeps its own meaning). Null for anything else.
 */
export function toolLines(text: string): Array<{ toolName: string; input: string }> | null {
  const lines = text
    .trim()
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  if (lines.length < 2) return null;
  const calls: Array<{ toolName: string; input: string }> = [];
  for (const line of lines) {
    const tool = /^\/tool\s+(\S+)\s*(.*)$/.exec(line);
    const question = askDirective(line);
    if (tool) calls.push({ toolName: tool[1] as string, input: tool[2]?.trim() || "{}" });
    else if (question !== null) calls.push({ toolName: "ask_user", input: JSON.stringify({ question }) });
    else return null;
  }
  return calls;
}
