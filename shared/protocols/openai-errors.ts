import type { OpenAiError } from "../contracts/openai";
import { ERROR_STATUS, type ErrorCode, type ErrorStatus } from "../errors";

/** An Edgent error as the OpenAI-compatible routes answer it. */
export interface OpenAiFailure {
  status: ErrorStatus;
  body: OpenAiError;
  /** false where a retry cannot succeed: the official client then does not retry (x-should-retry) */
  retry: boolean;
}

// codes a retry cannot fix, though their status (409, 429, 503) invites one
const FINAL: ReadonlySet<ErrorCode> = new Set(["conflict", "budget_exhausted", "misconfigured", "model_misconfigured"]);

/** OpenAI's error `type` for a status (and the quota case). */
function typeOf(code: ErrorCode, status: number): string {
  if (code === "budget_exhausted") return "insufficient_quota";
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

/**
 * Maps an error of the one vocabulary to OpenAI's envelope. A message that starts with the
 * field at fault (`messages.2.content: ...`, as validation and refusals write them) names it
 * in `param`; an unknown model is `model_not_found`, as OpenAI says it.
 */
export function openAiFailure(error: { code: ErrorCode; message: string }): OpenAiFailure {
  const status = ERROR_STATUS[error.code];
  const field = /^([A-Za-z_][\w.[\]-]*): /.exec(error.message)?.[1] ?? null;
  const code = error.code === "not_found" && field === "model" ? "model_not_found" : error.code;
  return {
    status,
    body: { error: { message: error.message, type: typeOf(error.code, status), code, param: field } },
    retry: !FINAL.has(error.code),
  };
}
