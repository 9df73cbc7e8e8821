import type { Context, ErrorHandler, Handler, MiddlewareHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { EdgentError } from "../../shared/errors";
import { log } from "../../shared/log";
import { isObjectReset } from "../../shared/object-reset";
import { openAiFailure } from "../../shared/protocols/openai-errors";
import type { RouterEnv } from "../env";

/** The one place errors become responses; unknown errors are logged and reveal nothing. */
export const onError: ErrorHandler<RouterEnv> = (error, c) => {
  const known = toEdgentError(error);
  if (!known) {
    log({
      event: "notice",
      level: "error",
      message: `unhandled error: ${error instanceof Error ? error.message : String(error)}`,
      errorName: error instanceof Error ? error.name : undefined,
      tenant: c.get("tenant"),
      sessionId: c.get("sessionId"),
    });
  }
  const response = known ?? new EdgentError("internal", "internal error");
  return respondWith(c, response);
};

/** Answers with an error body and remembers its code for the request log. */
export function respondWith(c: Context<RouterEnv>, error: EdgentError): Response {
  c.set("errorCode", error.code);
  const retryAfterMs = error.details.retryAfterMs;
  if (retryAfterMs !== undefined) c.header("Retry-After", String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
  if (c.get("errorStyle") === "openai") {
    const failure = openAiFailure(error);
    // the official client retries 409, 429 and 5xx unless told a retry cannot help
    if (!failure.retry) c.header("x-should-retry", "false");
    return c.json(failure.body, failure.status);
  }
  return c.json(error.toBody(), error.status);
}

/** Answers the errors of the routes under it in OpenAI's envelope (mounted before authentication). */
export const openAiErrors: MiddlewareHandler<RouterEnv> = async (c, next) => {
  c.set("errorStyle", "openai");
  await next();
};

/** Unknown routes are 404s in the common error shape. */
export const notFound: NotFoundHandler<RouterEnv> = (c) =>
  respondWith(c, new EdgentError("not_found", `no route for ${c.req.method} ${new URL(c.req.url).pathname}`));

/** A route that exists, called with a method it does not serve. */
export function methodNotAllowed(allowed: readonly string[]): Handler<RouterEnv> {
  return (c) => {
    c.header("Allow", allowed.join(", "));
    return respondWith(
      c,
      new EdgentError("method_not_allowed", `${c.req.method} is not allowed here; use ${allowed.join(" or ")}`),
    );
  };
}

function toEdgentError(error: unknown): EdgentError | null {
  if (error instanceof EdgentError) return error;
  if (error instanceof HTTPException) {
    if (error.status === 413) return new EdgentError("payload_too_large", "the body is too large");
    if (error.status === 400) return new EdgentError("bad_request", error.message || "bad request");
    return null;
  }
  return isObjectReset(error)
    ? new EdgentError("session_unavailable", "the session is busy or restarting; retry shortly", { cause: error })
    : null;
}
