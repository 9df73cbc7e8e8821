import type { JSONValue } from "ai";
import type { AgentDefinition, FactMemory } from "../../../shared/agents/define";
import { findAgent } from "../../../shared/agents/registry";
import type { Failure } from "../../../shared/errors";
import type { ModelEnv } from "../../../shared/models/resolve";
import { GOVERNANCE_SETTINGS, settingsOf } from "../../../shared/settings";
import type { GatewayApi } from "../../rpc";
import type { McpToolSource } from "../mcp/remote-tools";
import type { TurnLedger } from "../storage/ledger";
import type { SessionMeta } from "../storage/rows";
import type { SessionStore } from "../storage/session-store";
import type { SqlFootprint } from "../storage/sql-meter";
import type { RunApprovals } from "./approval-port";
import { centralModel } from "./central-model";
import type { RunInfo, TraceContext } from "./hooks";
import { combineHooks, type HookSource } from "./hooks";
import { OutputGate, type TurnSink } from "./output-gate";
import { type RunDelegation, TurnRun } from "./run";
import { runTurn, type TurnBegin, type TurnOutcome } from "./run-turn";
import { Toolbox } from "./toolbox";
import { chooseModels } from "./turn-models";

/** A turn to run, as the conductor hands it over. */
export interface TurnOrder {
  meta: SessionMeta;
  turnId: string;
  begin: TurnBegin;
  clientId?: string;
  /** what the turn's model calls carry as `providerOptions.edgent`, besides the turn id */
  callMetadata?: Record<string, JSONValue>;
  /** a caller streams the turn (SSE): it streams its text even if no live client watches */
  streamed?: boolean;
  /** the W3C `traceparent` the request came with (the router's span); ignored if malformed */
  traceparent?: string;
}

/** What the turn runner needs from its session object. */
export interface TurnRunnerOptions {
  env: ModelEnv & object;
  store: SessionStore;
  ledger: TurnLedger;
  memory: FactMemory;
  /** where a turn's frames go: its recording (which streams read), then the session's live clients */
  frames(turnId: string, resumed: boolean): TurnSink;
  /** whether any live client is connected, or someone reads the turn's stream, and so wants deltas */
  watched(turnId: string): boolean;
  /** the tenant's gateway (the session's shard of it), for central calls */
  gateway(tenant: string, sessionId: string): GatewayApi;
  /** the turn's trace, and the `delegate` tool's way out for an agent that has delegates */
  delegation(
    agent: AgentDefinition,
    turnId: string,
    incoming?: { kind: "start" | "resume"; traceparent?: string },
  ): { ok: true; port?: RunDelegation; trace: TraceContext } | { ok: false; failure: Failure };
  /** called after each turn: the session schedules a report of its local usage to the gateway */
  usageRecorded(): void;
  /** the agent's MCP tools, if it uses MCP servers; a configuration error refuses the turn */
  mcp?(agent: AgentDefinition): { ok: true; source?: McpToolSource } | { ok: false; failure: Failure };
  /** the turn's way to hold tool calls for a person's approval */
  approvals?(meta: SessionMeta, turnId: string): RunApprovals;
  /** the session's SQL rows since the last turn ended, and its database size */
  sqlFootprint?(): SqlFootprint;
}

/**
 * Builds one run per turn (its models, tools, output gate, hooks, cancel signal) and runs
 * it; keeps the running turn so it can be cancelled. Hook sources registered here see
 * every turn of the session.
 */
export class TurnRunner {
  private readonly sources: HookSource[] = [];
  private readonly guards: HookSource[] = [];
  private toolbox: Toolbox | undefined;
  private running: { turnId: string; controller: AbortController; done: Promise<TurnOutcome> } | null = null;

  constructor(private readonly options: TurnRunnerOptions) {}

  /**
   * Adds hooks to every turn from now on (tracing, guardrails, observers). Guards (`guard`)
   * come before every other source, whenever they are added, so observers only ever see what
   * the guards let through.
   */
  addHooks(source: HookSource, options: { guard?: boolean } = {}): void {
    (options.guard ? this.guards : this.sources).push(source);
  }

  /** The turn running now, if any. */
  get runningTurn(): string | null {
    return this.running?.turnId ?? null;
  }

  /** Cancels the running turn if it is `turnId`, and waits for it to store what it produced. */
  async cancel(turnId: string): Promise<boolean> {
    if (this.running?.turnId !== turnId) return false;
    const { controller, done } = this.running;
    controller.abort();
    await done;
    return true;
  }

