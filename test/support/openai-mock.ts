import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

/** What the mock was asked, for assertions. */
export interface MockRequest {
  url: string;
  authorization: string | undefined;
  body: ChatRequest;
}

export interface ChatRequest {
  model: string;
  stream?: boolean;
  messages: Array<{ role: string; content: string | null; tool_calls?: unknown[]; tool_call_id?: string }>;
  tools?: Array<{ type: "function"; function: { name: string; description?: string; parameters: unknown } }>;
}

/** A scripted reply: a completion, or a raw HTTP error. */
export type MockReply =
  | {
      content?: string | null;
      toolCalls?: Array<{ id: string; name: string; arguments: string }>;
      usage?: { prompt_tokens: number; completion_tokens: number };
      /** answer only after this long, to test timeouts */
      delayMs?: number;
      /** streaming only: open the stream, send `afterText` (if any) as a first delta, then go silent until the client leaves */
      stall?: { afterText?: string };
    }
  | { status: number; body?: unknown; headers?: Record<string, string> };

/** A running OpenAI-compatible Chat Completions server on loopback. */
export interface MockOpenAI {
  baseURL: string;
  requests: MockRequest[];
  close(): Promise<void>;
}

/**
 * A small OpenAI-compatible server (POST /v1/chat/completions, plain and streaming) so the
 * `openai` provider is exercised over real HTTP. `respond` scripts each answer.
 */
export async function startMockOpenAI(
  respond: (request: ChatRequest, index: number) => MockReply,
): Promise<MockOpenAI> {
  const requests: MockRequest[] = [];
  const server = createServer(async (req, res) => {
    const raw = await readBody(req);
    const body = JSON.parse(raw || "{}") as ChatRequest;
    if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: "not found" } }));
      return;
    }
    requests.push({ url: req.url, authorization: req.headers.authorization, body });
    const reply = respond(body, requests.length - 1);
    if ("status" in reply) {
      res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
      res.end(JSON.stringify(reply.body ?? { error: { message: `scripted HTTP ${reply.status}` } }));
      return;
    }
    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    if (res.destroyed) return;
    const toolCalls = reply.toolCalls?.map((call) => ({
      id: call.id,
      type: "function",
      function: { name: call.name, arguments: call.arguments },
    }));
    const finish = toolCalls?.length ? "tool_calls" : "stop";
    const usage = { ...(reply.usage ?? { prompt_tokens: 11, completion_tokens: 7 }) };
    const id = `chatcmpl-${requests.length}`;
    if (!body.stream) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          id,
          object: "chat.completion",
          created: Math.floor(Date.now() / 1000),
          model: body.model,
          choices: [
            {
              index: 0,
              message: { role: "assistant", content: reply.content ?? null, tool_calls: toolCalls },
              finish_reason: finish,
            },
          ],
          usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
        }),
      );
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream" });
    const chunk = (delta: unknown, finishReason: string | null = null) =>
      res.write(
        `data: ${JSON.stringify({ id, object: "chat.completion.chunk", model: body.model, choices: [{ index: 0, delta, finish_reason: finishReason }] })}\n\n`,
      );
    if (reply.stall) {
      res.flushHeaders();
      if (reply.stall.afterText) chunk({ role: "assistant", content: reply.stall.afterText });
      // a provider that accepted the call and then stalls: nothing more until the connection goes
      await new Promise((resolve) => res.once("close", resolve));
      return;
    }
    if (reply.content) chunk({ role: "assistant", content: reply.content });
    for (const [index, call] of (toolCalls ?? []).entries()) chunk({ tool_calls: [{ index, ...call }] });
    chunk({}, finish);
    res.write(`data: ${JSON.stringify({ id, choices: [], usage })}\n\ndata: [DONE]\n\n`);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  let raw = "";
  for await (const chunk of req) raw += chunk;
  return raw;
}

/** Runtime vars that point the `assistant` agent at a mock server, one tier only (no escalation). */
export function openaiAssistantVars(baseURL: string): Record<string, string> {
  return {
    EDGENT_DEV_MODE: "true",
    EDGENT_AGENT_MODELS: JSON.stringify({ assistant: "openai:test-model" }),
    // these suites test one tier's failures; escalation has its own suite
    EDGENT_ESCALATION: "off",
    OPENAI_BASE_URL: baseURL,
  };
}
