import { APICallError, RetryError } from "ai";

/** A model call that failed after retries: try later (503), or the provider is broken (502). */
export interface ModelFailure {
  code: "model_unavailable" | "model_error";
  message: string;
}

/** Statuses that mean the provider is overloaded or unreachable rather than broken. */
const UNAVAILABLE_STATUSES = new Set([408, 429, 503, 504, 529]);

/**
 * Turns a model provider error (after the SDK's retries) into a failure the client can act
 * on: `model_unavailable` (503, try later) or `model_error` (502). Messages name the
 * provider's status, never request contents.
 */
export function classifyModelFailure(error: unknown, model: string): ModelFailure {
  const attempts = RetryError.isInstance(error) ? error.errors.length : 1;
  const last = RetryError.isInstance(error) ? error.lastError : error;
  const tries = attempts > 1 ? ` after ${attempts} attempts` : "";
  if (APICallError.isInstance(last)) {
    const unavailable = last.statusCode === undefined || UNAVAILABLE_STATUSES.has(last.statusCode);
    const status = last.statusCode === undefined ? "could not be reached" : `answered HTTP ${last.statusCode}`;
    return {
      code: unavailable ? "model_unavailable" : "model_error",
      message: `model '${model}' ${status}${tries}`,
    };
  }
  const name = last instanceof Error ? last.name : "error";
  if (name === "TimeoutError") {
    return { code: "model_unavailable", message: `model '${model}' did not answer in time${tries}` };
  }
  return { code: "model_error", message: `model '${model}' failed${tries} (${name})` };
}
