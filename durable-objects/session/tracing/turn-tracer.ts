import type { Message } from "../../../shared/contracts/message";
import type { SpanData, SpanEvent } from "../../../shared/contracts/trace";
import { log } from "../../../shared/log";
import { classifyModelFailure } from "../../../shared/models/failure";
import { nanosToUsd } from "../../../shared/models/pricing";
import { clip, eventAttributes, jsonText, MAX_EVENTS, providerOf } from "../../../shared/tracing/attributes";
import { newSpanId, newTraceId, turnSpanId } from "../../../shared/tracing/trace-context";
import type { TaskRow } from "../delegation/task-book";
import type { HookSource, ModelCall, RunInfo, ToolCall, TurnEnding, TurnEvent, TurnHooks } from "../turn/hooks";
import type { SpanStore } from "./span-store";
import { taskSpan } from "./task-spans";

/** What the tracer needs of its session object. */
export interface TurnTracerOptions {
  store: SpanStore;
  /** record message text and tool arguments and results (EDGENT_TRACE_CONTENT) */
  content: boolean;
  /** hands finished, sampled spans to the exporter (which flushes after the response) */
  export(spans: readonly SpanData[]): void;
  /** every task of a turn, for the spans of the tasks a resumed turn goes on with */
  tasks(turnId: string): TaskRow[];
  /** the turn's stored messages (content capture only) */
  messages(turnId: string): Message[];
  /** when a turn started, for a resumed turn whose span is no longer stored */
  startedAt(turnId: string): number | null;
}

/**
 * Traces every turn of a session from its hooks: an `invoke_agent` span per turn (one span
 * across a wait for sub-agents), its context building, every model call attempt (`chat`),
 * every tool call (`execute_tool`), an escalation span over the central tier's work, the
 * gateway's spans, the delegated tasks, and every turn event as a span event. Spans are
 * buffered and written in one statement when the turn ends or starts to wait.
 */
export function turnTracer(options: TurnTracerOptions): HookSource {
  return (run) => new RunTracer(run, options).hooks();
}

class RunTracer {
  private readonly turn: SpanData;
  private readonly finished: SpanData[] = [];
  // spans a waiting turn's earlier runs stored: its row is rewritten with them when it ends
  private readonly earlier: SpanData[] = [];
  private readonly calls = new Map<string, SpanData>();
  private readonly tools = new Map<string, SpanData>();
  private escalation: SpanData | null = null;
  private readonly contextSpanId = newSpanId();
  private readonly sampled: boolean;

  constructor(
    private readonly run: RunInfo,
    private readonly options: TurnTracerOptions,
  ) {
    const spanId = turnSpanId(run.turnId);
    const w3c = run.trace.w3c;
    this.sampled = w3c?.sampled ?? true;
    // a turn that waited for sub-agents goes on in the span it started
    const kept = run.kind === "resume" ? options.store.turnSpans(run.turnId) : [];
    const stored = kept.find((span) => span.spanId === spanId);
    if (stored) {
      this.earlier.push(...kept.filter((span) => span !== stored));
      this.turn = stored;
      this.turn.attributes["edgent.turn.runs"] = Number(stored.attributes["edgent.turn.runs"] ?? 1) + 1;
      return;
    }
    const { session, agent } = run;
    this.turn = {
      traceId: w3c?.traceId ?? newTraceId(),
      spanId,
      ...(w3c?.spanId ? { parentSpanId: w3c.spanId } : {}),
      name: `invoke_agent ${agent.name}`,
      kind: "internal",
      startMs: (run.kind === "resume" ? options.startedAt(run.turnId) : null) ?? Date.now(),
      status: "unset",
      attributes: {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": agent.name,
        "gen_ai.conversation.id": session.sessionId,
        "edgent.tenant": session.tenant,
        "edgent.session.id": session.sessionId,
        "edgent.turn.id": run.turnId,
        "edgent.model.local": run.models.local,
        "edgent.model.central": run.models.central,
        "edgent.streaming": run.streaming,
        "edgent.turn.runs": 1,
      },
    };
  }

