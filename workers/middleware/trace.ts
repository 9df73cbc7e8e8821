import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { SpanData } from "../../shared/contracts/trace";
import { exporterFor } from "../../shared/tracing/exporter";
import { formatTraceparent, newSpanId, newTraceId, parseTraceparent } from "../../shared/tracing/trace-context";
import type { RouterEnv } from "../env";

/** The response header that carries the request's trace id. */
export const TRACE_ID_HEADER = "X-Trace-Id";

/**
 * Puts every request in a W3C trace: the caller's `traceparent` is honoured (a malformed one
 * is ignored and a new trace started), the router's own server span is its child, and the
 * turn runs under that span. Every response names the trace (`X-Trace-Id`, and
 * `traceresponse` with the router's span); the span is exported after the response.
 */
export const traceRequests: MiddlewareHandler<RouterEnv> = async (c, next) => {
  const startMs = Date.now();
  const incoming = parseTraceparent(c.req.header("traceparent"));
  const context = {
    traceId: incoming?.traceId ?? newTraceId(),
    spanId: newSpanId(),
    sampled: incoming?.sampled ?? true,
  };
  const traceparent = formatTraceparent(context);
  c.set("trace", { ...context, traceparent });
  await next();
  c.header(TRACE_ID_HEADER, context.traceId);
  c.header("traceresponse", traceparent);
  const exporter = exporterFor(c.env);
  if (!exporter || !context.sampled) return;
  const route = routePath(c, -1) || "unmatched";
  const status = c.res.status;
  const errorCode = c.get("errorCode");
  const span: SpanData = {
    traceId: context.traceId,
    spanId: context.spanId,
    ...(incoming ? { parentSpanId: incoming.spanId } : {}),
    name: `${c.req.method} ${route}`,
    kind: "server",
    startMs,
    endMs: Date.now(),
    status: status >= 500 ? "error" : "unset",
    ...(status >= 500 && errorCode ? { statusMessage: errorCode } : {}),
    attributes: {
      "http.request.method": c.req.method,
      "http.route": route,
      "http.response.status_code": status,
      "edgent.component": "router",
      "edgent.request.id": c.get("requestId") ?? "",
      ...(c.get("tenant") ? { "edgent.tenant": c.get("tenant") } : {}),
      ...(c.get("sessionId") ? { "edgent.session.id": c.get("sessionId") as string } : {}),
      ...(c.get("turnId") ? { "edgent.turn.id": c.get("turnId") as string } : {}),
      ...(errorCode ? { "error.type": errorCode } : {}),
    },
  };
  exporter.add([span], c.get("tenant") ?? "");
  try {
    c.executionCtx.waitUntil(exporter.flush());
  } catch {
    // no execution context (a test calling the app directly): the next request's flush sends it
  }
};
