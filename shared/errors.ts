/** Error codes the runtime can answer with, each mapped to one HTTP status. */
export const ERROR_STATUS = {
  bad_request: 400, // malformed JSON or a query that cannot be read
  validation_failed: 400, // a body or query violates its schema
  unsupported: 400, // a protocol feature Edgent does not offer (e.g. client-executed tools on the OpenAI-compatible route)
  unauthorized: 401, // missing or unknown bearer token
  not_found: 404, // unknown route, session or agent (also another tenant's session)
  method_not_allowed: 405, // the route exists, the method does not
  conflict: 409, // session id taken by another agent, idempotency key reused
  resume_too_late: 409, // a WebSocket `resume` after the connection delivered a stored message (frames only)
  already_decided: 409, // an approval that was already approved, rejected, expired or cancelled
  guardrail_tripped: 422, // a guardrail blocked the turn's input or output (the body names it)
  budget_exhausted: 429, // the tenant's central model budget for the period is spent
  gateway_saturated: 429, // the tenant's central model gateway is at its concurrency limit
  payload_too_large: 413, // body over the size limit
  unsupported_media_type: 415, // body that is not JSON
  model_error: 502, // the model provider failed after retries
  model_unavailable: 503, // the model provider is unreachable, overloaded or rate limited
  model_misconfigured: 503, // the model name or its provider settings are not usable
  misconfigured: 503, // an EDGENT_* setting the request needs has a value the runtime cannot use
  central_unavailable: 503, // the central model's circuit breaker is open
  session_unavailable: 503, // the session's object is restarting or overloaded: retry
  internal: 500, // a bug: never for bad input
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export const ERROR_CODES = Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]];
export type ErrorStatus = (typeof ERROR_STATUS)[ErrorCode];

/** The wire shape of every error body. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; turnId?: string; retryAfterMs?: number; guardrail?: string };
}

/** Base error of the runtime: a typed code that maps to an HTTP status at the router's edge. */
export class EdgentError<Code extends ErrorCode = ErrorCode> extends Error {
  override readonly name = "EdgentError";
  readonly code: Code;
  readonly details: { turnId?: string; retryAfterMs?: number; guardrail?: string };

  constructor(
    code: Code,
    message: string,
    options: { cause?: unknown; turnId?: string; retryAfterMs?: number; guardrail?: string } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.details = {
      ...(options.turnId ? { turnId: options.turnId } : {}),
      ...(options.retryAfterMs !== undefined ? { retryAfterMs: options.retryAfterMs } : {}),
      ...(options.guardrail ? { guardrail: options.guardrail } : {}),
    };
  }

  get status(): (typeof ERROR_STATUS)[Code] {
    return ERROR_STATUS[this.code];
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...this.details } };
  }
}

/** A failure carried across Durable Object RPC, where class identity is lost. */
export interface Failure {
  code: ErrorCode;
  message: string;
  turnId?: string;
  /** when to try again, sent as Retry-After */
  retryAfterMs?: number;
  /** the guardrail that tripped (guardrail_tripped) */
  guardrail?: string;
}

/** Rebuilds an EdgentError from a failure that crossed an RPC boundary. */
export function fromFailure(failure: Failure): EdgentError {
  return new EdgentError(failure.code, failure.message, {
    turnId: failure.turnId,
    retryAfterMs: failure.retryAfterMs,
    guardrail: failure.guardrail,
  });
}

/** Why a message was not run as a turn at all; nothing was stored. */
export type Refusal = "not_found" | "idempotency_conflict" | "busy" | "superseded";

/** The one table of refusals, for HTTP, SSE and WebSocket alike. */
const REFUSALS: Readonly<Record<Refusal, (sessionId: string) => { code: ErrorCode; message: string }>> = {
  not_found: (sessionId) => ({ code: "not_found", message: `session '${sessionId}' not found` }),
  idempotency_conflict: () => ({
    code: "conflict",
    message: "Idempotency-Key was already used with a different request body",
  }),
  busy: () => ({ code: "conflict", message: "a turn is running and this message's onBusy policy is reject" }),
  superseded: () => ({ code: "conflict", message: "superseded by an interrupting message; nothing was stored" }),
};

/** A refusal of a message to `sessionId`, as a failure. */
export function refusalFailure(refusal: Refusal, sessionId: string): Failure {
  return REFUSALS[refusal](sessionId);
}
