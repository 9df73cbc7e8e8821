import { z } from "zod";
import type { AgentDefinition } from "../../../shared/agents/define";
import { planBudget } from "../../../shared/context/budget";
import type { Message, TurnResponse } from "../../../shared/contracts/message";
import { delegateInputSchema } from "../../../shared/contracts/task";
import type { Failure } from "../../../shared/errors";
import { log } from "../../../shared/log";
import { turnSpanId } from "../../../shared/tracing/trace-context";
import type { McpToolSource, McpToolset } from "../mcp/remote-tools";
import { type NewMessage, toUsage, type UsageNanos } from "../storage/rows";
import { answerDecidedCalls } from "./approval-calls";
import type { DecidedCall } from "./approval-port";
import { type AnsweredBy, runCascade } from "./cascade";
import { buildContext } from "./context";
import type { TurnEnding } from "./hooks";
import { TurnBlocked } from "./output-gate";
import type { TurnRun } from "./run";
import type { ToolRun } from "./toolbox";
import { fromStepMessages } from "./transcript";

/**
 * A new turn with the user's message, or a waiting turn going on with its sub-agents' results
 * and the decisions on calls it held for approval.
 */
export type TurnBegin =
  | { kind: "start"; content: string }
  | { kind: "resume"; results: NewMessage[]; decided?: DecidedCall[]; cancelled: boolean };

