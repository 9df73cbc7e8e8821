import type { SourcedSpan, TraceSpan } from "../contracts/trace";

/**
 * Lays a turn's spans out for a waterfall: depth first from the turn's span, children in
 * start order, each with its offset from the turn's start and its depth. Spans whose parent
 * is not in the tree (pruned, or recorded by an object that did not answer) hang under the
 * root, so nothing recorded is hidden. Null if the root is not among the spans.
 */
export function waterfall(rootSpanId: string, spans: readonly SourcedSpan[]): TraceSpan[] | null {
  const byId = new Map(spans.map((span) => [span.spanId, span]));
  const root = byId.get(rootSpanId);
  if (!root) return null;
  const children = new Map<string, SourcedSpan[]>();
  for (const span of byId.values()) {
    if (span.spanId === rootSpanId) continue;
    const parent = span.parentSpanId && byId.has(span.parentSpanId) ? span.parentSpanId : rootSpanId;
    const siblings = children.get(parent) ?? [];
    siblings.push(span);
    children.set(parent, siblings);
  }
  const out: TraceSpan[] = [];
  const visited = new Set<string>();
  const visit = (span: SourcedSpan, depth: number) => {
    if (visited.has(span.spanId)) return;
    visited.add(span.spanId);
    out.push(view(span, depth, root.startMs));
    // by start, and as recorded on a tie (clocks move only on I/O in Workers, so ties are common)
    const next = (children.get(span.spanId) ?? []).sort((a, b) => a.startMs - b.startMs);
    for (const child of next) visit(child, depth + 1);
  };
  visit(root, 0);
  // a loop of parents (ids reused by a broken recorder) cannot be reached from the root
  for (const span of byId.values()) if (!visited.has(span.spanId)) visit(span, 1);
  return out;
}

function view(span: SourcedSpan, depth: number, origin: number): TraceSpan {
  return {
    spanId: span.spanId,
    ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
    name: span.name,
    kind: span.kind,
    startedAt: new Date(span.startMs).toISOString(),
    ...(span.endMs !== undefined
      ? { endedAt: new Date(span.endMs).toISOString(), durationMs: round(span.endMs - span.startMs) }
      : {}),
    offsetMs: round(span.startMs - origin),
    depth,
    status: span.status,
    ...(span.statusMessage ? { statusMessage: span.statusMessage } : {}),
    attributes: span.attributes,
    events: (span.events ?? []).map((event) => ({
      name: event.name,
      at: new Date(event.timeMs).toISOString(),
      ...(event.attributes ? { attributes: event.attributes } : {}),
    })),
    source: span.source,
  };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
