import { compileErrors, validate } from "@readme/openapi-parser";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { sessionInfoSchema } from "../../shared/contracts/session";
import { uiChatRequestSchema } from "../../shared/contracts/ui-chat";
import { useRuntime } from "../support/fixture.ts";

const suite = useRuntime();

interface Operation {
  operationId: string;
  parameters?: Array<{ name: string; in: string }>;
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { content?: Record<string, { schema: unknown }>; headers?: Record<string, unknown> }>;
}
interface Document {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}

async function served(): Promise<Document> {
  const response = await fetch(new URL("/openapi.json", suite.runtime.url));
  expect(response.status).toBe(200);
  return (await response.json()) as Document;
}

/** A zod schema with an id, as the document's components hold it. */
function asComponent(schema: z.ZodType): unknown {
  const json = z.toJSONSchema(schema, { io: "input" }) as { $ref: string; $defs: Record<string, unknown> };
  const name = json.$ref.split("/").pop() ?? "";
  return JSON.parse(JSON.stringify(json.$defs[name]).replaceAll("#/$defs/", "#/components/schemas/"));
}

describe("the OpenAPI document", () => {
  it("is valid OpenAPI 3.1, checked by a real validator", async () => {
    const doc = await served();
    expect(doc.openapi).toBe("3.1.0");
    const result = await validate(structuredClone(doc) as Parameters<typeof validate>[0]);
    expect(result.valid, result.valid ? "" : compileErrors(result)).toBe(true);
  });

  it("takes bodies and answers from the same zod contracts the routes use", async () => {
    const doc = await served();
    const info = doc.paths["/v1/sessions/{id}"]?.get?.responses["200"]?.content?.["application/json"]?.schema;
    expect(info).toEqual({ $ref: "#/components/schemas/SessionInfo" });
    expect(doc.components.schemas.SessionInfo).toEqual(asComponent(sessionInfoSchema));
    const chat = doc.paths["/v1/sessions/{id}/chat"]?.post?.requestBody?.content["application/json"]?.schema;
    expect(chat).toEqual({ $ref: "#/components/schemas/UiChatRequest" });
    expect(doc.components.schemas.UiChatRequest).toEqual(asComponent(uiChatRequestSchema));
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/v1/chat/completions", "/openapi.json", "/docs"]));
    const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("describes rejoining a turn's stream: Last-Event-ID, the event stream, and the headers naming the turn and its status", async () => {
    const doc = await served();
    const rejoin = doc.paths["/v1/sessions/{id}/turns/{turnId}/stream"]?.get;
    expect(rejoin?.operationId).toBe("rejoinTurn");
    expect(rejoin?.parameters?.map((p) => `${p.in}:${p.name}`)).toEqual(
      expect.arrayContaining(["path:id", "path:turnId", "header:last-event-id"]),
    );
    expect(Object.keys(rejoin?.responses["200"]?.content ?? {})).toEqual(["text/event-stream"]);
    expect(Object.keys(rejoin?.responses["204"]?.headers ?? {})).toEqual(["edgent-turn-status"]);
    expect(Object.keys(rejoin?.responses ?? {})).toEqual(expect.arrayContaining(["400", "401", "404"]));
    const send = doc.paths["/v1/sessions/{id}/messages"]?.post;
    expect(Object.keys(send?.responses["200"]?.headers ?? {})).toEqual(["edgent-turn-id"]);
  });

  it("is rendered at /docs as a page that needs nothing from elsewhere", async () => {
    const doc = await served();
    const response = await fetch(new URL("/docs", suite.runtime.url));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/html");
    const page = await response.text();
    for (const [path, item] of Object.entries(doc.paths)) {
      expect(page).toContain(path);
      for (const op of Object.values(item)) expect(page).toContain(`id="${op.operationId}"`);
    }
    expect(page).toContain('id="schema-TurnResponse"');
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/(src|href)="https?:/i);
  });
});
