import type { LanguageModelV4CallOptions, LanguageModelV4GenerateResult } from "@ai-sdk/provider";
import type { ErrorCode } from "../errors";
import type { SpanData } from "./trace";

/** A model call as it crosses to the tenant's gateway: everything but the abort signal. */
export type GatewayCallOptions = Omit<LanguageModelV4CallOptions, "abortSignal" | "headers">;

/** Something the gateway did that a turn should report as an event. */
export type GatewayEvent =
  | { name: "breaker"; data: { model: string; from: string; to: string } }
  | { name: "budget_refused"; data: { spent: number; budget: number; period: string } }
  | { name: "saturated"; data: { waitedMs: number; concurrency: number } }
  | { name: "fallback"; data: { from: string; to: string } };

/** The error codes a central call through the gateway can end with. */
export type GatewayFailureCode = Extract<
  ErrorCode,
  | "budget_exhausted"
  | "gateway_saturated"
  | "central_unavailable"
  | "model_error"
  | "model_unavailable"
  | "model_misconfigured"
>;

/** Why the gateway did not return an answer. */
export interface GatewayFailure {
  code: GatewayFailureCode;
  message: string;
  retryAfterMs?: number;
}

/** What a central call through the gateway came to; `spans` when the caller sent a trace context. */
export type GatewayOutcome = (
  | { ok: true; result: LanguageModelV4GenerateResult; model: string; latencyMs: number; events: GatewayEvent[] }
  | { ok: false; failure: GatewayFailure; events: GatewayEvent[] }
) & { spans?: SpanData[] };

/** Usage of a central call that its session stopped waiting for. */
export interface LateUsage {
  model: string;
  inputTokens: number;
  outputTokens: number;
}

/** Calls and tokens of one model for one agent. */
interface UsageCounts {
  model: string;
  agent: string;
  tier: "local" | "central";
  calls: number;
  inputTokens: number;
  outputTokens: number;
}

/** One line of a tenant's usage, per model and agent (its wire schema is in ./usage). */
export type { UsageLine } from "./usage";

/** Usage of a session's local calls up to `throughId`, so a re-sent report counts once (per session life). */
export interface UsageBatch {
  sessionId: string;
  /** which life of the session id sent it (call numbers start again in each); absent for older sessions */
  incarnation?: string;
  /** the session's last model call this batch covers */
  throughId: number;
  lines: UsageReport[];
}

/** Usage of a local call, reported by a session so the tenant's totals include it. */
export interface UsageReport extends UsageCounts {
  costNanos: number;
}