  /** Runs a turn. A turn that cannot start (settings, an agent gone) fails without storing anything. */
  async run(order: TurnOrder): Promise<TurnOutcome> {
    const { meta, turnId, begin } = order;
    const { env, ledger, store } = this.options;
    const agent = findAgent(meta.agent);
    if (!agent) {
      const message = `agent '${meta.agent}' is no longer deployed`;
      return this.refuse(order, { code: "model_misconfigured", message });
    }
    const chosen = chooseModels(agent, env);
    if (!chosen.ok) return this.refuse(order, chosen.failure);
    const mcp = this.options.mcp?.(agent) ?? { ok: true };
    if (!mcp.ok) return this.refuse(order, mcp.failure);
    // a broken policy fails closed: no turn runs without the governance it was meant to have
    const governance = settingsOf(env).require(GOVERNANCE_SETTINGS);
    if (!governance.ok) return this.refuse(order, governance.failure);
    if (this.toolbox?.agent !== agent) this.toolbox = new Toolbox(agent);
    const sink = this.options.frames(turnId, begin.kind === "resume");
    const controller = new AbortController();
    const delegation = this.options.delegation(agent, turnId, {
      kind: begin.kind,
      ...(order.traceparent ? { traceparent: order.traceparent } : {}),
    });
    if (!delegation.ok) return this.refuse(order, delegation.failure);
    const { port, trace } = delegation;
    // hooks report events through the gate, which needs the hooks first
    const late: { gate?: OutputGate } = {};
    const info: RunInfo = {
      turnId,
      kind: begin.kind,
      session: meta,
      agent: agent,
      models: { local: chosen.models.local.name, central: chosen.models.central.name },
      streaming: order.streamed === true || this.options.watched(turnId),
      trace,
      emit: (event) => late.gate?.event(event),
      messages: () => late.gate?.messages ?? [],
      ...(begin.kind === "resume" ? { resumedCalls: begin.results.flatMap((r) => r.toolCallId ?? []) } : {}),
    };
    const hooks = combineHooks([...this.guards, ...this.sources].flatMap((source) => source(info) ?? []));
    // output a guardrail blocks stops the turn's model calls, like a cancel
    const gate = new OutputGate(turnId, store, sink, hooks, order.clientId, () => controller.abort());
    late.gate = gate;
    const approvals = this.options.approvals?.(meta, turnId);
    // most turns never escalate: the gateway's stub is made on first use
    let gateway: GatewayApi | undefined;
    const run = new TurnRun({
      ...info,
      models: chosen.models,
      out: gate,
      cancel: controller.signal,
      ledger,
      store,
      memory: this.options.memory,
      toolbox: this.toolbox,
      hooks,
      callMetadata: { turnId, ...order.callMetadata },
      central: centralModel({
        gateway: () => {
          gateway ??= this.options.gateway(meta.tenant, meta.sessionId);
          return gateway;
        },
        model: chosen.models.central.name,
        agent: meta.agent,
        event: (event) => gate.event(event),
        spans: (spans) => hooks.remoteSpans?.(spans),
        // a cancelled turn's central call still cost tokens: it counts in the session's totals
        lateUsage: (usage) => ledger.recordCall({ turnId, purpose: "turn", tier: "central", latencyMs: 0, ...usage }),
      }),
      ...(port ? { delegation: port } : {}),
      ...(mcp.source ? { mcp: mcp.source } : {}),
      ...(approvals ? { approvals } : {}),
      ...(this.options.sqlFootprint ? { sqlFootprint: this.options.sqlFootprint } : {}),
    });
    const done = runTurn(run, begin);
    this.running = { turnId, controller, done };
    try {
      return await done;
    } finally {
      this.running = null;
      // the tenant's totals include local calls too: they are reported in batches, not per turn
      this.options.usageRecorded();
    }
  }

  /** A turn that cannot run: a new one fails with nothing stored; a waiting one is failed, not left waiting. */
  private refuse(order: TurnOrder, cause: Failure): TurnOutcome {
    if (order.begin.kind === "start") return { status: "failed", failure: cause };
    const { ledger } = this.options;
    const { turnId } = order;
    const failure = { ...cause, turnId };
    const waited = ledger.resume(turnId);
    if (waited) ledger.end(turnId, { status: "failed", steps: waited.steps, error: failure });
    // as a turn that fails while it runs: live clients and the turn's streams see it end
    const sink = this.options.frames(turnId, true);
    sink.emit({ type: "error", error: failure });
    sink.emit({ type: "turn", turnId, status: "failed" });
    return { status: "failed", failure };
  }
}
