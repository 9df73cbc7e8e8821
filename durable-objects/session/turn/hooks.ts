import type { AgentDefinition } from "../../../shared/agents/define";
import type { ToolCall as CallInMessage, Message } from "../../../shared/contracts/message";
import type { SpanData } from "../../../shared/contracts/trace";
import type { SpanContext } from "../../../shared/tracing/trace-context";
import type { CallPurpose } from "../storage/ledger";
import type { NewMessage, SessionMeta, UsageNanos } from "../storage/rows";
import type { SqlFootprint } from "../storage/sql-meter";

/** A model call a turn is about to make (one per attempt: a retried call is several). */
export interface ModelCall {
  /** the turn's calls counted from 1, across tiers and purposes */
  index: number;
  tier: "local" | "central";
  /** the model asked for; a gateway may answer with its fallback */
  model: string;
  purpose: CallPurpose;
  streaming: boolean;
  startedAt: number;
  /** the call's span id (16 hex): tracers use it, and it is the parent of the gateway's spans */
  spanId: string;
  /** 0 for a first attempt, n for the n-th retry of a failed one */
  retry?: number;
}

/** How a model call ended. */
export type ModelCallEnd =
  | {
      ok: true;
      /** the model that answered */
      model: string;
      inputTokens: number;
      outputTokens: number;
      costNanos: number;
      latencyMs: number;
      finishReason?: string;
    }
  | { ok: false; error: unknown; latencyMs: number };

/** A tool call the model asked for, before it runs. */
export interface ToolCall {
  toolCallId: string;
  toolName: string;
  input: unknown;
  startedAt: number;
  /** the call's span id (16 hex): tracers use it, and a delegated task's spans hang under it */
  spanId: string;
}

/** How a tool call ended: its output, or the error the model is shown. */
export type ToolCallEnd =
  | { ok: true; output: unknown; durationMs: number }
  | { ok: false; error: string; durationMs: number };

/**
 * Whether a tool call may run: a refusal is a tool error the model sees; a call that requires
 * approval does not run until a person approves it. An allowed call may run with other
 * arguments (`input`), and later hooks and observers may be shown another view of them
 * (`observed`, e.g. redacted).
 */
export type ToolVerdict =
  | { action: "allow"; input?: unknown; observed?: unknown }
  | { action: "refuse"; reason: string; guardrail?: string; observed?: unknown }
  | { action: "require_approval"; reason: string; guardrail?: string; observed?: unknown };

/** What becomes of a tool's output: kept (observers may see another view), replaced, or refused. */
export type ToolResultVerdict =
  | { action: "allow"; observed?: unknown }
  | { action: "replace"; output: unknown }
  | { action: "refuse"; reason: string; guardrail?: string };

/** What becomes of the user's message before anything sees it: kept, replaced, or blocked. */
export type InputVerdict =
  | { action: "allow" }
  | { action: "replace"; text: string }
  | { action: "block"; reason: string; guardrail: string };

/** Output of a turn on its way out of the object or into storage. */
export type OutputItem =
  /** model text as it is produced, for live clients */
  | { kind: "delta"; text: string }
  /** the step's text ends: a gate that held text back (to see a value whole) releases it as a replacement */
  | { kind: "flush" }
  /** an assistant or tool message about to be stored (tool results, the final answer) */
  | { kind: "message"; message: NewMessage; final?: boolean }
  /** the rolling summary about to be stored */
  | { kind: "summary"; text: string };

/**
 * What the output gate does with an item: let it pass, pass a replacement text instead (and,
 * for a message, replacement tool-call arguments), or block it, which ends the turn `blocked`.
 */
export type OutputVerdict =
  | { action: "allow" }
  | { action: "replace"; text: string; toolCalls?: CallInMessage[] }
  | { action: "block"; reason: string; guardrail: string };

/** Something notable a turn reports (an escalation, a gateway breaker, a fallback, a wait). */
export interface TurnEvent {
  name: string;
  data: Record<string, unknown>;
}