  hooks(): TurnHooks {
    return {
      contextBuilt: (context) =>
        this.finished.push(
          this.child({
            spanId: this.contextSpanId,
            name: "edgent.context",
            startMs: context.startedAt,
            endMs: Date.now(),
            status: "ok",
            attributes: {
              "edgent.context.tokens": context.tokens,
              "edgent.context.messages": context.messages,
              "edgent.context.compacted": context.compacted,
            },
          }),
        ),
      beforeModelCall: (call) => this.calls.set(call.spanId, this.chatSpan(call)),
      afterModelCall: (call, end) => {
        const span = this.calls.get(call.spanId);
        if (!span) return;
        this.calls.delete(call.spanId);
        span.endMs = Date.now();
        if (end.ok) {
          span.status = "ok";
          Object.assign(span.attributes, {
            "gen_ai.response.model": end.model,
            "gen_ai.usage.input_tokens": end.inputTokens,
            "gen_ai.usage.output_tokens": end.outputTokens,
            "edgent.cost_usd": nanosToUsd(end.costNanos),
            ...(end.finishReason ? { "gen_ai.response.finish_reasons": [end.finishReason] } : {}),
          });
        } else if (cancelled(end.error)) {
          // a cancelled turn stopped the call: not the model's failure
          span.statusMessage = "cancelled";
          span.attributes["edgent.cancelled"] = true;
        } else {
          const failure = classifyModelFailure(end.error, call.model);
          const refused = refusalCode(end.error);
          span.status = "error";
          span.statusMessage = clip(refused?.message ?? failure.message, 256);
          span.attributes["error.type"] = refused?.code ?? failure.code;
        }
        this.finished.push(span);
      },
      beforeToolCall: (call) => {
        this.tools.set(call.toolCallId, this.toolSpan(call));
        return undefined;
      },
      afterToolCall: (call, end) => {
        // a call a guardrail refused never reached this tracer's beforeToolCall: its span opens now
        const span = this.tools.get(call.toolCallId) ?? this.toolSpan(call);
        this.tools.delete(call.toolCallId);
        span.endMs = Date.now();
        span.status = end.ok ? "ok" : "error";
        span.attributes["edgent.tool.ok"] = end.ok;
        if (end.ok) {
          const task = delegated(end.output);
          if (task) Object.assign(span.attributes, { "edgent.task.id": task.taskId, "edgent.task.agent": task.agent });
          if (this.options.content) span.attributes["gen_ai.tool.call.result"] = jsonText(end.output);
        } else {
          // a tool's error may repeat its arguments: content (redacted by the guardrails when captured)
          span.statusMessage = this.options.content ? clip(end.error, 256) : "the tool call failed";
          span.attributes["error.type"] = "tool_error";
        }
        this.finished.push(span);
      },
      event: (event) => this.event(event),
      remoteSpans: (spans) => this.finished.push(...spans),
      turnEnded: (ending) => {
        // tracing never fails a turn: spans that cannot be written are lost, and logged
        try {
          this.end(ending);
        } catch (error) {
          log({
            event: "notice",
            level: "error",
            message: "a turn's spans could not be recorded",
            tenant: this.run.session.tenant,
            sessionId: this.run.session.sessionId,
            turnId: this.run.turnId,
            errorName: error instanceof Error ? error.name : "unknown",
            trace_id: this.turn.traceId,
            span_id: this.turn.spanId,
          });
        }
      },
    };
  }

  private chatSpan(call: ModelCall): SpanData {
    // compaction belongs to building the context; the central tier's calls to the escalation
    const parent = call.purpose === "compaction" ? this.contextSpanId : (this.escalation?.spanId ?? this.turn.spanId);
    return this.child({
      spanId: call.spanId,
      parentSpanId: parent,
      name: `chat ${call.model}`,
      kind: "client",
      startMs: call.startedAt,
      attributes: {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": call.model,
        "gen_ai.provider.name": call.tier === "central" ? "edgent-gateway" : providerOf(call.model),
        "edgent.tier": call.tier,
        "edgent.call.purpose": call.purpose,
        "edgent.call.index": call.index,
        "edgent.retry": call.retry ?? 0,
        "edgent.streaming": call.streaming,
      },
    });
  }

