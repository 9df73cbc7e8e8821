import type { LanguageModelV4 } from "@ai-sdk/provider";
import type { JSONValue } from "ai";
import type { AgentDefinition, DelegationPort, FactMemory } from "../../../shared/agents/define";
import type { McpToolSource } from "../mcp/remote-tools";
import type { CallPurpose, TurnLedger } from "../storage/ledger";
import type { SessionMeta } from "../storage/rows";
import type { SessionStore } from "../storage/session-store";
import type { SqlFootprint } from "../storage/sql-meter";
import type { RunApprovals } from "./approval-port";
import type { RunInfo, TraceContext, TurnEvent, TurnHooks } from "./hooks";
import { instrument } from "./model-call";
import type { OutputGate } from "./output-gate";
import type { Toolbox } from "./toolbox";
import { retrying, type TurnModels } from "./turn-models";

/** A turn's way to hand tasks to sub-agents, and which `delegate` calls it accepted. */
export interface RunDelegation extends DelegationPort {
  readonly accepted: ReadonlySet<string>;
}

/** What a run is made of; built once when the turn starts (or goes on after waiting). */
export interface TurnRunParts extends Omit<RunInfo, "models" | "messages"> {
  models: TurnModels;
  out: OutputGate;
  cancel: AbortSignal;
  ledger: TurnLedger;
  store: SessionStore;
  memory: FactMemory;
  toolbox: Toolbox;
  hooks: TurnHooks;
  /** what every model call of the turn carries as `providerOptions.edgent` */
  callMetadata: Record<string, JSONValue>;
  /** the central tier as the session reaches it (through the tenant's gateway) */
  central: LanguageModelV4;
  delegation?: RunDelegation;
  /** the tools of the agent's MCP servers, for an agent that uses some */
  mcp?: McpToolSource;
  /** holds tool calls for a person's approval */
  approvals?: RunApprovals;
  /** the session's SQL rows since the last turn ended, and its database size */
  sqlFootprint?: () => SqlFootprint;
}

/**
 * One turn's run: who, what and how, built once and handed down to every layer, which takes
 * the run plus only its own parameters. Its models are instrumented: every call passes the
 * run's hooks and is priced and recorded by the ledger.
 */
export class TurnRun implements Readonly<TurnRunParts> {
  readonly turnId: string;
  readonly kind: "start" | "resume";
  readonly session: SessionMeta;
  readonly agent: AgentDefinition;
  readonly models: TurnModels;
  readonly out: OutputGate;
  readonly cancel: AbortSignal;
  readonly streaming: boolean;
  readonly ledger: TurnLedger;
  readonly store: SessionStore;
  readonly memory: FactMemory;
  readonly toolbox: Toolbox;
  readonly hooks: TurnHooks;
  readonly trace: TraceContext;
  readonly callMetadata: Record<string, JSONValue>;
  readonly central: LanguageModelV4;
  readonly delegation?: RunDelegation;
  readonly mcp?: McpToolSource;
  readonly approvals?: RunApprovals;
  readonly sqlFootprint?: () => SqlFootprint;
  readonly emit: (event: TurnEvent) => void;
  private calls = 0;

  constructor(parts: TurnRunParts) {
    this.turnId = parts.turnId;
    this.kind = parts.kind;
    this.session = parts.session;
    this.agent = parts.agent;
    this.models = parts.models;
    this.out = parts.out;
    this.cancel = parts.cancel;
    this.streaming = parts.streaming;
    this.ledger = parts.ledger;
    this.store = parts.store;
    this.memory = parts.memory;
    this.toolbox = parts.toolbox;
    this.hooks = parts.hooks;
    this.trace = parts.trace;
    this.callMetadata = parts.callMetadata;
    this.central = parts.central;
    if (parts.delegation) this.delegation = parts.delegation;
    if (parts.mcp) this.mcp = parts.mcp;
    if (parts.approvals) this.approvals = parts.approvals;
    if (parts.sqlFootprint) this.sqlFootprint = parts.sqlFootprint;
    this.emit = parts.emit;
  }

  /** The model of a tier for calls made for `purpose`: instrumented, and retried if local. */
  model(tier: "local" | "central", purpose: CallPurpose): LanguageModelV4 {
    if (tier === "central") return instrument(this, this.central, { tier, model: this.models.central.name, purpose });
    const { local } = this.models;
    // retries wrap the instrumented model, so each attempt is a call of its own
    return retrying(instrument(this, local.model, { tier, model: local.name, purpose }), this.models.settings);
  }

  /** Numbers the turn's model calls from 1. */
  nextCallIndex(): number {
    return ++this.calls;
  }

  /** The local model's context window, from the ledger's catalog. */
  get localWindow(): number {
    return this.ledger.contextWindow(this.models.local.name);
  }
}
