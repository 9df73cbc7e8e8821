// How routes describe themselves for the OpenAPI document: `describe({...})` before the
// handler, with bodies and answers given as the same zod schemas the route parses and
// answers with (shared/contracts). The document is built from these by hono-openapi.

import type { MiddlewareHandler } from "hono";
import { describeRoute, resolver } from "hono-openapi";
import { z } from "zod";
import { errorBodySchema } from "../../shared/contracts/error";
import { openAiErrorSchema } from "../../shared/contracts/openai";

type Spec = Parameters<typeof describeRoute>[0];
type Parameter = Exclude<NonNullable<Spec["parameters"]>[number], { $ref: string }>;
type Security = NonNullable<Spec["security"]>;
type Content = Record<string, { schema: ReturnType<typeof resolver> }>;
type Header = { description: string; schema: Parameter["schema"] };
type Response = { description: string; content?: Content; headers?: Record<string, Header> };

/** A body or answer of a media type. */
export function media(type: string, schema: z.ZodType): Content {
  return { [type]: { schema: resolver(schema) } };
}

/** A JSON body or answer. */
export function json(schema: z.ZodType): Content {
  return media("application/json", schema);
}

/** A stream of server-sent events, each event's data one value of `schema`. */
export function eventStream(schema: z.ZodType): Content {
  return media("text/event-stream", schema);
}

/** An answer with a body, and the headers it carries beside the usual ones. */
export function answer(
  description: string,
  content?: Content,
  headers?: Record<string, { schema: z.ZodType; description: string }>,
): Response {
  const described = headers
    ? Object.fromEntries(
        Object.entries(headers).map(([name, h]) => [name, { description: h.description, schema: schemaOf(h.schema) }]),
      )
    : undefined;
  return { description, ...(content ? { content } : {}), ...(described ? { headers: described } : {}) };
}

const ERROR_WHEN: Record<number, string> = {
  400: "malformed JSON, a field that breaks the schema, or an unsupported feature",
  401: "missing or unknown bearer token",
  404: "unknown session, agent, task or turn (also another tenant's)",
  409: "conflict: see the error's message",
  413: "body too large",
  415: "body is not JSON",
  429: "budget spent or gateway saturated (with Retry-After)",
  502: "the model provider failed",
  503: "unavailable or misconfigured (the message says which)",
};

/** A route's options: what it is, what it reads, what it answers. */
export interface RouteDoc {
  operationId: string;
  tag: string;
  summary: string;
  description?: string;
  /** JSON body (parsed with this schema) */
  body?: z.ZodType;
  /** query parameters (parsed with this object schema) */
  query?: z.ZodObject;
  /** path parameters beyond the ones named in the path, or with a schema */
  params?: Record<string, z.ZodType>;
  headers?: Record<string, { schema: z.ZodType; description: string }>;
  responses: Record<number, Response>;
  /** error statuses it may answer; 401 is added for routes that need a token */
  errors?: number[];
  /** errors in OpenAI's envelope instead of Edgent's */
  openAiErrors?: boolean;
  /** no bearer token needed */
  public?: boolean;
  /** alternative security (e.g. a ticket in the query) */
  security?: Security;
}

function schemaOf(schema: z.ZodType): Parameter["schema"] {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });
  return rest as Parameter["schema"];
}

function parameters(doc: RouteDoc): Parameter[] {
  const out: Parameter[] = [];
  for (const [name, schema] of Object.entries(doc.params ?? {})) {
    out.push({ name, in: "path", required: true, schema: schemaOf(schema) });
  }
  for (const [name, schema] of Object.entries(doc.query?.shape ?? {})) {
    const field = schema as z.ZodType;
    out.push({ name, in: "query", required: !field.safeParse(undefined).success, schema: schemaOf(field) });
  }
  for (const [name, header] of Object.entries(doc.headers ?? {})) {
    out.push({ name, in: "header", required: false, description: header.description, schema: schemaOf(header.schema) });
  }
  return out;
}

/** Describes a route for the OpenAPI document; every route the router serves has one. */
export function describe(doc: RouteDoc): MiddlewareHandler {
  const errorBody = json(doc.openAiErrors ? openAiErrorSchema : errorBodySchema);
  const statuses = [...new Set([...(doc.errors ?? []), ...(doc.public ? [] : [401])])].sort((a, b) => a - b);
  const responses: Record<string, Response> = {};
  for (const [status, response] of Object.entries(doc.responses)) responses[status] = response;
  for (const status of statuses) responses[String(status)] = answer(ERROR_WHEN[status] ?? "error", errorBody);
  const params = parameters(doc);
  return describeRoute({
    operationId: doc.operationId,
    tags: [doc.tag],
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    ...(params.length ? { parameters: params } : {}),
    ...(doc.body ? { requestBody: { required: true, content: json(doc.body) } } : {}),
    responses,
    ...(doc.public ? { security: [] } : doc.security ? { security: doc.security } : {}),
  });
}
