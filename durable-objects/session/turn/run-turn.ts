import { z } from "zod";
import type { AgentDefinition } from "../../../shared/agents/define";
import { planBudget } from "../../../shared/context/budget";
import type { Message, TurnResponse } from "../../../shared/contracts/message";
import { delegateInputSchema } from "../../../shared/contracts/task";
import type { Failure } from "../../../shared/errors";
import { log } from "../../../shared/log";
import type { McpToolSource, McpToolset } from "../mcp/remote-tools";
import { type NewMessage, toUsage, type UsageNanos } from "../storage/rows";
import { type AnsweredBy, runCascade } from "./cascade";
import { buildContext } from "./context";
import type { TurnEnding } from "./hooks";
import type { TurnRun } from "./run";
import { fromStepMessages } from "./transcript";

/** A new turn with the user's message, or a waiting turn going on with its sub-agents' results. */
export type TurnBegin =
  | { kind: "start"; content: string }
  | { kind: "resume"; results: NewMessage[]; cancelled: boolean };

/** How a turn ended, or that it waits for its sub-agents. */
export type TurnOutcome =
  | { status: "completed"; response: TurnResponse }
  | { status: "failed"; failure: Failure }
  | { status: "waiting"; turnId: string };

/**
 * Runs one turn: stores the user message, builds a bounded context, runs the model cascade
 * (local, escalating to central when it is not enough), and stores every step as it ends.
 * A provider failure marks the turn failed; a cancel stores what was produced, marked
 * cancelled. What was stored stays stored either way.
 */
export async function runTurn(run: TurnRun, begin: TurnBegin): Promise<TurnOutcome> {
  const { ledger, out, turnId } = run;
  const started = Date.now();
  let steps = 0;
  let compacted = false;

  /** Records and reports how the turn ended (or that it waits); returns its usage. */
  const end = (ending: TurnEnding & { model: string }, usage: UsageNanos) => {
    log({
      event: "turn",
      tenant: run.session.tenant,
      sessionId: run.session.sessionId,
      agent: run.agent.name,
      turnId,
      status: ending.status,
      durationMs: Date.now() - started,
      model: ending.model,
      steps,
      compacted,
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
      modelCalls: usage.modelCalls,
      ...(ending.errorCode ? { errorCode: ending.errorCode } : {}),
    });
    out.status(ending.status);
    run.hooks.turnEnded?.(ending);
    return toUsage(usage);
  };
  const fail = (failure: Failure): TurnOutcome => {
    const model = run.models.local.name;
    end(
      { status: "failed", errorCode: failure.code, model },
      ledger.end(turnId, { status: "failed", steps, error: failure }),
    );
    out.error(failure);
    return { status: "failed", failure };
  };
  const finish = (status: "completed" | "cancelled", reply: Message, answeredBy: AnsweredBy): TurnOutcome => {
    // a refused escalation is recorded on the turn, but only turns the central model took count
    if (answeredBy.tier === "central") run.store.countEscalation();
    const escalation =
      status === "completed" && answeredBy.escalation ? JSON.stringify(answeredBy.escalation) : undefined;
    const recorded = ledger.end(turnId, {
      status,
      steps,
      answeredBy: answeredBy.model,
      ...(escalation ? { escalation } : {}),
    });
    const usage = end({ status, model: answeredBy.model }, recorded);
    return { status: "completed", response: { turnId, status, reply, messages: out.messages, usage, answeredBy } };
  };

  if (begin.kind === "start") {
    ledger.start(turnId, run.models.local.name);
    out.input({ turnId, role: "user", content: begin.content });
    out.status("started");
    run.hooks.turnStarted?.();
  } else {
    const waited = ledger.resume(turnId);
    if (!waited) return { status: "failed", failure: { code: "internal", message: "the turn is not waiting", turnId } };
    steps = waited.steps;
    out.resumeWith(run.store.turnMessages(turnId, waited.firstSeq));
    run.hooks.turnStarted?.();
    for (const result of begin.results) await out.store(result);
    if (begin.cancelled) {
      // cancelled while it waited for sub-agents: nothing more was produced
      const reply = await out.store({ turnId, role: "assistant", content: "", cancelled: true });
      return finish("cancelled", reply, { model: run.models.local.name, tier: "local" });
    }
  }
  const firstSeq = (out.messages[0] as Message).seq;

  try {
    const mcp = run.mcp ? await mcpTools(run, run.mcp) : undefined;
    const context = await buildContext(run, {
      // the MCP tools' schemas go with every model call, like the agent's own
      plan: planBudget(run.agent.contextBudget, fixedContextText(run.agent) + (mcp?.schemaText ?? "")),
      currentSeq: firstSeq,
    });
    compacted = context.compacted;
    // steps before the turn waited count: a model out of steps gets one last call to read its
    // sub-agents' results, without the delegate tool
    const lastLook = steps >= run.models.maxSteps;
    const toolRun = {
      hooks: run.hooks,
      context: {
        tenant: run.session.tenant,
        sessionId: run.session.sessionId,
        turnId,
        memory: run.memory,
        now: () => new Date(),
        ...(run.delegation ? { delegation: run.delegation } : {}),
      },
    };
    const result = await run.toolbox.during(toolRun, () =>
      runCascade(run, {
        instructions: context.instructions,
        messages: context.messages,
        contextTokens: context.tokens,
        tools: run.toolbox.toolSet(mcp?.tools ?? [], !lastLook),
        maxSteps: lastLook ? 1 : run.models.maxSteps - steps,
      }),
    );
    steps += result.steps;
    switch (result.status) {
      case "failed":
        return fail(result.failure);
      case "waiting":
        // durable before the tasks go out: the turn goes on in whatever life of the object gets the results
        end({ status: "waiting", model: result.answeredBy.model }, ledger.wait(turnId, steps, firstSeq));
        return { status: "waiting", turnId };
      case "cancelled": {
        // what the model had produced when it was stopped is kept, marked cancelled
        const reply = await out.store({ turnId, role: "assistant", content: result.partial, cancelled: true });
        return finish("cancelled", reply, result.answeredBy);
      }
      case "answered":
      case "step_limit": {
        if (result.status === "answered") {
          for (const message of fromStepMessages(turnId, result.final)) await out.store(message);
        }
        let reply = out.messages.at(-1) as Message;
        if (result.status === "step_limit" || reply.role !== "assistant") {
          const content = `(stopped after ${run.models.maxSteps} steps without a final answer)`;
          reply = await out.store({ turnId, role: "assistant", content });
        }
        return finish("completed", reply, result.answeredBy);
      }
    }
  } catch {
    // a bug or a storage failure: what was stored stays stored, the turn is failed
    return fail({ code: "internal", message: "the turn could not be completed", turnId });
  }
}

/** The agent's MCP tools; a server that cannot be listed is an event and a notice, not a failed turn. */
async function mcpTools(run: TurnRun, source: McpToolSource): Promise<McpToolset> {
  const toolset = await source.tools(run.cancel);
  // a turn cancelled while it listed says nothing about the servers
  if (run.cancel.aborted) return toolset;
  for (const problem of toolset.problems) {
    run.out.event({ name: "mcp_unavailable", data: { ...problem } });
    log({
      event: "notice",
      level: "warn",
      message: "MCP server unavailable",
      tenant: run.session.tenant,
      sessionId: run.session.sessionId,
      turnId: run.turnId,
      server: problem.server,
      reason: problem.error,
    });
  }
  return toolset;
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
