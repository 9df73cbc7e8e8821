import { describe, expect, it } from "vitest";
import type { ServerFrame } from "../../shared/contracts/frames";
import { type Message, turnResponseSchema } from "../../shared/contracts/message";
import { useRuntime } from "../support/fixture.ts";
import { doneBody, isFrame, LiveClient, streamTurn } from "../support/live-client.ts";
import { waitUntil } from "../support/wait-until.ts";

const suite = useRuntime();

const deltas = (frames: ServerFrame[]) => frames.flatMap((f) => (f.type === "delta" ? [f.text] : []));

function history(sessionId: string): Promise<Message[]> {
  return suite.api.history(sessionId);
}

describe("streaming a turn over SSE", () => {
  it("sends deltas as the model produces them, then done with the JSON response's body", async () => {
    const sessionId = await suite.api.session();
    const { status, events, contentType } = await streamTurn(suite.runtime.url, sessionId, {
      content: "/slow 40 alpha beta gamma delta",
    });
    expect(status).toBe(200);
    expect(contentType).toContain("text/event-stream");
    const names = events.map((e) => e.event);
    expect(names[0]).toBe("message");
    expect(names.filter((n) => n === "delta")).toHaveLength(4);
    expect(names.at(-1)).toBe("done");
    expect(names.indexOf("delta")).toBeLessThan(names.indexOf("done"));
    expect(deltas(events.map((e) => e.frame)).join("")).toBe("alpha beta gamma delta");
    // deltas arrive spread over the turn, not all at the end
    const times = events.filter((e) => e.event === "delta").map((e) => e.at);
    expect((times.at(-1) as number) - (times[0] as number)).toBeGreaterThan(60);
    const done = doneBody(events);
    expect(done.status).toBe("completed");
    expect(done.reply.content).toBe("alpha beta gamma delta");
    expect(done.messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    const stored = await history(sessionId);
    expect(stored.map((m) => m.seq)).toEqual(done.messages.map((m) => m.seq));
    expect(events.flatMap(({ frame }) => (frame.type === "message" ? [frame.message.seq] : []))).toEqual([1, 2]);
  });

  it("finishes and stores the turn when the client disconnects mid-stream", async () => {
    const sessionId = await suite.api.session();
    await streamTurn(
      suite.runtime.url,
      sessionId,
      { content: "/slow 40 one two three four five six" },
      { stopAfter: (e) => e.event === "delta" },
    );
    const stored = await waitUntil(
      () => history(sessionId),
      (messages) => messages.length >= 2,
      { what: "the turn the client left to be stored" },
    );
    expect(stored.map((m) => [m.role, m.content])).toEqual([
      ["user", "/slow 40 one two three four five six"],
      ["assistant", "one two three four five six"],
    ]);
  });

  it("refuses with a status, not a stream, when the session does not exist", async () => {
    const { status, events } = await streamTurn(suite.runtime.url, "no-such-session", { content: "hi" });
    expect(status).toBe(404);
    expect(events).toEqual([]);
  });
});

describe("live delivery over WebSocket", () => {
  it("delivers every stored message and the deltas to two clients on one session", async () => {
    const sessionId = await suite.api.session();
    const [a, b] = await Promise.all([
      LiveClient.connect(suite.runtime.url, sessionId),
      LiveClient.connect(suite.runtime.url, sessionId),
    ]);
    a.send({ type: "message", content: "/slow 10 hello there", clientId: "c-1" });
    const started = await a.waitFor(isFrame("turn", (f) => f.status === "started"));
    expect(started.clientId).toBe("c-1");
    await Promise.all([a.turnEnded(), b.turnEnded()]);
    for (const client of [a, b]) {
      expect(client.messages().map((m) => [m.seq, m.role, m.content])).toEqual([
        [1, "user", "/slow 10 hello there"],
        [2, "assistant", "hello there"],
      ]);
      expect(deltas(client.frames).join("")).toBe("hello there");
    }
    a.close();
    b.close();
  });

  it("reaches WebSocket clients with messages posted over HTTP", async () => {
    const sessionId = await suite.api.session();
    const client = await LiveClient.connect(suite.runtime.url, sessionId);
    const turn = await suite.api.say(sessionId, "sent over HTTP");
    await client.turnEnded(turn.turnId);
    await client.waitFor((f) => f.type === "message" && f.message.seq === turn.reply.seq);
    expect(client.messages().map((m) => m.content)).toEqual(["sent over HTTP", "sent over HTTP"]);
    client.close();
  });

  it("replays every missed message once and in order after a reconnect with resume", async () => {
    const sessionId = await suite.api.session();
    await suite.api.say(sessionId, "before anything");
    const first = await LiveClient.connect(suite.runtime.url, sessionId, { token: "dev-token", after: 0 });
    const running = suite.api.post(`/v1/sessions/${sessionId}/messages`, { content: "/slow 40 a b c d e f g h" });
    await first.waitFor((f) => f.type === "delta");
    const seen = first.messages().map((m) => m.seq);
    first.socket.terminate(); // the client dies mid-turn
    const queued = suite.api.post(`/v1/sessions/${sessionId}/messages`, { content: "while offline" });
    await waitUntil(
      () => history(sessionId),
      (messages) => messages.some((m) => m.seq > Math.max(...seen)),
      { what: "a message stored while the client was offline" },
    );
    // ?after= resumes before any live message can come first (a resume frame races them)
    const second = await LiveClient.connect(suite.runtime.url, sessionId, {
      token: "dev-token",
      after: Math.max(...seen),
    });
    const [done1, done2] = (await Promise.all([running, queued])).map((r) => r.parse(turnResponseSchema));
    await second.waitFor((f) => f.type === "message" && f.message.seq === done2?.reply.seq);
    const replayed = second.messages().map((m) => m.seq);
    const all = [...seen, ...replayed];
    expect(all).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));
    expect(all.at(-1)).toBe(done2?.reply.seq);
    expect(done1?.reply.content).toBe("a b c d e f g h");
    second.close();
  });

  it("gives a client that was offline for a whole turn all of it", async () => {
    const sessionId = await suite.api.session();
    await suite.api.say(sessionId, "one");
    await suite.api.say(sessionId, '/tool calculator {"expression":"6*7"}');
    const client = await LiveClient.connect(suite.runtime.url, sessionId);
    client.send({ type: "resume", after: 2 });
    await client.waitFor((f) => f.type === "message" && f.message.seq === 6);
    expect(client.messages().map((m) => m.seq)).toEqual([3, 4, 5, 6]);
    client.close();
  });
});

