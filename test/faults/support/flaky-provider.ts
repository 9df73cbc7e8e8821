import type { ChatRequest, MockReply } from "../../support/openai-mock.ts";
import { seeded } from "./seeded.ts";

/** The ways a call to the flaky provider fails, with their share of all calls. */
export const FAULTS = {
  server_error: 0.08,
  rate_limited: 0.05,
  stall_before_output: 0.06,
  stall_after_text: 0.04,
  malformed_tool_call: 0.04,
  malformed_body: 0.03,
} as const;

export type Fault = keyof typeof FAULTS;

/** What the flaky provider did, by fault (and `ok`), for the report. */
export type FaultCounts = Record<Fault | "ok", number>;

/** The text of the newest user message, and whether a tool result follows it. */
function lastAsk(request: ChatRequest): { text: string; toolResult: string | null } {
  const lastUser = request.messages.findLastIndex((m) => m.role === "user");
  const text = String(request.messages[lastUser]?.content ?? "");
  const tool = request.messages.slice(lastUser + 1).findLast((m) => m.role === "tool");
  return { text, toolResult: tool ? String(tool.content ?? "") : null };
}

/** A small string hash (FNV-1a), to seed each call's draw from what it asks. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * An OpenAI-compatible model that fails 30% of its calls (server errors, rate limits, stalls
 * before any output and after some text, malformed tool calls, malformed bodies), and
 * otherwise answers like a model would: `calc EXPR` calls the calculator and then reports its
 * result; anything else is echoed. Each call's fate is drawn from the seed, the call's own
 * content and how often that content was asked before, so a run is the same whatever order
 * concurrent calls arrive in, and a retry draws afresh.
 */
export function flakyProvider(seed: number): { respond: (request: ChatRequest) => MockReply; counts: FaultCounts } {
  const asked = new Map<string, number>();
  const counts: FaultCounts = {
    ok: 0,
    server_error: 0,
    rate_limited: 0,
    stall_before_output: 0,
    stall_after_text: 0,
    malformed_tool_call: 0,
    malformed_body: 0,
  };
  const draw = (request: ChatRequest): Fault | "ok" => {
    const key = `${request.model}\n${JSON.stringify(request.messages)}`;
    const times = (asked.get(key) ?? 0) + 1;
    asked.set(key, times);
    let roll = seeded(hash(`${seed}:${times}:${key}`))();
    for (const [fault, share] of Object.entries(FAULTS) as Array<[Fault, number]>) {
      if (roll < share) return fault;
      roll -= share;
    }
    return "ok";
  };
  const respond = (request: ChatRequest): MockReply => {
    const fault = draw(request);
    counts[fault]++;
    const { text, toolResult } = lastAsk(request);
    const calc = /^calc (.+)$/.exec(text);
    switch (fault) {
      case "server_error":
        return { status: 500 };
      case "rate_limited":
        return { status: 429, headers: { "retry-after": "0" } };
      case "stall_before_output":
        return request.stream ? { stall: {} } : { delayMs: 5_000, content: "too late" };
      case "stall_after_text":
        return request.stream ? { stall: { afterText: "Partly " } } : { status: 503 };
      case "malformed_tool_call":
        return {
          toolCalls: [{ id: `bad-${counts.malformed_tool_call}`, name: "calculator", arguments: '{"expression": ' }],
        };
      case "malformed_body":
        return { status: 200, body: { choices: "not a list" } };
      case "ok":
        break;
    }
    if (calc && toolResult === null) {
      return {
        toolCalls: [
          { id: `call-${counts.ok}`, name: "calculator", arguments: JSON.stringify({ expression: calc[1] }) },
        ],
      };
    }
    if (calc) return { content: `The result is ${toolResult}` };
    return { content: `echo: ${text}` };
  };
  return { respond, counts };
}
