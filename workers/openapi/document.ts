import type { Hono } from "hono";
import { generateSpecs } from "hono-openapi";
import type { RouterEnv } from "../env";

/** The API's version as the document states it. */
export const API_VERSION = "0.1.0";

const DESCRIPTION = [
  "Edgent runs AI agents on Cloudflare Workers: each session is a Durable Object holding its agent's memory.",
  'Every `/v1` route needs `Authorization: Bearer <token>`; errors are `{"error":{"code","message"}}`, except on the OpenAI-compatible routes, which answer in OpenAI\'s envelope.',
  "Clients: the official `openai` package (`baseURL: <origin>/v1`), the AI SDK's `useChat` (`/v1/sessions/{id}/chat`), and Edgent's typed `EdgentClient` (`edgent/client`).",
].join("\n\n");

const TAGS = [
  { name: "sessions", description: "Create, read and erase sessions" },
  { name: "messages", description: "Run turns and read history" },
  { name: "turns", description: "A session's turns, their traces, and cancelling a running one" },
  { name: "live", description: "Real-time delivery over WebSocket" },
  { name: "tasks", description: "Tasks delegated to sub-agents" },
  { name: "approvals", description: "Tool calls waiting for a person's decision" },
  { name: "agents", description: "The deployment's agents" },
  { name: "usage", description: "Model usage and cost" },
  { name: "metrics", description: "The tenant's turn metrics, as JSON or Prometheus text" },
  { name: "openai", description: "OpenAI-compatible chat completions and models" },
  { name: "chat", description: "The AI SDK's UI message stream (useChat)" },
  { name: "mcp", description: "The agents as an MCP server" },
  { name: "service", description: "Health and this documentation" },
];

/** The OpenAPI 3.1 document of every route `app` serves, built from their descriptions. */
export function apiDocument(app: Hono<RouterEnv>) {
  return generateSpecs(app, {
    documentation: {
      openapi: "3.1.0",
      info: { title: "Edgent API", version: API_VERSION, description: DESCRIPTION },
      tags: TAGS,
      components: {
        securitySchemes: {
          bearerAuth: { type: "http", scheme: "bearer", description: "a tenant's token (EDGENT_TOKENS)" },
        },
      },
      security: [{ bearerAuth: [] }],
    },
    // /openapi.json is a route like the others, not a static file
    excludeStaticFile: false,
  });
}

/** The document, as the docs page reads it. */
export type ApiDocument = Awaited<ReturnType<typeof apiDocument>>;
