import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { messagePageSchema } from "../../shared/contracts/message";
import { Client } from "../support/client.ts";
import { type Runtime, startRuntime } from "../support/runtime.ts";
import { waitUntil } from "../support/wait-until.ts";

describe("tenants in dev mode", () => {
  let runtime: Runtime;
  let dev: Client;
  let dev2: Client;

  beforeAll(async () => {
    runtime = await startRuntime({ vars: { EDGENT_DEV_MODE: "true" } });
    dev = new Client(runtime.url, "dev-token");
    dev2 = new Client(runtime.url, "dev-token-2");
  });
  afterAll(() => runtime?.dispose());

  it("keeps the same session id under two tenants as two separate sessions", async () => {
    const sessionId = `shared-${crypto.randomUUID()}`;
    expect((await dev.post("/v1/sessions", { agent: "assistant", sessionId })).status).toBe(201);
    expect((await dev2.post("/v1/sessions", { agent: "analyst", sessionId })).status).toBe(201);
    await dev.say(sessionId, "from dev");
    await dev2.say(sessionId, "from dev2");
    await dev2.say(sessionId, "from dev2 again");
    expect((await dev.get(`/v1/sessions/${sessionId}`)).json).toMatchObject({ agent: "assistant", messageCount: 2 });
    expect((await dev2.get(`/v1/sessions/${sessionId}`)).json).toMatchObject({ agent: "analyst", messageCount: 4 });
  });

  it("never lets one tenant read, write or delete another's session", async () => {
    const sessionId = await dev.session();
    await dev.say(sessionId, "private to dev");
    expect((await dev2.get(`/v1/sessions/${sessionId}`)).status).toBe(404);
    expect((await dev2.get(`/v1/sessions/${sessionId}/messages`)).status).toBe(404);
    expect((await dev2.post(`/v1/sessions/${sessionId}/messages`, { content: "intrusion" })).status).toBe(404);
    expect((await dev2.delete(`/v1/sessions/${sessionId}`)).status).toBe(404);
    // the 404 is the same as for a session that never existed
    const missing = await dev2.get("/v1/sessions/does-not-exist");
    const foreign = await dev2.get(`/v1/sessions/${sessionId}`);
    expect(foreign.code).toBe(missing.code);
    const page = (await dev.get(`/v1/sessions/${sessionId}/messages`)).parse(messagePageSchema);
    expect(page.messages.map((m) => m.content)).toEqual(["private to dev", "private to dev"]);
  });

  it("logs one structured line per request and per turn, with no tokens and no content", async () => {
    const sessionId = await dev.session();
    const secretContent = `confidential-${crypto.randomUUID()}`;
    const before = runtime.logs.length;
    const turn = await dev.say(sessionId, secretContent);
    await dev.withToken("wrong-token-123").get("/v1/agents");
    const records = await waitUntil(
      () =>
        runtime.logs
          .slice(before)
          .flatMap((line) => line.split("\n"))
          .filter((line) => line.startsWith("{"))
          .map((line) => JSON.parse(line) as Record<string, unknown>),
      (lines) =>
        lines.some((r) => r.event === "turn" && r.turnId === turn.turnId) &&
        lines.some((r) => r.event === "request" && r.turnId === turn.turnId) &&
        lines.some((r) => r.event === "request" && r.status === 401),
      { what: "the log lines of the turn and of both requests" },
    );
    const turnLine = records.find((r) => r.event === "turn" && r.turnId === turn.turnId);
    expect(turnLine).toMatchObject({ tenant: "dev", sessionId, status: "completed", durationMs: expect.any(Number) });
    const requestLine = records.find((r) => r.event === "request" && r.turnId === turn.turnId);
    expect(requestLine).toMatchObject({ tenant: "dev", sessionId, status: 200, route: "/v1/sessions/:id/messages" });
    expect(records.find((r) => r.event === "request" && r.status === 401)).toMatchObject({ errorCode: "unauthorized" });
    const everything = runtime.logs.join("\n");
    expect(everything).not.toContain(secretContent);
    expect(everything).not.toContain("dev-token");
    expect(everything).not.toContain("wrong-token-123");
  });
});

describe("tenants in a deployed configuration", () => {
  let runtime: Runtime;
  let base: URL;

  beforeAll(async () => {
    // wrangler.toml as committed has EDGENT_DEV_MODE = "false": only the secret's tokens count
    runtime = await startRuntime({
      vars: { EDGENT_TOKENS: JSON.stringify({ "prod-token-acme-0001": "acme", "dev-token": "dev" }) },
    });
    base = runtime.url;
  });
  afterAll(() => runtime?.dispose());

  it("refuses the dev tokens, even when someone put one in the secret", async () => {
    for (const token of ["dev-token", "dev-token-2"]) {
      const reply = await new Client(base, token).get("/v1/agents");
      expect(reply.status).toBe(401);
    }
  });

  it("accepts tokens from the EDGENT_TOKENS secret", async () => {
    const acme = new Client(base, "prod-token-acme-0001");
    const sessionId = await acme.session();
    expect((await acme.say(sessionId, "hello acme")).reply.content).toContain("hello acme");
  });
});
