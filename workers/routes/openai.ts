import { Hono } from "hono";
import { z } from "zod";
import { type ChatTurnInput, type SessionCaller, SHORT_LIVED_PREFIX } from "../../durable-objects/rpc";
import { AGENTS, findAgent } from "../../shared/agents/registry";
import {
  chatCompletionChunkSchema,
  chatCompletionRequestSchema,
  chatCompletionSchema,
  type OpenAiModel,
  type OpenAiModelList,
  openAiModelListSchema,
  openAiModelSchema,
} from "../../shared/contracts/openai";
import { sessionIdSchema } from "../../shared/contracts/session";
import { EdgentError } from "../../shared/errors";
import { planChatTurn } from "../../shared/protocols/openai-request";
import { chatCompletion } from "../../shared/protocols/openai-stream";
import { MAX_TRANSCRIPT_BODY_BYTES, readJson, validate } from "../body";
import { afterStream, chatFailure } from "../chat-outcomes";
import type { RouterEnv } from "../env";
import { methodNotAllowed } from "../middleware/errors";
import { answer, describe, eventStream, json } from "../openapi/describe";
import { IDEMPOTENCY_HEADER, readIdempotency, sessionStub, sha256Hex } from "./sessions";

/** The header that names the session a request runs in. */
export const SESSION_HEADER = "x-session-id";

const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  "x-accel-buffering": "no",
};

function toModel(name: string): OpenAiModel {
  // agents have no creation time; 0 keeps the list stable across deploys
  return { id: name, object: "model", created: 0, owned_by: "edgent" };
}

const MODEL_PARAM = { model: z.string().describe("an agent's name") };

/**
 * The OpenAI-compatible routes: the tenant's agents as models, and chat completions that run
 * a turn of an agent's session. Errors are answered in OpenAI's envelope (see app.ts).
 */
export const openAiRoutes = new Hono<RouterEnv>()
  .get(
    "/models",
    describe({
      operationId: "listModels",
      tag: "openai",
      summary: "List the agents as OpenAI models",
      responses: { 200: answer("the agents as models", json(openAiModelListSchema)) },
      openAiErrors: true,
    }),
    (c) => {
      const body: OpenAiModelList = { object: "list", data: [...AGENTS.keys()].map(toModel) };
      return c.json(body);
    },
  )
  .all("/models", methodNotAllowed(["GET"]))

  .get(
    "/models/:model",
    describe({
      operationId: "getModel",
      tag: "openai",
      summary: "One agent as an OpenAI model",
      params: MODEL_PARAM,
      responses: { 200: answer("the agent as a model", json(openAiModelSchema)) },
      errors: [404],
      openAiErrors: true,
    }),
    (c) => {
      const name = c.req.param("model");
      if (!findAgent(name)) throw new EdgentError("not_found", `model: no agent named '${name}'`);
      return c.json(toModel(name));
    },
  )
  .all("/models/:model", methodNotAllowed(["GET"]))

  .post(
    "/chat/completions",
    describe({
      operationId: "createChatCompletion",
      tag: "openai",
      summary: "Run a turn as an OpenAI chat completion",
      description: [
        "`model` names an agent. With an `X-Session-Id` header the turn runs in that session (created with the agent on first use) on the trailing user message(s): the session's own history, memory, tools, escalation and delegation apply, and earlier messages of the request are ignored.",
        "Without it, the turn runs in a short-lived session seeded with the request's earlier messages (no model call is made for them), erased afterwards.",
        "`stream: true` streams `chat.completion.chunk` events and `data: [DONE]`; `stream_options.include_usage` adds a usage chunk.",
        "Refused with 400 `unsupported`: `tools`/`functions` (client-executed tools), `n > 1`, `logprobs`, `audio`, non-text `modalities`, `response_format` other than text, `prediction`, `web_search_options`, system/developer/tool messages and non-text content. Sampling parameters (`temperature`, `max_tokens`, ...) are accepted and ignored: the agent's model settings apply.",
      ].join("\n\n"),
      headers: {
        [SESSION_HEADER]: { schema: sessionIdSchema, description: "the session to run the turn in" },
        ...IDEMPOTENCY_HEADER,
      },
      body: chatCompletionRequestSchema,
      responses: {
        200: answer("the completion (or, with `stream: true`, its chunks)", {
          ...json(chatCompletionSchema),
          ...eventStream(chatCompletionChunkSchema),
        }),
      },
      errors: [400, 404, 409, 413, 415, 429, 502, 503],
      openAiErrors: true,
    }),
    async (c) => {
      const body = await readJson(c, chatCompletionRequestSchema, MAX_TRANSCRIPT_BODY_BYTES);
      const agent = findAgent(body.model);
      if (!agent) throw new EdgentError("not_found", `model: no agent named '${body.model}' (GET /v1/models)`);
      const plan = planChatTurn(body);
      if (!plan.ok) throw new EdgentError(plan.code, plan.message);
      const idempotency = await readIdempotency(c, body);
      const named = c.req.header(SESSION_HEADER);
      // a short-lived session is private: ':' cannot appear in a session id a client names
      const sessionId =
        named === undefined
          ? `${SHORT_LIVED_PREFIX}${idempotency ? await sha256Hex(idempotency.key) : crypto.randomUUID()}`
          : validate(sessionIdSchema, named, "X-Session-Id");
      c.set("sessionId", sessionId);
      const who: SessionCaller = { tenant: c.get("tenant"), sessionId };
      const input: ChatTurnInput = {
        ...who,
        content: plan.content,
        agent: agent.name,
        ...(idempotency ? { idempotency } : {}),
        ...(named === undefined ? { transcript: plan.transcript } : {}),
        traceparent: c.get("trace")?.traceparent,
      };
      const stub = sessionStub(c, sessionId);
      const identity = { model: agent.name, created: Math.floor(Date.now() / 1000), sessionId };
      // a short-lived session goes once its answer has; with an Idempotency-Key it stays as long as the key
      const eraseAfter = named === undefined && !idempotency;
      const erase = () => c.executionCtx.waitUntil(stub.erase(who).catch(() => false));
      const headers: Record<string, string> = named === undefined ? {} : { [SESSION_HEADER]: sessionId };
      if (plan.stream) {
        const outcome = await stub.streamChatTurn(input, {
          kind: "openai",
          ...identity,
          includeUsage: plan.includeUsage,
        });
        if (outcome.status !== "streaming") {
          if (eraseAfter) erase();
          throw chatFailure(outcome, sessionId);
        }
        const stream = eraseAfter ? outcome.stream.pipeThrough(afterStream(erase)) : outcome.stream;
        return new Response(stream, { headers: { ...SSE_HEADERS, ...headers } });
      }
      try {
        const outcome = await stub.chatTurn(input);
        if (outcome.status !== "completed") {
          if (outcome.status === "failed" && outcome.failure.turnId) c.set("turnId", outcome.failure.turnId);
          throw chatFailure(outcome, sessionId);
        }
        c.set("turnId", outcome.response.turnId);
        return c.json(chatCompletion(outcome.response, identity), 200, headers);
      } finally {
        if (eraseAfter) erase();
      }
    },
  )
  .all("/chat/completions", methodNotAllowed(["POST"]));
