import type { Message } from "../contracts/message";
import type { Detector } from "./detect";
import type { ArgLimit } from "./limits";

/** A value or a promise of it. */
type Maybe<T> = T | Promise<T>;

/** Where a guardrail applies: the user's message, what leaves the turn, or a tool call. */
export type GuardrailKind = "input" | "output" | "tool";

/**
 * What a text guardrail decides: let it pass, pass a replacement instead, or trip (block).
 * `details` (counts, ids; never the values themselves) go into the decision's turn event.
 */
export type GuardrailResult =
  | { action: "allow" }
  | { action: "redact"; replacement: string; details?: Record<string, unknown> }
  | { action: "block"; reason: string; details?: Record<string, unknown> };

/** What a tool guardrail decides before a call runs. */
export type ToolCallResult =
  | { action: "allow" }
  | { action: "block"; reason: string }
  | { action: "needs_approval"; reason: string };

/** What a tool guardrail decides about a call's result. */
export type ToolOutputResult =
  | { action: "allow" }
  | { action: "redact"; replacement: unknown }
  | { action: "block"; reason: string };

const ALLOW = { action: "allow" } as const;

/** Lets the text or call pass. */
export function allow(): { action: "allow" } {
  return ALLOW;
}

/** Passes `replacement` instead of the text (or tool result); `details` go into the turn event. */
export function redact<T = string>(
  replacement: T,
  details?: Record<string, unknown>,
): { action: "redact"; replacement: T; details?: Record<string, unknown> } {
  return { action: "redact", replacement, ...(details ? { details } : {}) };
}

/** Trips the guardrail: the turn ends `blocked` (a tool call gets a tool error instead). */
export function block(
  reason: string,
  details?: Record<string, unknown>,
): { action: "block"; reason: string; details?: Record<string, unknown> } {
  return { action: "block", reason, ...(details ? { details } : {}) };
}

/** Holds a tool call until a person approves it. */
export function needsApproval(reason: string): { action: "needs_approval"; reason: string } {
  return { action: "needs_approval", reason };
}

/** Where a piece of text is in the turn. */
export type TextStage = "input" | "delta" | "message" | "final" | "summary";

/** Another agent's answer to a task a guardrail handed it. */
export type ConsultResult = { ok: true; reply: string } | { ok: false; error: string };

/** What a guardrail sees of the turn it checks. */
export interface GuardrailContext {
  tenant: string;
  sessionId: string;
  turnId: string;
  agent: string;
  /** the turn's stored messages so far (tool results are the sources of its answer) */
  messages: readonly Message[];
  /** runs another agent on a task, in its own object, and returns its reply */
  consult(agent: string, task: string): Promise<ConsultResult>;
}

/** What a text guardrail sees besides the turn. */
export interface TextContext extends GuardrailContext {
  stage: TextStage;
  /** for streamed text: characters of the step's text released before this chunk */
  offset: number;
}

/** What a tool guardrail sees besides the turn. */
export interface ToolContext extends GuardrailContext {
  /** the tool's declaration, when it is one of the agent's own tools (not `delegate` or `ask_user`) */
  tool?: { description: string; limits?: readonly ArgLimit[] };
}

/** A guardrail on text: the user's message (input) or everything that leaves the turn (output). */
export interface TextGuardrail {
  name: string;
  kind: "input" | "output";
  description?: string;
  /** values to redact wherever this guardrail applies, also across streamed chunks */
  detectors?: readonly Detector[];
  /** a decision on a piece of text: a whole message, or a released chunk of streamed text */
  check?(text: string, context: TextContext): Maybe<GuardrailResult>;
  /** output only: which stages it checks (all by default) */
  stages?: readonly TextStage[];
}

/** A guardrail on tool calls: their arguments before they run, their results after. */
export interface ToolGuardrail {
  name: string;
  kind: "tool";
  description?: string;
  /** the tools it watches (all when omitted) */
  tools?: readonly string[];
  beforeCall?(call: { toolName: string; args: unknown }, context: ToolContext): Maybe<ToolCallResult>;
  afterCall?(call: { toolName: string; args: unknown; output: unknown }, context: ToolContext): Maybe<ToolOutputResult>;
}

/** A guardrail of any kind. */
export type Guardrail = TextGuardrail | ToolGuardrail;

const GUARDRAIL_NAME = /^[a-z][a-z0-9_-]{0,63}$/;

/** Defines a guardrail, checking its name and that it does something. */
export function defineGuardrail<G extends Guardrail>(guardrail: G): G {
  if (!GUARDRAIL_NAME.test(guardrail.name)) {
    throw new Error(`guardrail name '${guardrail.name}' must match ${GUARDRAIL_NAME}`);
  }
  const acts =
    guardrail.kind === "tool"
      ? guardrail.beforeCall !== undefined || guardrail.afterCall !== undefined
      : (guardrail.detectors?.length ?? 0) > 0 || guardrail.check !== undefined;
  if (!acts) throw new Error(`guardrail '${guardrail.name}' has nothing to check`);
  return guardrail;
}
