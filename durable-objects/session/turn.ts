import type { LanguageModelV4 } from "@ai-sdk/provider";
import { z } from "zod";
import type { AgentDefinition, DelegationPort, FactMemory } from "../../shared/agents/define";
import { planBudget } from "../../shared/context/budget";
import type { ServerFrame, TurnStatus } from "../../shared/contracts/frames";
import type { GatewayEvent } from "../../shared/contracts/gateway";
import type { Message, TurnResponse } from "../../shared/contracts/message";
import { delegateInputSchema } from "../../shared/contracts/task";
import type { Failure } from "../../shared/errors";
import { log } from "../../shared/log";
import type { ModelCatalog } from "../../shared/models/pricing";
import type { ModelSettings } from "../../shared/models/settings";
import { runCascade } from "./cascade";
import { buildContext } from "./context";
import type { TurnLedger } from "./ledger";
import { fromStepMessages } from "./messages";
import { type NewMessage, type SessionMeta, type SessionStore, toUsage, type UsageNanos } from "./store";
import type { Toolbox } from "./toolbox";

/** Where a turn reports what happens as it happens: deltas, stored messages, status. */
export interface TurnSink {
  emit(frame: ServerFrame): void;
}

/** Everything a turn needs from its session. */
export interface TurnOptions {
  store: SessionStore;
  ledger: TurnLedger;
  /** the session's facts, for the remember/recall tools */
  memory: FactMemory;
  meta: SessionMeta;
  agent: AgentDefinition;
  toolbox: Toolbox;
  settings: ModelSettings;
  catalog: ModelCatalog;
  local: { name: string; model: LanguageModelV4 };
  central: { name: string; model: LanguageModelV4; events: GatewayEvent[] };
  maxSteps: number;
  turnId: string;
  /** a new turn with the user's message, or a waiting turn going on with its sub-agents' results */
  begin:
    | { kind: "start"; content: string; clientId?: string }
    | { kind: "resume"; results: NewMessage[]; cancelled: boolean };
  /** the `delegate` tool's way out of the session, for agents that have delegates */
  delegation?: DelegationPort;
  /** the attempt number of the task this turn works on, in a sub-agent's session */
  taskAttempt?: number;
  sink: TurnSink;
  /** stream the model's output as deltas (someone is watching), or make one call per step */
  stream: boolean;
  /** aborted to cancel the turn */
  cancel: AbortSignal;
}

/** How a turn ended, or that it waits for its sub-agents. */
export type TurnOutcome =
  | { status: "completed"; response: TurnResponse }
  | { status: "failed"; failure: Failure }
  | { status: "pending"; turnId: string };

/**
 * Runs one turn: stores the user message, builds a bounded context, runs the model cascade
 * (local, escalating to central when it is not enough), and stores every step as it ends.
 * A provider failure marks the turn failed; a cancel stores what was produced, marked
 * cancelled. What was stored stays stored either way.
 */