/** How a turn ended, or that it waits for its sub-agents or for a person's approval. */
export type TurnOutcome =
  | { status: "completed"; response: TurnResponse }
  | { status: "failed"; failure: Failure }
  | { status: "waiting"; turnId: string; awaiting: "tasks" | "approval" };

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
    const sql = run.sqlFootprint?.();
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
      ...(sql
        ? { sqlRowsRead: sql.rowsRead, sqlRowsWritten: sql.rowsWritten, sqlDatabaseBytes: sql.databaseBytes }
        : {}),
      ...(run.trace.w3c ? { trace_id: run.trace.w3c.traceId, span_id: turnSpanId(turnId) } : {}),
    });
    out.status(ending.status);
    run.hooks.turnEnded?.({ ...ending, usage, steps, ...(sql ? { sql } : {}) });
    return toUsage(usage);
  };
  /** The turn failed, or a guardrail tripped (blocked): what it stored stays, and leaves the model's context. */
  const fail = (failure: Failure): TurnOutcome => {
    const model = run.models.local.name;
    const status = failure.code === "guardrail_tripped" ? "blocked" : "failed";
    end({ status, errorCode: failure.code, model }, ledger.end(turnId, { status, steps, error: failure }));
    out.error(failure);
    return { status: "failed", failure };
  };
  const finish = (
    status: "completed" | "cancelled" | "input_required",
    reply: Message,
    answeredBy: AnsweredBy,
  ): TurnOutcome => {
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
    const usage = end(
      {
        status,
        model: answeredBy.model,
        tier: answeredBy.tier,
        ...(answeredBy.escalation ? { escalation: answeredBy.escalation } : {}),
      },
      recorded,
    );
    return { status: "completed", response: { turnId, status, reply, messages: out.messages, usage, answeredBy } };
  };

  const toolRun: ToolRun = {
    hooks: run.hooks,
    context: {
      tenant: run.session.tenant,
      sessionId: run.session.sessionId,
      turnId,
      memory: run.memory,
      now: () => new Date(),
      ...(run.delegation ? { delegation: run.delegation } : {}),
    },
    emit: (event) => out.event(event),
    ...(run.approvals ? { approvals: run.approvals } : {}),
  };
  /** The turn waits (durably) for its sub-agents' tasks or for a person's decision. */
  const wait = (model: string, firstSeq: number): TurnOutcome => {
    const awaiting = (run.approvals?.held.size ?? 0) > 0 ? "approval" : "tasks";
    const status = awaiting === "approval" ? "awaiting_approval" : "waiting";
    // durable before the tasks go out: the turn goes on in whatever life of the object gets the results
    end({ status, model }, ledger.wait(turnId, steps, firstSeq, status));
    return { status: "waiting", turnId, awaiting };
  };

  if (begin.kind === "start") {
    ledger.start(turnId, run.models.local.name);
    let content = begin.content;
    let refused: Failure | null = null;
    try {
      // before anything stores the message or a model sees it
      const verdict = run.hooks.input ? await run.hooks.input(content) : undefined;
      if (verdict?.action === "replace") content = verdict.text;
      if (verdict?.action === "block") {
        const message = `guardrail '${verdict.guardrail}' blocked the message: ${verdict.reason}`;
        refused = { code: "guardrail_tripped", message, turnId, guardrail: verdict.guardrail };
      }
    } catch {
      refused = { code: "internal", message: "the message could not be checked", turnId };
    }
    out.input({ turnId, role: "user", content });
    out.status("started");
    run.hooks.turnStarted?.();
    // no model is called and nothing is spent; the message stays in history
    if (refused) return fail(refused);
  } else {
    const waited = ledger.resume(turnId);
    if (!waited) return { status: "failed", failure: { code: "internal", message: "the turn is not waiting", turnId } };
    steps = waited.steps;
    out.resumeWith(run.store.turnMessages(turnId, waited.firstSeq));
    run.hooks.turnStarted?.();
    try {
      for (const result of begin.results) await out.store(result);
      if (begin.decided?.length) await run.toolbox.during(toolRun, () => answerDecidedCalls(run, begin.decided ?? []));
    } catch (error) {
      if (error instanceof TurnBlocked) return fail(error.failure);
      return fail({ code: "internal", message: "the turn could not be completed", turnId });
    }
    if (begin.cancelled) {
      // cancelled while it waited: nothing more was produced
      const reply = await out.store({ turnId, role: "assistant", content: "", cancelled: true });
      return finish("cancelled", reply, { model: run.models.local.name, tier: "local" });
    }
    // an approved `delegate` call handed out a task: the turn waits for it first
    if ((run.delegation?.accepted.size ?? 0) > 0) return wait(run.models.local.name, waited.firstSeq);
  }
  const firstSeq = (out.messages[0] as Message).seq;

  try {
    const mcp = run.mcp ? await mcpTools(run, run.mcp) : undefined;
    // context building's span starts after the MCP tool list, which has its own calls
    const building = Date.now();
    const context = await buildContext(run, {
      // the MCP tools' schemas go with every model call, like the agent's own
      plan: planBudget(run.agent.contextBudget, fixedContextText(run.agent) + (mcp?.schemaText ?? "")),
      currentSeq: firstSeq,
    });
    compacted = context.compacted;
    run.hooks.contextBuilt?.({
      startedAt: building,
      tokens: context.tokens,
      messages: context.messages.length,
      compacted,
    });
    // steps before the turn waited count: a model out of steps gets one last call to read its
    // sub-agents' results, without the delegate tool
    const lastLook = steps >= run.models.maxSteps;
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
    // a guardrail stopped the turn (its model call was halted): nothing blocked was stored or sent
    if (out.tripped) return fail(out.tripped.failure);
    switch (result.status) {
      case "failed":
        return fail(result.failure);
      case "waiting":
        return wait(result.answeredBy.model, firstSeq);
      case "input_required": {
        // the question is the turn's reply; the user's next message answers it
        const reply = await out.store({ turnId, role: "assistant", content: result.question }, true);
        return finish("input_required", reply, result.answeredBy);
      }
      case "cancelled": {
        // what the model had produced when it was stopped is kept, marked cancelled
        const reply = await out.store({ turnId, role: "assistant", content: result.partial, cancelled: true });
        return finish("cancelled", reply, result.answeredBy);
      }
      case "answered":
      case "step_limit": {
        if (result.status === "answered") {
          const final = fromStepMessages(turnId, result.final);
          for (const [index, message] of final.entries()) await out.store(message, index === final.length - 1);
        }
        let reply = out.messages.at(-1) as Message;
        if (result.status === "step_limit" || reply.role !== "assistant") {
          const content = `(stopped after ${run.models.maxSteps} steps without a final answer)`;
          reply = await out.store({ turnId, role: "assistant", content });
        }
        return finish("completed", reply, result.answeredBy);
      }
    }
  } catch (error) {
    if (error instanceof TurnBlocked || out.tripped) return fail((out.tripped ?? (error as TurnBlocked)).failure);
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
