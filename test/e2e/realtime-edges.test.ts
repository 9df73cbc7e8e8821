import { describe, expect, it } from "vitest";
import { errorBodySchema } from "../../shared/contracts/error-body";
import { type Message, turnResponseSchema } from "../../shared/contracts/message";
import { useRuntime } from "../support/fixture.ts";
import { doneBody, isFrame, LiveClient, streamTurn } from "../support/live-client.ts";
import { waitUntil } from "../support/wait-until.ts";

const suite = useRuntime();

function history(sessionId: string): Promise<Message[]> {
  return suite.api.history(sessionId);
}

/** A client watching a session (live from its ready frame), to wait for the frames that show a turn running. */
function watch(sessionId: string): Promise<LiveClient> {
  return LiveClient.connect(suite.runtime.url, sessionId);
}

const started = isFrame("turn", (f) => f.status === "started");

/**
 * Waits until the session holds the request sent with Idempotency-Key `key`, queued or running.
 * Reusing the key with another body is then refused as a conflict; before the request arrives,
 * the probe (onBusy reject, sent while a turn runs) is refused as busy. Neither stores anything.
 */
async function holds(sessionId: string, key: string): Promise<void> {
  await waitUntil(
    () =>
      suite.api.post(
        `/v1/sessions/${sessionId}/messages`,
        { content: `probe of ${key}`, onBusy: "reject" },
        { "idempotency-key": key },
      ),
    (probe) => probe.status === 409 && (probe.error?.message.includes("Idempotency-Key") ?? false),
    { what: `the session to hold the request with key ${key}` },
  );
}

describe("idempotent retries while a turn runs", () => {
  it.each([["interrupt"], ["reject"]])(
    "answers a retry with the original response, whatever its policy (%s)",
    async (onBusy) => {
      const sessionId = await suite.api.session();
      const observer = await watch(sessionId);
      const headers = { "idempotency-key": `k-${crypto.randomUUID()}` };
      const body = { content: "/slow 30 one two three four", onBusy };
      const original = suite.api.post(`/v1/sessions/${sessionId}/messages`, body, headers);
      await observer.waitFor(started);
      const retry = await suite.api.post(`/v1/sessions/${sessionId}/messages`, body, headers);
      const first = await original;
      expect(retry.status).toBe(200);
      expect(retry.json).toEqual(first.json);
      expect(first.parse(turnResponseSchema).status).toBe("completed");
      expect(await history(sessionId)).toHaveLength(2);
      observer.close();
    },
  );

  it("replays a finished request over SSE even while another turn runs", async () => {
    const sessionId = await suite.api.session();
    const headers = { "idempotency-key": `k-${crypto.randomUUID()}` };
    const done = await suite.api.post(
      `/v1/sessions/${sessionId}/messages`,
      { content: "once", onBusy: "reject" },
      headers,
    );
    const observer = await watch(sessionId);
    const busy = suite.api.post(`/v1/sessions/${sessionId}/messages`, { content: "/slow 30 a b c d" });
    await observer.waitFor(started);
    const replayed = await streamTurn(suite.runtime.url, sessionId, { content: "once", onBusy: "reject" }, { headers });
    expect(replayed.status).toBe(200);
    expect(replayed.events.map((e) => e.event)).toContain("done");
    expect(doneBody(replayed.events).turnId).toBe(done.parse(turnResponseSchema).turnId);
    await busy;
    observer.close();
  });
});

describe("interrupt", () => {
  it("supersedes messages queued behind the interrupted turn", async () => {
    const sessionId = await suite.api.session();
    const observer = await watch(sessionId);
    const running = suite.api.post(`/v1/sessions/${sessionId}/messages`, { content: "/slow 40 a b c d e f g" });
    await observer.waitFor(started);
    const key = `queued-${crypto.randomUUID()}`;
    const queued = suite.api.post(
      `/v1/sessions/${sessionId}/messages`,
      { content: "queued behind" },
      { "idempotency-key": key },
    );
    await holds(sessionId, key);
    const urgent = await suite.api.post(`/v1/sessions/${sessionId}/messages`, {
      content: "urgent",
      onBusy: "interrupt",
    });
    expect((await running).parse(turnResponseSchema).status).toBe("cancelled");
    const dropped = await queued;
    expect(dropped.status).toBe(409);
    expect(dropped.parse(errorBodySchema).error.message).toContain("superseded");
    expect(urgent.parse(turnResponseSchema).reply.content).toBe("urgent");
    expect((await history(sessionId)).map((m) => m.content)).not.toContain("queued behind");
    observer.close();
  });
});

describe("resume edge cases", () => {
  it("refuses a resume that arrives after a stored message was delivered, instead of replaying out of order", async () => {
    const sessionId = await suite.api.session();
    await suite.api.say(sessionId, "first");
    const client = await LiveClient.connect(suite.runtime.url, sessionId, { token: "dev-token", after: 2 });
    await suite.api.say(sessionId, "second");
    await client.waitFor((f) => f.type === "message" && f.message.seq === 4);
    client.send({ type: "resume", after: 0 });
    expect(await client.waitFor((f) => f.type === "error")).toMatchObject({ error: { code: "resume_too_late" } });
    expect(client.messages().map((m) => m.seq)).toEqual([3, 4]);
    client.close();
  });

  it("does not silence a client whose cursor is ahead of the session", async () => {
    const sessionId = await suite.api.session();
    const client = await LiveClient.connect(suite.runtime.url, sessionId, { token: "dev-token", after: 50 });
    await suite.api.say(sessionId, "hello");
    await client.waitFor((f) => f.type === "message" && f.message.seq === 2);
    expect(client.messages().map((m) => m.seq)).toEqual([1, 2]);
    client.close();
  });
});

describe("WebSocket input", () => {
  it("validates frame content like the HTTP API does", async () => {
    const sessionId = await suite.api.session();
    const client = await LiveClient.connect(suite.runtime.url, sessionId);
    client.send(JSON.stringify({ type: "message", content: "a\ud800b" }));
    expect(await client.waitFor((f) => f.type === "error")).toMatchObject({ error: { code: "validation_failed" } });
    expect(await history(sessionId)).toEqual([]);
    client.close();
  });

  it("ignores headers and parameters a client sets to steer the object", async () => {
    const sessionId = await suite.api.session();
    const client = await LiveClient.connect(suite.runtime.url, sessionId, {
      token: "dev-token",
      query: { _pk: "chosen-id" },
      headers: { "x-edgent-tenant": "dev2", "x-cf-agents-subagent-url": "/sub/x" },
    });
    await suite.api.say(sessionId, "still delivered");
    await client.waitFor(isFrame("message", (f) => f.message.seq === 2));
    expect(client.messages().some((m) => m.content.includes("still delivered"))).toBe(true);
    client.close();
  });
});

describe("SSE", () => {
  it("sends one error event for a failed request, then closes", async () => {
    const sessionId = await suite.api.session();
    const observer = await watch(sessionId);
    const busy = suite.api.post(`/v1/sessions/${sessionId}/messages`, { content: "/slow 30 a b c" });
    await observer.waitFor(started);
    const refused = await streamTurn(suite.runtime.url, sessionId, { content: "x", onBusy: "reject" });
    expect(refused.status).toBe(409);
    await busy;
    observer.close();
  });
});
