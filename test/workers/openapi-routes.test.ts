import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../../workers/app";

/** Every method and path the router serves, from the hono app itself (405 fallbacks and middleware left out). */
function servedRoutes(): string[] {
  const routes = app.routes
    .filter((route) => route.method !== "ALL")
    .map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, "{$1}")}`);
  return [...new Set(routes)].sort();
}

describe("the OpenAPI document (inside workerd)", () => {
  it("describes every route the router serves, and nothing else", async () => {
    const response = await exports.default.fetch("http://localhost/openapi.json");
    expect(response.status).toBe(200);
    const doc = (await response.json()) as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths)
      .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    const routes = servedRoutes();
    // named, so a route added without a description says which it is
    expect(
      routes.filter((route) => !documented.includes(route)),
      "served but not described",
    ).toEqual([]);
    expect(
      documented.filter((route) => !routes.includes(route)),
      "described but not served",
    ).toEqual([]);
    expect(routes).toEqual(expect.arrayContaining(["POST /v1/chat/completions", "GET /openapi.json", "GET /docs"]));
  });
});
