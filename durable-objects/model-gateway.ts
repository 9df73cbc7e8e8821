import { DurableObject } from "cloudflare:workers";
import type { LanguageModelV4GenerateResult } from "@ai-sdk/provider";
import { RetryError } from "ai";
import type {
  GatewayCallOptions,
  GatewayEvent,
  GatewayFailure,
  GatewayOutcome,
  LateUsage,
  UsageBatch,
  UsageLine,
} from "../shared/contracts/gateway";
import { type BreakerSnapshot, CircuitBreaker } from "../shared/models/breaker";
import { budgetPeriod } from "../shared/models/budget-period";
import { classifyModelFailure } from "../shared/models/failure";
import { shardShare } from "../shared/models/gateway-shards";
import { ModelCatalog, nanosToUsd } from "../shared/models/pricing";
import { resolveModel } from "../shared/models/resolve";
import { isTransient, withRetries } from "../shared/models/retry";
import { Semaphore } from "../shared/models/semaphore";
import { GATEWAY_SETTINGS, type Settings, settingsOf } from "../shared/settings";
import { CallTrace } from "./gateway/call-trace";
import type { GatewayApi, GatewayRequest } from "./rpc";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS edgent_budget (period TEXT PRIMARY KEY, tokens INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS edgent_breakers (model TEXT PRIMARY KEY, state TEXT NOT NULL, failures INTEGER NOT NULL, opened_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS edgent_reports (session TEXT PRIMARY KEY, through_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS edgent_usage (
  model TEXT NOT NULL, agent TEXT NOT NULL, tier TEXT NOT NULL,
  calls INTEGER NOT NULL, input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL, cost_nanos INTEGER NOT NULL,
  PRIMARY KEY (model, agent, tier)
);
`;

/**
 * One per tenant, shared by all its sessions: every central model call goes through here.
 * It enforces a concurrency limit (callers queue briefly, then get 429 with Retry-After), a
 * token budget per period, and a circuit breaker per model whose state every session sees;
 * it retries transient failures with jittered backoff, falls back to a configured model,
 * and keeps the tenant's usage per model and agent.
 */
export class ModelGateway extends DurableObject<Env> implements GatewayApi {
  private readonly settings: Settings;
  /** why the settings cannot be used, if they cannot */
  private readonly problem: string | null;
  private readonly catalog: ModelCatalog;
  private readonly slots: Semaphore;
  private readonly breakers = new Map<string, CircuitBreaker>();
  // tokens held by central calls in flight
  private reserved = 0;
  // usage of recent calls, for sessions that stopped waiting for them
  private readonly late = new Map<string, LateUsage>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const loaded = settingsOf(env);
    // a shard of a sharded gateway enforces its share of the tenant's budget and concurrency
    this.settings = shardSettings(loaded.values);
    this.problem = loaded.problem(GATEWAY_SETTINGS);
    this.catalog = new ModelCatalog(this.settings.EDGENT_MODEL_SPECS);
    this.slots = new Semaphore(this.settings.EDGENT_GATEWAY_CONCURRENCY);
    ctx.storage.sql.exec(SCHEMA);
  }

  async generate(request: GatewayRequest): Promise<GatewayOutcome> {
    const events: GatewayEvent[] = [];
    // a traced call's spans go back to the session with the outcome, to be kept with its turn
    const trace =
      this.settings.EDGENT_TRACING === "on" ? CallTrace.of(request.traceparent, request.model, request.agent) : null;
    const outcome = await this.admit(request, events, trace);
    return trace ? { ...outcome, spans: trace.finish(outcome, events) } : outcome;
  }

  private async admit(
    request: GatewayRequest,
    events: GatewayEvent[],
    trace: CallTrace | null,
  ): Promise<GatewayOutcome> {
    if (this.problem) return refused({ code: "model_misconfigured", message: this.problem }, events);
    const concurrency = this.settings.EDGENT_GATEWAY_CONCURRENCY;
    const waiting = Date.now();
    const slot = await this.slots.acquire(this.settings.EDGENT_GATEWAY_MAX_WAIT_MS);
    const queue = { "edgent.gateway.queue_wait_ms": Date.now() - waiting, "edgent.gateway.concurrency": concurrency };
    if (!slot.ok) {
      trace?.admitted("saturated", queue);
      events.push({ name: "saturated", data: { waitedMs: slot.waitedMs, concurrency } });
      const message = `the central model gateway is at its limit of ${concurrency} concurrent calls`;
      return refused({ code: "gateway_saturated", message, retryAfterMs: 1_000 }, events);
    }
    // calls in flight hold an estimate of their tokens, so concurrent calls cannot overspend
    // the budget by more than one call's error in that estimate
    const estimate = estimateCallTokens(request.options);
    let held = 0;
    try {
      const budget = this.settings.EDGENT_CENTRAL_BUDGET_TOKENS;
      const period = budgetPeriod(this.settings.EDGENT_BUDGET_PERIOD, Date.now());
      const spent = this.spent(period.key);
      const standing = {
        ...queue,
        "edgent.budget.period": period.key,
        "edgent.budget.spent_tokens": spent,
        "edgent.budget.reserved_tokens": this.reserved,
        "edgent.budget.limit_tokens": budget,
      };
      if (spent + this.reserved >= budget) {
        trace?.admitted("budget_exhausted", standing);
        events.push({ name: "budget_refused", data: { spent, budget, period: period.key } });
        const message = `the tenant's central model budget of ${budget} tokens for ${period.key} is spent`;
        return refused({ code: "budget_exhausted", message, retryAfterMs: period.endsAt - Date.now() }, events);
      }
      trace?.admitted("admitted", standing);
      this.reserved += estimate;
      held = estimate;
      const fallback = this.settings.EDGENT_FALLBACK_MODELS[request.model];
      const candidates = fallback ? [request.model, fallback] : [request.model];
      let last: GatewayOutcome | undefined;
      for (const [index, model] of candidates.entries()) {
        if (index > 0) events.push({ name: "fallback", data: { from: candidates[index - 1] as string, to: model } });
        last = await this.call(model, request, events, trace);
        if (last.ok) return last;
      }
      return last as GatewayOutcome;
    } finally {
      this.reserved -= held;
      slot.release();
    }
  }

  async report(batch: UsageBatch): Promise<void> {
    const sql = this.ctx.storage.sql;
    // an id erased and created again numbers its calls from 1 again: each life is its own sender
    const sender = batch.incarnation ? `${batch.sessionId}\u0000${batch.incarnation}` : batch.sessionId;
    const seen = sql
      .exec<{ through_id: number }>("SELECT through_id FROM edgent_reports WHERE session = ?", sender)
      .toArray()[0];
    if (seen && seen.through_id >= batch.throughId) return;
    for (const line of batch.lines) {
      this.addUsage(line.model, line.agent, line.tier, line.inputTokens, line.outputTokens, line.costNanos, line.calls);
    }
    sql.exec("INSERT OR REPLACE INTO edgent_reports (session, through_id) VALUES (?, ?)", sender, batch.throughId);
  }

  async lateUsage(callId: string): Promise<LateUsage | null> {
    const late = this.late.get(callId) ?? null;
    this.late.delete(callId);
    return late;
  }

  async usage(): Promise<{
    lines: UsageLine[];
    budget: { period: string; spentTokens: number; budgetTokens: number };
  }> {
    const lines = this.ctx.storage.sql
      .exec<Record<string, string | number>>("SELECT * FROM edgent_usage ORDER BY model, agent, tier")
      .toArray()
      .map((row) => ({
        model: String(row.model),
        agent: String(row.agent),
        tier: row.tier === "central" ? ("central" as const) : ("local" as const),
        calls: Number(row.calls),
        inputTokens: Number(row.input_tokens),
        outputTokens: Number(row.output_tokens),
        costUsd: nanosToUsd(Number(row.cost_nanos)),
      }));
    const period = budgetPeriod(this.settings.EDGENT_BUDGET_PERIOD, Date.now());
    return {
      lines,
      budget: {
        period: period.key,
        spentTokens: this.spent(period.key),
        budgetTokens: this.settings.EDGENT_CENTRAL_BUDGET_TOKENS,
      },
    };
  }

  private async call(
    model: string,
    request: GatewayRequest,
    events: GatewayEvent[],
    trace: CallTrace | null,
  ): Promise<GatewayOutcome> {
    const breaker = this.breaker(model);
    const decision = this.track(model, breaker, events, () => breaker.request(Date.now()));
    if (!decision.allowed) {
      trace?.refusedByBreaker(model, breaker.state, decision.retryAfterMs);
      const message = `the circuit for '${model}' is open`;
      return refused({ code: "central_unavailable", message, retryAfterMs: decision.retryAfterMs }, events);
    }
    const resolved = resolveModel(model, this.env);
    if (!resolved.ok) {
      breaker.release();
      return refused({ code: "model_misconfigured", message: resolved.error }, events);
    }
    const provider = trace ? trace.attempts(resolved.model, model, breaker.state) : resolved.model;
    const retrying = withRetries(provider, {
      maxRetries: this.settings.EDGENT_MODEL_MAX_RETRIES,
      baseDelayMs: this.settings.EDGENT_RETRY_BASE_MS,
      timeoutMs: this.settings.EDGENT_MODEL_TIMEOUT_MS,
      firstTokenMs: this.settings.EDGENT_MODEL_FIRST_TOKEN_MS,
      idleMs: this.settings.EDGENT_MODEL_IDLE_MS,
    });
    const started = Date.now();
    let result: LanguageModelV4GenerateResult;
    try {
      result = await retrying.doGenerate(request.options);
    } catch (error) {
      // a bad request says nothing about the model's health: only transient failures trip the breaker
      const last = RetryError.isInstance(error) ? error.lastError : error;
      if (isTransient(last)) this.track(model, breaker, events, () => breaker.failure(Date.now()));
      else breaker.release();
      const failure = classifyModelFailure(error, model);
      return refused({ code: failure.code, message: failure.message }, events);
    }
    this.track(model, breaker, events, () => breaker.success());
    const inputTokens = result.usage.inputTokens.total ?? 0;
    const outputTokens = result.usage.outputTokens.total ?? 0;
    const key = budgetPeriod(this.settings.EDGENT_BUDGET_PERIOD, Date.now()).key;
    this.ctx.storage.sql.exec(
      "INSERT INTO edgent_budget (period, tokens) VALUES (?, ?) ON CONFLICT (period) DO UPDATE SET tokens = tokens + excluded.tokens",
      key,
      inputTokens + outputTokens,
    );
    this.addUsage(
      model,
      request.agent,
      "central",
      inputTokens,
      outputTokens,
      this.catalog.costNanos(model, inputTokens, outputTokens),
    );
    // raw provider bodies are not needed by the caller and can be large
    const { request: _request, response, ...rest } = result;
    // the session records the call under the model that answered (a fallback, perhaps)
    const providerMetadata = { ...rest.providerMetadata, edgent: { ...rest.providerMetadata?.edgent, model } };
    const slim = response
      ? {
          ...rest,
          providerMetadata,
          response: { id: response.id, modelId: response.modelId, timestamp: response.timestamp },
        }
      : { ...rest, providerMetadata };
    if (request.callId) this.rememberLate(request.callId, { model, inputTokens, outputTokens });
    return { ok: true, result: slim, model, latencyMs: Date.now() - started, events };
  }

  /** Runs a breaker operation, reporting a state change to this call and storing the new state. */
  private track<T>(model: string, breaker: CircuitBreaker, events: GatewayEvent[], operation: () => T): T {
    const before = breaker.toJSON();
    const from = before.state;
    const result = operation();
    const { state, failures, openedAt } = breaker.toJSON();
    if (state !== from) events.push({ name: "breaker", data: { model, from, to: state } });
    // most calls leave a closed breaker as it was: only a change is a row written
    if (state === from && failures === before.failures && openedAt === before.openedAt) return result;
    this.ctx.storage.sql.exec(
      "INSERT OR REPLACE INTO edgent_breakers (model, state, failures, opened_at) VALUES (?, ?, ?, ?)",
      model,
      state,
      failures,
      openedAt,
    );
    return result;
  }

  private breaker(model: string): CircuitBreaker {
    let breaker = this.breakers.get(model);
    if (!breaker) {
      const row = this.ctx.storage.sql
        .exec<{ state: string; failures: number; opened_at: number }>(
          "SELECT * FROM edgent_breakers WHERE model = ?",
          model,
        )
        .toArray()[0];
      const snapshot: BreakerSnapshot | undefined = row
        ? { state: row.state as BreakerSnapshot["state"], failures: row.failures, openedAt: row.opened_at }
        : undefined;
      breaker = new CircuitBreaker(
        {
          failureThreshold: this.settings.EDGENT_BREAKER_FAILURES,
          cooldownMs: this.settings.EDGENT_BREAKER_COOLDOWN_MS,
        },
        snapshot,
      );
      this.breakers.set(model, breaker);
    }
    return breaker;
  }

  private rememberLate(callId: string, usage: LateUsage): void {
    if (this.late.size >= 1_000) this.late.delete(this.late.keys().next().value as string);
    this.late.set(callId, usage);
  }

  private spent(period: string): number {
    return (
      this.ctx.storage.sql
        .exec<{ tokens: number }>("SELECT tokens FROM edgent_budget WHERE period = ?", period)
        .toArray()[0]?.tokens ?? 0
    );
  }

  private addUsage(
    model: string,
    agent: string,
    tier: string,
    input: number,
    output: number,
    costNanos: number,
    calls = 1,
  ): void {
    this.ctx.storage.sql.exec(
      `INSERT INTO edgent_usage (model, agent, tier, calls, input_tokens, output_tokens, cost_nanos) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (model, agent, tier) DO UPDATE SET calls = calls + excluded.calls, input_tokens = input_tokens + excluded.input_tokens,
       output_tokens = output_tokens + excluded.output_tokens, cost_nanos = cost_nanos + excluded.cost_nanos`,
      model,
      agent,
      tier,
      calls,
      input,
      output,
      costNanos,
    );
  }
}

/** The settings as one of EDGENT_GATEWAY_SHARDS shards enforces them. */
function shardSettings(settings: Settings): Settings {
  const share = shardShare(
    { budgetTokens: settings.EDGENT_CENTRAL_BUDGET_TOKENS, concurrency: settings.EDGENT_GATEWAY_CONCURRENCY },
    settings.EDGENT_GATEWAY_SHARDS,
  );
  return {
    ...settings,
    EDGENT_CENTRAL_BUDGET_TOKENS: share.budgetTokens,
    EDGENT_GATEWAY_CONCURRENCY: share.concurrency,
  };
}

/** A call the gateway did not make, or that failed, with what happened on the way. */
function refused(failure: GatewayFailure, events: GatewayEvent[]): GatewayOutcome {
  return { ok: false, failure, events };
}

/** A generous guess at a call's tokens: its prompt plus the most it may answer. */
function estimateCallTokens(options: GatewayCallOptions): number {
  return Math.ceil(JSON.stringify(options.prompt).length / 4) + (options.maxOutputTokens ?? 1_000);
}