export async function runTurn(options: TurnOptions): Promise<TurnOutcome> {
  const { store, ledger, meta, agent, turnId, sink, begin } = options;
  const started = Date.now();
  const appended: Message[] = [];
  const keep = (message: NewMessage): Message => {
    const stored = store.append(message);
    appended.push(stored);
    sink.emit({ type: "message", message: stored });
    return stored;
  };
  const client = begin.kind === "start" && begin.clientId ? { clientId: begin.clientId } : {};
  let steps = 0;
  if (begin.kind === "start") {
    ledger.start(turnId, options.local.name);
    keep({ turnId, role: "user", content: begin.content });
    sink.emit({ type: "turn", turnId, status: "started", ...client });
  } else {
    const parked = ledger.resume(turnId);
    if (!parked) return { status: "failed", failure: { code: "internal", message: "the turn is not waiting", turnId } };
    steps = parked.steps;
    appended.push(...store.turnMessages(turnId, parked.firstSeq));
    for (const result of begin.results) keep(result);
  }
  const firstSeq = (appended[0] as Message).seq;
  let compacted = false;

  const end = (status: Exclude<TurnStatus, "started">, usage: UsageNanos, model: string, errorCode?: string) => {
    log({
      event: "turn",
      tenant: meta.tenant,
      sessionId: meta.sessionId,
      agent: agent.name,
      turnId,
      status,
      durationMs: Date.now() - started,
      model,
      steps,
      compacted,
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
      modelCalls: usage.modelCalls,
      ...(errorCode ? { errorCode } : {}),
    });
    sink.emit({ type: "turn", turnId, status, ...client });
    return toUsage(usage);
  };

  if (begin.kind === "resume" && begin.cancelled) {
    // cancelled while it waited for sub-agents: nothing more was produced
    const reply = keep({ turnId, role: "assistant", content: "", cancelled: true });
    const usage = end("cancelled", ledger.end(turnId, { status: "cancelled", steps }), options.local.name);
    const answeredBy = { model: options.local.name, tier: "local" as const };
    return {
      status: "completed",
      response: { turnId, status: "cancelled", reply, messages: appended, usage, answeredBy },
    };
  }

  try {
    const context = await buildContext({
      store,
      ledger,
      meta,
      instructions: agent.instructions,
      plan: planBudget(agent.contextBudget, fixedContextText(agent)),
      model: options.local.model,
      modelName: options.local.name,
      catalog: options.catalog,
      turnId,
      currentSeq: firstSeq,
    });
    compacted = context.compacted;
    const toolContext = {
      tenant: meta.tenant,
      sessionId: meta.sessionId,
      turnId,
      memory: options.memory,
      now: () => new Date(),
      ...(options.delegation ? { delegation: options.delegation } : {}),
    };
    // steps before the turn waited count: a model out of steps gets one last call to read its
    // sub-agents' results, without the delegate tool
    const lastLook = steps >= options.maxSteps;
    const result = await options.toolbox.during(toolContext, () =>
      runCascade({
        agent,
        settings: options.settings,
        local: { ...options.local, contextWindow: options.catalog.spec(options.local.name).contextWindow },
        central: options.central,
        instructions: context.instructions,
        messages: context.messages,
        tools: lastLook ? options.toolbox.withoutDelegate() : options.toolbox.tools,
        maxSteps: lastLook ? 1 : options.maxSteps - steps,
        taskAttempt: options.taskAttempt,
        stream: options.stream,
        cancel: options.cancel,
        turnId,
        catalog: options.catalog,
        ledger,
        sink,
        persist: (messages) => {
          for (const message of messages) keep(message);
        },
      }),
    );
    steps += result.steps;
    if (result.status === "failed") throw new TurnFailed(result.failure);
    if (result.status === "delegated") {
      // durable before the tasks go out: the turn goes on in whatever life of the object gets the results
      end("waiting", ledger.suspend(turnId, steps, firstSeq), result.answeredBy.model);
      return { status: "pending", turnId };
    }
    if (result.status === "cancelled") {
      // what the model had produced when it was stopped is kept, marked cancelled
      const reply = keep({ turnId, role: "assistant", content: result.partial, cancelled: true });
      const { answeredBy } = result;
      if (answeredBy.tier === "central") store.countEscalation();
      const usage = end(
        "cancelled",
        ledger.end(turnId, { status: "cancelled", steps, answeredBy: answeredBy.model }),
        answeredBy.model,
      );
      return {
        status: "completed",
        response: { turnId, status: "cancelled", reply, messages: appended, usage, answeredBy },
      };
    }
    if (result.status === "answered") for (const message of fromStepMessages(turnId, result.final)) keep(message);
    let reply = appended.at(-1) as Message;
    if (result.status === "step_limit" || reply.role !== "assistant") {
      reply = keep({
        turnId,
        role: "assistant",
        content: `(stopped after ${options.maxSteps} steps without a final answer)`,
      });
    }
    const { answeredBy } = result;
    // a refused escalation is recorded on the turn, but only turns the central model took count
    if (answeredBy.tier === "central") store.countEscalation();
    const recorded = ledger.end(turnId, {
      status: "completed",
      steps,
      answeredBy: answeredBy.model,
      ...(answeredBy.escalation ? { escalation: JSON.stringify(answeredBy.escalation) } : {}),
    });
    const usage = end("completed", recorded, answeredBy.model);
    return {
      status: "completed",
      response: { turnId, status: "completed", reply, messages: appended, usage, answeredBy },
    };
  } catch (error) {
    const failure: Failure =
      error instanceof TurnFailed
        ? error.failure
        : { code: "internal", message: "the turn could not be completed", turnId };
    end("failed", ledger.end(turnId, { status: "failed", steps, error: failure }), options.local.name, failure.code);
    sink.emit({ type: "error", error: failure });
    return { status: "failed", failure };
  }
}

/** Carries a turn's failure to the one place that records it. */
class TurnFailed extends Error {
  constructor(readonly failure: Failure) {
    super(failure.message);
  }
}

const fixedTextCache = new WeakMap<AgentDefinition, string>();

/** Instructions plus tool schemas: the part of every context that does not change. */
function fixedContextText(agent: AgentDefinition): string {
  let text = fixedTextCache.get(agent);
  if (text === undefined) {
    const schemas = Object.entries(agent.tools).map(([name, definition]) => ({
      name,
      description: definition.description,
      parameters: z.toJSONSchema(definition.parameters),
    }));
    if (agent.delegates.length > 0) {
      schemas.push({
        name: "delegate",
        description: agent.delegates.join(", "),
        parameters: z.toJSONSchema(delegateInputSchema),
      });
    }
    text = agent.instructions + JSON.stringify(schemas);
    fixedTextCache.set(agent, text);
  }
  return text;
}
