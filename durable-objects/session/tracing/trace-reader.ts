import type { SourcedSpan, SpanData, SpanSource, TraceSlice, TurnTrace } from "../../../shared/contracts/trace";
import { turnSpanId } from "../../../shared/tracing/trace-context";
import { waterfall } from "../../../shared/tracing/waterfall";
import type { TaskRow } from "../delegation/task-book";
import type { SpanStore } from "./span-store";

/** How long a sub-agent's object may take to hand over its spans before it is listed as missing. */
const SUB_AGENT_WAIT_MS = 5_000;

/** What reading a trace needs of its session object. */
export interface TraceReaderOptions {
  store: SpanStore;
  /** a turn's tasks (fallbacks included); every task, for a sub-agent's object */
  tasks(turnId?: string): TaskRow[];
  /** a task's sub-agent object's spans of a trace, or null if it holds none */
  subAgent(taskId: string, traceId: string): Promise<TraceSlice | null>;
  /** the task this object works on, if it is a sub-agent's */
  ownTask(): string | null;
}

/**
 * Reads a turn's spans with those of every sub-agent it delegated to, at any depth: each
 * sub-agent's object hands over its own spans and its sub-agents', in parallel. A sub-agent
 * that does not answer in time is listed as missing rather than failing the read.
 */
export class TraceReader {
  constructor(private readonly options: TraceReaderOptions) {}

  /** The turn's span tree, or null when its spans are not retained (or tracing was off). */
  async turnTrace(turnId: string): Promise<TurnTrace | null> {
    const own = this.options.store.turnSpans(turnId);
    const root = own.find((span) => span.spanId === turnSpanId(turnId));
    if (!root) return null;
    const nested = await this.subAgents(this.options.tasks(turnId), root.traceId);
    const spans = waterfall(root.spanId, [...own.map((span) => this.sourced(span)), ...nested.spans]) ?? [];
    return {
      turnId,
      traceId: root.traceId,
      ...(root.parentSpanId ? { parentSpanId: root.parentSpanId } : {}),
      startedAt: new Date(root.startMs).toISOString(),
      ...(root.endMs !== undefined ? { durationMs: Math.round((root.endMs - root.startMs) * 1000) / 1000 } : {}),
      spans,
      missing: nested.missing,
    };
  }

  /** This (sub-agent's) object's spans of a trace, with its own sub-agents'. */
  async slice(traceId: string): Promise<TraceSlice> {
    const own = this.options.store.traceSpans(traceId).map((span) => this.sourced(span));
    const nested = await this.subAgents(this.options.tasks(), traceId);
    return { spans: [...own, ...nested.spans], missing: nested.missing };
  }

  private async subAgents(tasks: readonly TaskRow[], traceId: string): Promise<TraceSlice> {
    // a task that never reached its sub-agent has no spans there
    const reached = tasks.filter((task) => task.attempts > 0);
    const slices = await Promise.allSettled(reached.map((task) => this.within(task.taskId, traceId)));
    const out: TraceSlice = { spans: [], missing: [] };
    slices.forEach((slice, i) => {
      const taskId = (reached[i] as TaskRow).taskId;
      if (slice.status === "rejected") out.missing.push({ taskId, reason: reasonOf(slice.reason) });
      else if (slice.value) {
        out.spans.push(...slice.value.spans);
        out.missing.push(...slice.value.missing);
      }
    });
    return out;
  }

  private within(taskId: string, traceId: string): Promise<TraceSlice | null> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("the sub-agent's object did not answer in time")), SUB_AGENT_WAIT_MS);
    });
    return Promise.race([this.options.subAgent(taskId, traceId), timeout]).finally(() => {
      if (timer !== undefined) clearTimeout(timer);
    });
  }

  private sourced(span: SpanData): SourcedSpan {
    const task = this.options.ownTask();
    const kind: SpanSource["kind"] =
      span.attributes["edgent.component"] === "gateway" ? "gateway" : task ? "sub_agent" : "session";
    return { ...span, source: { kind, ...(task ? { taskId: task } : {}) } };
  }
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : "the sub-agent's spans could not be read";
}
