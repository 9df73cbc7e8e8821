import type { AgentDefinition } from "../../../shared/agents/define";
import type { SpanData, TraceSlice, TurnsPage, TurnTrace } from "../../../shared/contracts/trace";
import { log } from "../../../shared/log";
import { settingsOf } from "../../../shared/settings";
import { exporterFor, type SpanExporter } from "../../../shared/tracing/exporter";
import { newTraceId, parseTraceparent, type SpanContext } from "../../../shared/tracing/trace-context";
import type { MetricsApi } from "../../rpc";
import { metricsApi, taskHost, taskSessionId } from "../../stubs";
import type { TurnScope } from "../delegation/coordinator";
import type { TaskBook } from "../delegation/task-book";
import { MetricsReport } from "../metrics/metrics-report";
import { turnFacts } from "../metrics/turn-facts";
import type { SessionMeta } from "../storage/rows";
import type { SessionStore } from "../storage/session-store";
import { turnPage } from "../storage/turn-history";
import type { HookSource } from "../turn/hooks";
import { SpanStore } from "./span-store";
import { TraceReader } from "./trace-reader";
import { turnTracer } from "./turn-tracer";

/** What tracing and metrics need of their session object. */
interface SessionTracingHost {
  sql: SqlStorage;
  env: Env;
  store: SessionStore;
  /** the session's delegated tasks */
  book(): TaskBook;
  /** keeps work alive after the response (the export) */
  background(work: Promise<unknown>): void;
  /** call `tick` in some seconds (durably) */
  wake(seconds: number): Promise<unknown>;
}

/**
 * A session's observability in one place: the tracer and the metrics recorder on its turn
 * hooks, its span table, delivery spans of the tasks it runs as a sub-agent, the turn and
 * trace reads, and the batched metrics report. With EDGENT_TRACING off, no span is kept or
 * exported (trace contexts still travel, for logs and headers); metrics are always kept.
 */
export class SessionTracing {
  private readonly spans: SpanStore | null;
  private readonly reader: TraceReader | null;
  private readonly exporter: SpanExporter | null;
  private readonly metrics: MetricsReport;
  private readonly host: SessionTracingHost;

  /** `wake` asks the session to call `tick` in some seconds (its scheduled report job). */
  constructor(
    ctx: DurableObjectState,
    env: Env,
    store: SessionStore,
    book: () => TaskBook,
    wake: (seconds: number) => Promise<unknown>,
  ) {
    const host: SessionTracingHost = {
      sql: ctx.storage.sql,
      env,
      store,
      book,
      background: (work) => ctx.waitUntil(work),
      wake,
    };
    this.host = host;
    const settings = settingsOf(env).values;
    this.exporter = exporterFor(env);
    this.metrics = new MetricsReport(host.sql, () => wake(settings.EDGENT_USAGE_REPORT_SECONDS), this.exporter);
    if (settings.EDGENT_TRACING === "off") {
      noticeBadTracing(env);
      this.spans = null;
      this.reader = null;
      return;
    }
    const limits = {
      maxSpans: settings.EDGENT_TRACE_MAX_SPANS,
      maxAgeMs: settings.EDGENT_TRACE_MAX_AGE_SECONDS * 1000,
    };
    const spans = new SpanStore(host.sql, limits);
    this.spans = spans;
    this.reader = new TraceReader({
      store: spans,
      tasks: (turnId) => (turnId ? host.book().forTurn(turnId) : host.book().list(10_000)),
      subAgent: (taskId, traceId) => {
        const tenant = host.store.meta()?.tenant ?? "";
        return taskHost(host.env, { tenant, taskId }).traceSlice({ tenant, sessionId: taskSessionId(taskId) }, traceId);
      },
      ownTask: () => {
        const sessionId = host.store.meta()?.sessionId ?? "";
        return sessionId.startsWith("task:") ? sessionId.slice("task:".length) : null;
      },
    });
  }

