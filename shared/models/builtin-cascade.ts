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