  private toolSpan(call: ToolCall): SpanData {
    return this.child({
      spanId: call.spanId,
      parentSpanId: this.escalation?.spanId ?? this.turn.spanId,
      name: `execute_tool ${call.toolName}`,
      startMs: call.startedAt,
      attributes: {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": call.toolName,
        "gen_ai.tool.call.id": call.toolCallId,
        "gen_ai.tool.type": "function",
        ...(this.options.content ? { "gen_ai.tool.call.arguments": jsonText(call.input) } : {}),
      },
    });
  }

  /** Every turn event becomes a span event; an escalation also opens the span of the central tier's work. */
  private event(event: TurnEvent): void {
    const now = Date.now();
    if (event.name === "escalated" && !this.escalation) {
      const { signal, reason, from, to } = event.data;
      this.escalation = this.child({
        name: `edgent.escalation ${String(signal)}`,
        startMs: now,
        attributes: {
          "edgent.escalation.signal": String(signal),
          // the reason may be the model's own words (the escalate tool's argument): content
          ...(this.options.content ? { "edgent.escalation.reason": clip(String(reason ?? ""), 256) } : {}),
          "edgent.escalation.from": String(from ?? ""),
          "edgent.escalation.to": String(to ?? ""),
        },
      });
      this.turn.attributes["edgent.escalation.signal"] = String(signal);
    }
    addEvent(this.eventTarget(event), {
      name: event.name,
      timeMs: now,
      attributes: eventAttributes(event.data, this.options.content),
    });
  }

  /** The span an event belongs on: its tool call's, the model call in flight, or the turn's. */
  private eventTarget(event: TurnEvent): SpanData {
    const toolCallId = event.data.toolCallId;
    const tool = typeof toolCallId === "string" ? this.tools.get(toolCallId) : undefined;
    if (tool) return tool;
    if (this.calls.size === 1) return this.calls.values().next().value as SpanData;
    return this.turn;
  }

  private end(ending: TurnEnding): void {
    const now = Date.now();
    // spans left open by a cancel or a failure end with the turn
    for (const span of [...this.calls.values(), ...this.tools.values()]) {
      span.endMs = now;
      span.status = "error";
      span.statusMessage = `unfinished: the turn ended ${ending.status}`;
      this.finished.push(span);
    }
    this.calls.clear();
    this.tools.clear();
    const turn = this.turn;
    const usage = ending.usage;
    Object.assign(turn.attributes, {
      "edgent.turn.status": ending.status,
      ...(usage
        ? {
            "gen_ai.usage.input_tokens": usage.inputTokens,
            "gen_ai.usage.output_tokens": usage.outputTokens,
            "edgent.model_calls": usage.modelCalls,
            "edgent.cost_usd": nanosToUsd(usage.costNanos),
          }
        : {}),
      ...(ending.steps !== undefined ? { "edgent.steps": ending.steps } : {}),
      ...(ending.sql
        ? {
            "edgent.sql.rows_read": ending.sql.rowsRead,
            "edgent.sql.rows_written": ending.sql.rowsWritten,
            "edgent.sql.database_bytes": ending.sql.databaseBytes,
          }
        : {}),
    });
    const group = { turnId: this.run.turnId, startMs: turn.startMs };
    if (ending.status === "waiting") {
      // the turn's span stays open (stored, not exported) until the turn goes on and ends
      this.options.store.write([...this.earlier, ...this.finished, turn], group);
      if (this.sampled) this.options.export(this.finished);
      return;
    }
    if (this.escalation) this.finished.push(this.endEscalation(ending, now));
    if (ending.escalation) {
      turn.attributes["edgent.escalation.signal"] = ending.escalation.signal;
      if (this.options.content) turn.attributes["edgent.escalation.reason"] = clip(ending.escalation.reason, 256);
      if (ending.escalation.refused) turn.attributes["edgent.escalation.refused"] = ending.escalation.refused;
    }
    if (ending.model) turn.attributes["edgent.answered_by.model"] = ending.model;
    if (ending.tier) turn.attributes["edgent.answered_by.tier"] = ending.tier;
    turn.endMs = now;
    // a turn a guardrail blocked did not do what was asked, as a failed one did not
    turn.status = ending.status === "failed" || ending.status === "blocked" ? "error" : "ok";
    if (ending.errorCode) {
      turn.attributes["error.type"] = ending.errorCode;
      turn.statusMessage = ending.errorCode;
    }
    if (this.options.content) this.captureMessages();
    const tasks = this.resumedTasks(now);
    const spans = [...this.finished, ...tasks, turn];
    this.options.store.write([...this.earlier, ...spans], group);
    if (this.sampled) this.options.export(spans);
  }