describe("double-texting and cancellation", () => {
  it("interrupts a running turn: the partial reply is stored cancelled, then the new message runs", async () => {
    const sessionId = await suite.api.session();
    const client = await LiveClient.connect(suite.runtime.url, sessionId);
    const slow = suite.api.post(`/v1/sessions/${sessionId}/messages`, {
      content: "/slow 60 w1 w2 w3 w4 w5 w6 w7 w8 w9 w10",
    });
    await client.waitFor((f) => f.type === "delta");
    const urgent = await suite.api.post(`/v1/sessions/${sessionId}/messages`, {
      content: "stop, new question",
      onBusy: "interrupt",
    });
    expect((await slow).status).toBe(200);
    const cancelled = (await slow).parse(turnResponseSchema);
    expect(cancelled.status).toBe("cancelled");
    expect(cancelled.reply.cancelled).toBe(true);
    expect(cancelled.reply.content.startsWith("w1")).toBe(true);
    expect(cancelled.reply.content.length).toBeLessThan("w1 w2 w3 w4 w5 w6 w7 w8 w9 w10".length);
    expect(urgent.parse(turnResponseSchema).reply.content).toBe("stop, new question");
    await client.waitFor((f) => f.type === "turn" && f.turnId === cancelled.turnId && f.status === "cancelled");
    const stored = await history(sessionId);
    expect(stored.map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant"]);
    expect(stored[1]?.cancelled).toBe(true);
    client.close();
  });

  it("rejects a message while a turn runs when its policy is reject, storing nothing", async () => {
    const sessionId = await suite.api.session();
    const observer = await LiveClient.connect(suite.runtime.url, sessionId);
    const slow = suite.api.post(`/v1/sessions/${sessionId}/messages`, { content: "/slow 30 a b c d e" });
    await observer.waitFor(isFrame("turn", (f) => f.status === "started"));
    const refused = await suite.api.post(`/v1/sessions/${sessionId}/messages`, {
      content: "too soon",
      onBusy: "reject",
    });
    expect(refused.status).toBe(409);
    expect(refused.code).toBe("conflict");
    await slow;
    expect((await history(sessionId)).map((m) => m.content)).toEqual(["/slow 30 a b c d e", "a b c d e"]);
    observer.close();
  });

  it("applies a session's own policy, set at creation", async () => {
    const sessionId = `reject-${crypto.randomUUID()}`;
    await suite.api.post("/v1/sessions", { agent: "assistant", sessionId, onBusy: "reject" });
    const client = await LiveClient.connect(suite.runtime.url, sessionId);
    client.send({ type: "message", content: "/slow 30 x y z" });
    await client.waitFor((f) => f.type === "delta");
    client.send({ type: "message", content: "again" });
    const error = await client.waitFor((f) => f.type === "error");
    expect(error).toMatchObject({ error: { code: "conflict" } });
    await client.turnEnded();
    expect((await history(sessionId)).map((m) => m.content)).toEqual(["/slow 30 x y z", "x y z"]);
    client.close();
  });

  it("cancels a running turn through the HTTP route and through a frame", async () => {
    const sessionId = await suite.api.session();
    const client = await LiveClient.connect(suite.runtime.url, sessionId);
    const slow = suite.api.post(`/v1/sessions/${sessionId}/messages`, { content: "/slow 50 a b c d e f g h i j" });
    const started = await client.waitFor(isFrame("turn", (f) => f.status === "started"));
    await client.waitFor((f) => f.type === "delta");
    const cancel = await suite.api.post(`/v1/sessions/${sessionId}/turns/${started.turnId}/cancel`);
    expect(cancel.status).toBe(200);
    expect(cancel.json).toEqual({ turnId: started.turnId, status: "cancelled" });
    expect((await slow).parse(turnResponseSchema).status).toBe("cancelled");
    expect((await suite.api.post(`/v1/sessions/${sessionId}/turns/${started.turnId}/cancel`)).status).toBe(409);
    expect((await suite.api.post(`/v1/sessions/${sessionId}/turns/no-such-turn/cancel`)).status).toBe(404);

    client.send({ type: "message", content: "/slow 50 k l m n o p q r" });
    const second = await client.waitFor(isFrame("turn", (f) => f.status === "started" && f.turnId !== started.turnId));
    client.send({ type: "cancel", turnId: second.turnId });
    expect(await client.turnEnded(second.turnId)).toMatchObject({ status: "cancelled" });
    client.close();
  });
});
