import type { ErrorCode } from "../shared/errors";

/** What an error answer said. */
export interface ApiErrorDetails {
  status: number;
  code: ErrorCode | "unknown";
  message: string;
  /** the failed turn, for a turn that ran and failed */
  turnId?: string;
  /** when to try again (429, 503) */
  retryAfterMs?: number;
}

/** An error answer of the Edgent API: its HTTP status and the error vocabulary's code. */
export class EdgentApiError extends Error {
  override readonly name = "EdgentApiError";
  readonly status: number;
  readonly code: ErrorCode | "unknown";
  readonly turnId: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(details: ApiErrorDetails) {
    super(details.message);
    this.status = details.status;
    this.code = details.code;
    this.turnId = details.turnId;
    this.retryAfterMs = details.retryAfterMs;
  }
}