/** How a turn ended (or paused to wait for its sub-agents or an approval). */
export interface TurnEnding {
  status: "completed" | "failed" | "cancelled" | "waiting" | "awaiting_approval" | "input_required" | "blocked";
  errorCode?: string;
  /** the model that answered, when one did */
  model?: string;
  /** the tier that answered, and why the turn escalated (refused: the central model was not reached) */
  tier?: "local" | "central";
  escalation?: { signal: string; reason: string; refused?: string };
  /** the turn's usage so far, all its runs included */
  usage?: UsageNanos;
  steps?: number;
  /** the session's SQL rows since its previous turn ended (this turn's admission included), and its size */
  sql?: SqlFootprint;
}

/** The context a turn built for its model (compaction included, whose model calls come before this). */
export interface ContextReport {
  startedAt: number;
  /** estimated tokens of instructions, summary and messages */
  tokens: number;
  messages: number;
  compacted: boolean;
}

/** A value or a promise of it: hooks that need to look something up may take their time. */
type Maybe<T> = T | Promise<T>;

/**
 * The seams of a turn, each passed in one place: the user's message, every model call, every
 * tool call, every piece of output, every event, and the turn's start and end. Observers
 * return nothing; the input, tool and output hooks may refuse, hold or replace what passes.
 */
export interface TurnHooks {
  /** the user's message of a new turn, before it is stored or any model sees it */
  input?(text: string): Maybe<InputVerdict | undefined>;
  turnStarted?(): void;
  contextBuilt?(context: ContextReport): void;
  beforeModelCall?(call: ModelCall): void;
  afterModelCall?(call: ModelCall, end: ModelCallEnd): void;
  beforeToolCall?(call: ToolCall): Maybe<ToolVerdict | undefined>;
  /** a tool's output, before the model, storage or observers see it */
  toolResult?(call: ToolCall, output: unknown): Maybe<ToolResultVerdict | undefined>;
  /** the view observers get of a tool's error text (it may repeat the call's arguments), e.g. redacted */
  toolError?(call: ToolCall, error: string): Maybe<string | undefined>;
  afterToolCall?(call: ToolCall, end: ToolCallEnd): void;
  output?(item: OutputItem): Maybe<OutputVerdict | undefined>;
  event?(event: TurnEvent): void;
  /** spans recorded elsewhere for this turn (the tenant's gateway), for tracers to keep with it */
  remoteSpans?(spans: readonly SpanData[]): void;
  turnEnded?(ending: TurnEnding): void;
}

/**
 * Combines hook sets: observers see everything in order; gates run in order, each seeing
 * what the one before let through, and the first refusal or block wins.
 */
