import type { AgentDefinition } from "../../../shared/agents/define";
import type { SpanData } from "../../../shared/contracts/trace";
import type { SpanContext } from "../../../shared/tracing/trace-context";
import type { CallPurpose } from "../storage/ledger";
import type { NewMessage, SessionMeta, UsageNanos } from "../storage/rows";

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

/** Whether a tool call may run; a refusal is a tool error the model sees. */
export type ToolVerdict = { action: "allow" } | { action: "refuse"; reason: string };

/** Output of a turn on its way out of the object or into storage. */
export type OutputItem =
  /** model text as it is produced, for live clients */
  | { kind: "delta"; text: string }
  /** an assistant or tool message about to be stored (tool results, the final answer) */
  | { kind: "message"; message: NewMessage }
  /** the rolling summary about to be stored */
  | { kind: "summary"; text: string };

/** What the output gate does with an item: let it pass, or pass a replacement text instead. */
export type OutputVerdict = { action: "allow" } | { action: "replace"; text: string };

/** Something notable a turn reports (an escalation, a gateway breaker, a fallback, a wait). */
export interface TurnEvent {
  name: string;
  data: Record<string, unknown>;
}

/** How a turn ended (or paused to wait for its sub-agents). */
export interface TurnEnding {
  status: "completed" | "failed" | "cancelled" | "waiting";
  errorCode?: string;
  /** the model that answered, when one did */
  model?: string;
  /** the tier that answered, and why the turn escalated (refused: the central model was not reached) */
  tier?: "local" | "central";
  escalation?: { signal: string; reason: string; refused?: string };
  /** the turn's usage so far, all its runs included */
  usage?: UsageNanos;
  steps?: number;
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
 * The seams of a turn, each passed in one place: every model call, every tool call, every
 * piece of output, every event, and the turn's start and end. Observers return nothing;
 * the tool hook may refuse a call and the output hook may replace what passes.
 */
export interface TurnHooks {
  turnStarted?(): void;
  contextBuilt?(context: ContextReport): void;
  beforeModelCall?(call: ModelCall): void;
  afterModelCall?(call: ModelCall, end: ModelCallEnd): void;
  beforeToolCall?(call: ToolCall): Maybe<ToolVerdict | undefined>;
  afterToolCall?(call: ToolCall, end: ToolCallEnd): void;
  output?(item: OutputItem): Maybe<OutputVerdict | undefined>;
  event?(event: TurnEvent): void;
  /** spans recorded elsewhere for this turn (the tenant's gateway), for tracers to keep with it */
  remoteSpans?(spans: readonly SpanData[]): void;
  turnEnded?(ending: TurnEnding): void;
}

/** Combines hook sets: observers see everything in order; the first refusal or replacement wins. */
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
  const tools = all("beforeToolCall");
  if (tools.length > 0) {
    combined.beforeToolCall = async (call) => {
      for (const set of tools) {
        const verdict = await set.beforeToolCall?.(call);
        if (verdict?.action === "refuse") return verdict;
      }
      return undefined;
    };
  }
  const outputs = all("output");
  if (outputs.length > 0) {
    combined.output = async (item) => {
      let current = item;
      let replaced: OutputVerdict | undefined;
      // each gate sees what the one before it let through
      for (const set of outputs) {
        const verdict = await set.output?.(current);
        if (verdict?.action === "replace") {
          replaced = verdict;
          current = withText(current, verdict.text);
        }
      }
      return replaced;
    };
  }
  return combined;
}

/** The same output item carrying another text. */
export function withText(item: OutputItem, text: string): OutputItem {
  return item.kind === "message" ? { kind: "message", message: { ...item.message, content: text } } : { ...item, text };
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
}

/** The trace a turn belongs to: the root turn's id, carried to every sub-agent. */
export interface TraceContext {
  traceId: string;
  /** the W3C trace, and the span the turn runs under (the router's request, a task delivery) */
  w3c?: SpanContext;
}

/** Makes the hooks of one run, given what the run is; registered once per session object. */
export type HookSource = (run: RunInfo) => TurnHooks | undefined;