  /** The hook sources to register on the session's turns. */
  hookSources(): HookSource[] {
    const { host } = this;
    const startedAt = (turnId: string) => this.startedAt(turnId);
    const facts = turnFacts(host.sql, startedAt);
    if (!this.spans) return [facts];
    const content = settingsOf(host.env).values.EDGENT_TRACE_CONTENT === "on";
    const tracer = turnTracer({
      store: this.spans,
      content,
      export: (spans) => this.export(spans),
      tasks: (turnId) => host.book().forTurn(turnId),
      messages: (turnId) => host.store.turnMessages(turnId, 0),
      startedAt,
    });
    return [tracer, facts];
  }

  /**
   * The place of a turn in its trace: a sub-agent's delivery, the caller's `traceparent` (a
   * malformed one is ignored), the trace a waiting turn's tasks went out in, or a new trace.
   */
  scope(
    agent: AgentDefinition,
    turnId: string,
    incoming: { kind: "start" | "resume"; traceparent?: string } | undefined,
    assigned: TurnScope | null,
  ): TurnScope {
    if (assigned?.w3c) return assigned;
    const given = parseTraceparent(incoming?.traceparent);
    const resumed = incoming?.kind === "resume" ? parseTraceparent(this.host.book().traceparentOf(turnId)) : null;
    const w3c: SpanContext =
      given ??
      (resumed ? { traceId: resumed.traceId, sampled: resumed.sampled } : { traceId: newTraceId(), sampled: true });
    return assigned ? { ...assigned, w3c } : { depth: 0, chain: [agent.name], traceId: turnId, w3c };
  }

  /** Keeps a task delivery's span (this object runs the task as a sub-agent). */
  delivered(span: SpanData, sampled: boolean): void {
    if (!this.spans) return;
    this.spans.write([span], { startMs: span.startMs });
    if (sampled) this.export([span]);
  }

  /**
   * The session's scheduled job (with its usage report, a few seconds after its turns): prunes
   * spans past the retention limits and reports finished turns' metrics.
   */
  tick(meta: SessionMeta | null): Promise<void> {
    if (meta) this.spans?.prune(Date.now());
    return this.metrics.send(meta, (tenant): MetricsApi => metricsApi(this.host.env, tenant));
  }

  /** Sends every finished turn's metrics to the tenant now: the session is about to be erased. */
  flushMetrics(meta: SessionMeta): Promise<void> {
    return this.metrics.flush(meta, (tenant): MetricsApi => metricsApi(this.host.env, tenant));
  }

  /** A page of the session's turns, newest first; null if `before` names no turn. */
  turns(limit: number, before: string | undefined): TurnsPage | null {
    return turnPage(this.host.sql, limit, before, (ids) => this.spans?.traceIds(ids) ?? new Map());
  }

  /** A turn's span tree, or null when none is retained. */
  trace(turnId: string): Promise<TurnTrace | null> {
    return this.reader?.turnTrace(turnId) ?? Promise.resolve(null);
  }

  /** This object's spans of a trace (it runs a task as a sub-agent), with its sub-agents'. */
  slice(traceId: string): Promise<TraceSlice> {
    return this.reader?.slice(traceId) ?? Promise.resolve({ spans: [], missing: [] });
  }

  private export(spans: readonly SpanData[]): void {
    const exporter = this.exporter;
    if (!exporter || spans.length === 0) return;
    const tenant = this.host.store.meta()?.tenant ?? "";
    exporter.add(spans, tenant);
    // spans the collector cost are counted in the tenant's metrics, even with no turn after them
    this.host.background(exporter.flush().then(() => exporter.untakenOf(tenant) > 0 && this.metrics.due()));
  }

  private startedAt(turnId: string): number | null {
    const row = this.host.sql
      .exec<{ started_at: string }>("SELECT started_at FROM edgent_turns WHERE id = ?", turnId)
      .toArray()[0];
    return row ? Date.parse(String(row.started_at)) : null;
  }
}

// the environment is fixed for an isolate's life: its bad tracing setting is told once
const noticed = new WeakSet<object>();

/** Logs, once per environment, that a bad EDGENT_TRACING value turned spans off. */
function noticeBadTracing(env: object): void {
  const problem = settingsOf(env).problem(["EDGENT_TRACING"]);
  if (!problem || noticed.has(env)) return;
  noticed.add(env);
  log({ event: "notice", level: "error", message: `spans are off: ${problem}` });
}