export function combineHooks(sets: readonly TurnHooks[]): TurnHooks {
  if (sets.length === 0) return {};
  if (sets.length === 1) return sets[0] as TurnHooks;
  const all = <K extends keyof TurnHooks>(key: K) => sets.flatMap((set) => (set[key] ? [set] : []));
  const combined: TurnHooks = {};
  const observe = <
    K extends
      | "turnStarted"
      | "contextBuilt"
      | "beforeModelCall"
      | "afterModelCall"
      | "afterToolCall"
      | "event"
      | "remoteSpans"
      | "turnEnded",
  >(
    key: K,
  ) => {
    const having = all(key);
    if (having.length > 0) {
      combined[key] = ((...args: unknown[]) => {
        for (const set of having) (set[key] as (...a: unknown[]) => void)(...args);
      }) as TurnHooks[K];
    }
  };
  observe("turnStarted");
  observe("contextBuilt");
  observe("beforeModelCall");
  observe("afterModelCall");
  observe("afterToolCall");
  observe("event");
  observe("remoteSpans");
  observe("turnEnded");
  const inputs = all("input");
  if (inputs.length > 0) {
    combined.input = async (text) => {
      let current: InputVerdict | undefined;
      for (const set of inputs) {
        const verdict = await set.input?.(current?.action === "replace" ? current.text : text);
        if (verdict?.action === "block") return verdict;
        if (verdict?.action === "replace") current = verdict;
      }
      return current;
    };
  }
  const tools = all("beforeToolCall");
  if (tools.length > 0) {
    combined.beforeToolCall = async (call) => {
      let held: Extract<ToolVerdict, { action: "require_approval" }> | undefined;
      let input: unknown;
      let observed: unknown;
      let seen = call;
      for (const set of tools) {
        const verdict = await set.beforeToolCall?.(seen);
        // a later refusal still wins over a hold; observers see the call as redacted so far
        if (verdict?.action === "refuse") {
          const view = verdict.observed ?? observed;
          return view === undefined ? verdict : { ...verdict, observed: view };
        }
        if (verdict?.action === "require_approval") held ??= verdict;
        else if (verdict) {
          if (verdict.input !== undefined) input = verdict.input;
          const view = verdict.observed ?? verdict.input;
          if (view !== undefined) {
            observed = view;
            seen = { ...seen, input: view };
          }
        }
      }
      if (held) return observed === undefined ? held : { ...held, observed };
      if (input === undefined && observed === undefined) return undefined;
      return {
        action: "allow",
        ...(input !== undefined ? { input } : {}),
        ...(observed !== undefined ? { observed } : {}),
      };
    };
  }
  const errors = all("toolError");
  if (errors.length > 0) {
    combined.toolError = async (call, error) => {
      let current = error;
      for (const set of errors) current = (await set.toolError?.(call, current)) ?? current;
      return current === error ? undefined : current;
    };
  }
  const results = all("toolResult");
  if (results.length > 0) {
    combined.toolResult = async (call, output) => {
      let current = output;
      let replaced = false;
      let observed: unknown;
      for (const set of results) {
        const verdict = await set.toolResult?.(call, current);
        if (verdict?.action === "refuse") return verdict;
        if (verdict?.action === "replace") {
          current = verdict.output;
          replaced = true;
        } else if (verdict?.observed !== undefined) observed = verdict.observed;
      }
      if (replaced) return { action: "replace", output: current };
      return observed === undefined ? undefined : { action: "allow", observed };
    };
  }
  const outputs = all("output");
  if (outputs.length > 0) {
    combined.output = async (item) => {
      let current = item;
      let text: string | undefined;
      let toolCalls: CallInMessage[] | undefined;
      // each gate sees what the one before it let through; streamed text held back goes no further
      for (const set of outputs) {
        const verdict = await set.output?.(current);
        if (verdict?.action === "block") return verdict;
        if (verdict?.action === "replace") {
          text = verdict.text;
          toolCalls = verdict.toolCalls ?? toolCalls;
          current = withText(current, verdict.text, verdict.toolCalls);
          if (current.kind === "delta" && !current.text) break;
        }
      }
      if (text === undefined) return undefined;
      return { action: "replace", text, ...(toolCalls ? { toolCalls } : {}) };
    };
  }
  return combined;
}

/** The same output item carrying another text (and, for a message, other tool-call arguments); released text is a delta. */
export function withText(item: OutputItem, text: string, toolCalls?: CallInMessage[]): OutputItem {
  if (item.kind === "flush") return { kind: "delta", text };
  if (item.kind !== "message") return { ...item, text };
  return { ...item, message: { ...item.message, content: text, ...(toolCalls ? { toolCalls } : {}) } };
}

/** What a turn is, for whoever makes its hooks. */
export interface RunInfo {
  turnId: string;
  /** a new turn, or a waiting turn going on with its sub-agents' results */
  kind: "start" | "resume";
  session: SessionMeta;
  agent: AgentDefinition;
  models: { local: string; central: string };
  /** someone watches the turn's deltas */
  streaming: boolean;
  trace: TraceContext;
  /** a resumed turn: the `delegate` calls whose results it goes on with */
  resumedCalls?: readonly string[];
  /** reports a turn event (to live clients and every hook's `event`), e.g. a guardrail's decision */
  emit(event: TurnEvent): void;
  /** the turn's stored messages so far, earlier lives of a waiting turn included */
  messages(): readonly Message[];
}

/** The trace a turn belongs to: the root turn's id, carried to every sub-agent. */
export interface TraceContext {
  traceId: string;
  /** the W3C trace, and the span the turn runs under (the router's request, a task delivery) */
  w3c?: SpanContext;
}

/** Makes the hooks of one run, given what the run is; registered once per session object. */
export type HookSource = (run: RunInfo) => TurnHooks | undefined;