  private endEscalation(ending: TurnEnding, now: number): SpanData {
    const span = this.escalation as SpanData;
    span.endMs = now;
    const refused = ending.escalation?.refused;
    if (refused) {
      span.status = "error";
      span.statusMessage = `refused: ${refused}`;
      span.attributes["edgent.escalation.refused"] = refused;
    } else span.status = ending.status === "failed" ? "error" : "ok";
    return span;
  }

  /** The spans of the tasks whose results a resumed turn goes on with (fallbacks included). */
  private resumedTasks(now: number): SpanData[] {
    const calls = new Set(this.run.resumedCalls ?? []);
    if (calls.size === 0) return [];
    return this.options
      .tasks(this.run.turnId)
      .filter((task) => calls.has(task.callId))
      .map((task) => taskSpan(task, this.turn, now));
  }

  private captureMessages(): void {
    const messages = this.options.messages(this.run.turnId);
    const text = (roles: readonly string[]) =>
      jsonText(messages.filter((m) => roles.includes(m.role)).map((m) => ({ role: m.role, content: m.content })));
    this.turn.attributes["gen_ai.input.messages"] = text(["user"]);
    this.turn.attributes["gen_ai.output.messages"] = text(["assistant"]);
  }

  /** A span of this turn's trace; the turn's child unless a parent is given. */
  private child(span: Partial<SpanData> & Pick<SpanData, "name" | "startMs">): SpanData {
    return {
      traceId: this.turn.traceId,
      spanId: span.spanId ?? newSpanId(),
      parentSpanId: span.parentSpanId ?? this.turn.spanId,
      name: span.name,
      kind: span.kind ?? "internal",
      startMs: span.startMs,
      ...(span.endMs !== undefined ? { endMs: span.endMs } : {}),
      status: span.status ?? "unset",
      attributes: span.attributes ?? {},
    };
  }
}

function addEvent(span: SpanData, event: SpanEvent): void {
  span.events ??= [];
  if (span.events.length < MAX_EVENTS) span.events.push(event);
  else span.attributes["edgent.events.dropped"] = Number(span.attributes["edgent.events.dropped"] ?? 0) + 1;
}

/** The task a `delegate` call accepted, from its placeholder result. */
function delegated(output: unknown): { taskId: string; agent: string } | null {
  if (typeof output !== "object" || output === null) return null;
  const { taskId, agent } = output as { taskId?: unknown; agent?: unknown };
  return typeof taskId === "string" && typeof agent === "string" ? { taskId, agent } : null;
}

function cancelled(error: unknown): boolean {
  return error instanceof Error && error.name === "AbortError";
}

/** The error code of a gateway refusal (budget, breaker, saturation), which carries one. */
function refusalCode(error: unknown): { code: string; message: string } | null {
  if (typeof error !== "object" || error === null || !("failure" in error)) return null;
  const failure = (error as { failure?: { code?: unknown; message?: unknown } }).failure;
  return typeof failure?.code === "string" ? { code: failure.code, message: String(failure.message ?? "") } : null;
}
