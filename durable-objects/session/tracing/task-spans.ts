import type { TaskDelivery, TaskMessage } from "../../../shared/contracts/task";
import type { SpanData } from "../../../shared/contracts/trace";
import { clip } from "../../../shared/tracing/attributes";
import { newSpanId, newTraceId, parseTraceparent, taskSpanId } from "../../../shared/tracing/trace-context";
import type { TaskRow } from "../delegation/task-book";

/**
 * A delegated task's span in the parent session, from the moment the `delegate` call was
 * accepted to its outcome: a child of that call's span and the parent of every delivery of
 * the task (the task message carries its context). Its events say when it went to the queue.
 */
export function taskSpan(task: TaskRow, turn: Pick<SpanData, "traceId" | "spanId">, now: number): SpanData {
  const context = parseTraceparent(task.traceparent);
  const ok = task.status === "completed";
  const failed = task.status === "failed" || task.status === "timed_out";
  return {
    traceId: context?.traceId ?? turn.traceId,
    spanId: taskSpanId(task.taskId),
    parentSpanId: context?.spanId ?? turn.spanId,
    name: `edgent.task ${task.agent}`,
    kind: "producer",
    startMs: Date.parse(task.createdAt),
    endMs: task.completedAt ? Date.parse(task.completedAt) : now,
    status: ok ? "ok" : failed ? "error" : "unset",
    ...(failed && task.error ? { statusMessage: clip(task.error, 256) } : {}),
    attributes: {
      "edgent.task.id": task.taskId,
      "edgent.task.agent": task.agent,
      "edgent.task.status": ok || failed ? task.status : "cancelled",
      "edgent.task.attempts": task.attempts,
      "edgent.task.depth": task.depth,
      "gen_ai.tool.call.id": task.callId,
      ...(task.fallbackFor ? { "edgent.task.fallback_for": task.fallbackFor } : {}),
    },
    ...(task.sentAt ? { events: [{ name: "sent", timeMs: task.sentAt }] } : {}),
  };
}

/** How a delivery of a task ended, as its span records it. */
export type DeliveryOutcome =
  | "completed"
  | "waiting"
  | "duplicate"
  | "joined"
  | "expired"
  | "failed"
  | "discarded"
  | "rejected"
  | "dead_lettered";

/**
 * A delivery of a task to its sub-agent's object: a child of the task's span (from the
 * message's trace context), and the parent of the sub-agent's turn for that attempt.
 */
export function deliverySpan(task: TaskMessage, attempt: number, source: TaskDelivery = {}): SpanData {
  const context = parseTraceparent(task.traceparent);
  const operation = source.queue ? `process ${source.queue}` : "process task";
  return {
    traceId: context?.traceId ?? newTraceId(),
    spanId: newSpanId(),
    ...(context ? { parentSpanId: context.spanId } : {}),
    name: `${operation} ${task.agent}`,
    kind: "consumer",
    startMs: Date.now(),
    status: "unset",
    attributes: {
      "messaging.operation.type": "process",
      "messaging.system": source.queue ? "cloudflare_queues" : "edgent_direct",
      ...(source.queue ? { "messaging.destination.name": source.queue } : {}),
      ...(source.messageId ? { "messaging.message.id": source.messageId } : {}),
      "edgent.tenant": task.tenant,
      "edgent.task.id": task.taskId,
      "edgent.task.agent": task.agent,
      "edgent.task.depth": task.depth,
      "edgent.attempt": attempt,
      "edgent.parent.session.id": task.parentSessionId,
    },
  };
}

/** Ends a delivery's span with its outcome. */
export function endDelivery(span: SpanData, outcome: DeliveryOutcome, error?: string): SpanData {
  span.endMs = Date.now();
  span.attributes["edgent.delivery.outcome"] = outcome;
  const bad = outcome === "failed" || outcome === "dead_lettered" || outcome === "rejected" || outcome === "expired";
  span.status = bad ? "error" : "ok";
  if (bad && error) span.statusMessage = clip(error, 256);
  return span;
}
