import { Hono } from "hono";
import { z } from "zod";
import { healthSchema } from "../../shared/contracts/service";
import type { RouterEnv } from "../env";
import { methodNotAllowed } from "../middleware/errors";
import { answer, describe, json, media } from "../openapi/describe";
import { renderDocs } from "../openapi/docs-page";
import { type ApiDocument, apiDocument } from "../openapi/document";

/** GET /healthz: liveness, no auth. */
export const healthRoutes = new Hono<RouterEnv>()
  .get(
    "/healthz",
    describe({
      operationId: "health",
      tag: "service",
      summary: "Liveness",
      responses: { 200: answer("the router is up", json(healthSchema)) },
      public: true,
    }),
    (c) => c.json({ ok: true as const }),
  )
  .all("/healthz", methodNotAllowed(["GET"]));

/**
 * GET /openapi.json and GET /docs: the OpenAPI 3.1 document of every route `api` serves,
 * built once per isolate from the routes' own descriptions, and the same as an HTML page.
 */
export function docRoutes(api: Hono<RouterEnv>) {
  let built: Promise<ApiDocument> | undefined;
  const document = () => {
    built ??= apiDocument(api).catch((error: unknown) => {
      built = undefined;
      throw error;
    });
    return built;
  };
  return new Hono<RouterEnv>()
    .get(
      "/openapi.json",
      describe({
        operationId: "openApiDocument",
        tag: "service",
        summary: "This API's OpenAPI 3.1 document",
        responses: { 200: answer("the document", json(z.record(z.string(), z.unknown()))) },
        public: true,
      }),
      async (c) => c.json(await document()),
    )
    .all("/openapi.json", methodNotAllowed(["GET"]))
    .get(
      "/docs",
      describe({
        operationId: "docs",
        tag: "service",
        summary: "This API's reference as a web page",
        description: "The OpenAPI document rendered on the server: no scripts, nothing loaded from elsewhere.",
        responses: { 200: answer("an HTML page", media("text/html", z.string())) },
        public: true,
      }),
      async (c) => c.html(renderDocs(await document())),
    )
    .all("/docs", methodNotAllowed(["GET"]));
}
