import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServerFrame } from "../../shared/contracts/frames";
import type { Message } from "../../shared/contracts/message";
import { Client } from "../support/client.ts";
import { useRuntime } from "../support/fixture.ts";
import { doneBody, isFrame, LiveClient, rejoinTurn, type SseEvent, streamTurn } from "../support/live-client.ts";
import { type Runtime, startRuntime } from "../support/runtime.ts";
import { waitUntil } from "../support/wait-until.ts";

const suite = useRuntime();

const words = (count: number, prefix = "w") => Array.from({ length: count }, (_, i) => `${prefix}${i + 1}`).join(" ");
const texts = (frames: ServerFrame[]) => frames.flatMap((f) => (f.type === "delta" ? [f.text] : []));
const started = (turnId?: string) =>
  isFrame("turn", (f) => f.status === "started" && (turnId === undefined || f.turnId === turnId));

/** The number in an event id `<turnId>:<n>`. */
function numberOf(event: SseEvent): number {
  return Number(event.id?.split(":").at(-1));
}

/** Events as a reader shows them: back-to-back deltas as one, numbered as the last of them. */
function merged(events: SseEvent[]): Array<{ id: string | undefined; frame: ServerFrame }> {
  const out: Array<{ id: string | undefined; frame: ServerFrame }> = [];
  for (const { id, frame } of events) {
    const last = out.at(-1);
    if (frame.type === "delta" && last?.frame.type === "delta") {
      out[out.length - 1] = { id, frame: { ...frame, text: last.frame.text + frame.text } };
    } else out.push({ id, frame });
  }
  return out;
}

function lastReply(messages: Message[]): Message {
  const reply = messages.filter((m) => m.role === "assistant").at(-1);
  if (!reply) throw new Error("no reply stored");
  return reply;
}

describe("WebSocket clients are live from their ready frame", () => {
  it("shows a second device that connected without ?after= and sent nothing a short turn's deltas and its cancellation", async () => {
    const sessionId = await suite.api.session();
    const phone = await LiveClient.connect(suite.runtime.url, sessionId);
    const laptop = await LiveClient.connect(suite.runtime.url, sessionId);
    const turn = suite.api.post(`/v1/sessions/${sessionId}/messages`, { content: `/slow 40 ${words(12)}` });
    const { turnId } = await phone.waitFor(started());
    await phone.waitFor((f) => f.type === "delta");
    expect((await suite.api.post(`/v1/sessions/${sessionId}/turns/${turnId}/cancel`)).status).toBe(200);
    await turn;
    // the laptop never spoke: it sees the turn as the phone does, well within the old two-second hold
    const cancelled = await laptop.waitFor(isFrame("turn", (f) => f.turnId === turnId && f.status === "cancelled"));
    expect(cancelled.status).toBe("cancelled");
    expect(laptop.frames.some(started(turnId))).toBe(true);
    expect(texts(laptop.frames).length).toBeGreaterThan(0);
    expect(texts(laptop.frames).join("")).toBe(texts(phone.frames).join(""));
    expect(laptop.messages()).toEqual(await suite.api.history(sessionId));
    phone.close();
    laptop.close();
  });
});

describe("resuming mid-turn over WebSocket", () => {
  it("gives a client that reconnects mid-turn the reply so far, then the rest live, with no gap and no duplicate", async () => {
    const sessionId = await suite.api.session();
    await suite.api.say(sessionId, "before");
    const first = await LiveClient.connect(suite.runtime.url, sessionId, { token: "dev-token", after: 0 });
    first.send({ type: "message", content: `/slow 60 ${words(30)}` });
    const { turnId } = await first.waitFor(started());
    await waitUntil(
      () => texts(first.frames).length,
      (count) => count >= 3,
      { what: "three deltas" },
    );
    const seen = first.messages().map((m) => m.seq);
    const shown = texts(first.frames).join("");
    first.socket.terminate();
    const second = await LiveClient.connect(suite.runtime.url, sessionId, {
      token: "dev-token",
      after: Math.max(...seen),
    });
    await second.turnEnded(turnId);
    const history = await suite.api.history(sessionId);
    const reply = lastReply(history);
    expect(reply.content).toBe(words(30));
    // caught up first: the turn's status, then its text so far (at least what the first socket showed)
    const frames = second.frames.filter((f) => f.type !== "ready");
    expect(frames[0]).toMatchObject({ type: "turn", turnId, status: "started" });
    expect(frames[1]?.type).toBe("delta");
    expect((frames[1] as Extract<ServerFrame, { type: "delta" }>).text.startsWith(shown)).toBe(true);
    // then the rest live: the deltas add up to the stored reply exactly
    expect(texts(second.frames).length).toBeGreaterThan(1);
    expect(texts(second.frames).join("")).toBe(reply.content);
    const replyAt = second.frames.findIndex((f) => f.type === "message" && f.message.seq === reply.seq);
    expect(second.frames.findLastIndex((f) => f.type === "delta")).toBeLessThan(replyAt);
    // stored messages: every one once, in order, across both sockets
    expect([...seen, ...second.messages().map((m) => m.seq)]).toEqual(history.map((m) => m.seq));
    second.close();
  });

  it("shows a client connecting mid-turn a turn nobody streamed: its status, then its stored reply", async () => {
    const sessionId = await suite.api.session();
    const turn = suite.api.post(`/v1/sessions/${sessionId}/messages`, { content: `/slow 80 ${words(8)}` });
    await waitUntil(
      () => suite.api.history(sessionId),
      (messages) => messages.length === 1,
      { what: "the user message" },
    );
    const client = await LiveClient.connect(suite.runtime.url, sessionId);
    await client.turnEnded();
    await turn;
    expect(client.frames.map((f) => (f.type === "turn" ? `turn:${f.status}` : f.type))).toEqual([
      "ready",
      "turn:started",
      "message",
      "turn:completed",
    ]);
    expect(client.messages().map((m) => m.content)).toEqual([words(8)]);
    client.close();
  });
});

describe("rejoining a turn's SSE stream", () => {
  it("rejoins a dropped stream with Last-Event-ID and goes on from the last event received", async () => {
    const sessionId = await suite.api.session();
    let deltasSeen = 0;
    const dropped = await streamTurn(
      suite.runtime.url,
      sessionId,
      { content: `/slow 40 ${words(25)}` },
      { stopAfter: (e) => e.event === "delta" && ++deltasSeen === 3 },
    );
    const turnId = dropped.headers.get("edgent-turn-id") ?? "";
    expect(turnId).not.toBe("");
    for (const event of dropped.events) expect(event.id).toMatch(new RegExp(`^${turnId}:\\d+$`));
    const last = dropped.events.at(-1) as SseEvent;
    const rejoined = await rejoinTurn(suite.runtime.url, sessionId, turnId, { lastEventId: last.id ?? "" });
    expect(rejoined.status).toBe(200);
    expect(rejoined.contentType).toContain("text/event-stream");
    const all = [...dropped.events, ...rejoined.events];
    // every event once, in order
    const numbers = all.map(numberOf);
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    expect(new Set(numbers).size).toBe(numbers.length);
    const done = doneBody(rejoined.events);
    expect(texts(all.map((e) => e.frame)).join("")).toBe(done.reply.content);
    expect(done.reply.content).toBe(words(25));
    expect(all.flatMap((e) => (e.frame.type === "message" ? [e.frame.message.seq] : []))).toEqual([1, 2]);
    // without Last-Event-ID: from the turn's start
    const whole = await rejoinTurn(suite.runtime.url, sessionId, turnId);
    expect(texts(whole.events.map((e) => e.frame)).join("")).toBe(words(25));
    expect(doneBody(whole.events)).toEqual(done);
  });

  it("rejoins a finished turn: what followed the last event received, then its end; 204 once it is no longer held", async () => {
    const sessionId = await suite.api.session();
    const full = await streamTurn(suite.runtime.url, sessionId, { content: `/slow 5 ${words(6)}` });
    const turnId = full.headers.get("edgent-turn-id") ?? "";
    const from = full.events[1] as SseEvent;
    const rest = await rejoinTurn(suite.runtime.url, sessionId, turnId, { lastEventId: from.id ?? "" });
    expect(merged(rest.events)).toEqual(merged(full.events.slice(2)));
    const atEnd = await rejoinTurn(suite.runtime.url, sessionId, turnId, { lastEventId: full.events.at(-1)?.id ?? "" });
    expect(atEnd.status).toBe(200);
    expect(atEnd.events).toEqual([]);
    // the streams of the last three turns are held: a fourth one later, the first is not
    for (let i = 0; i < 3; i++) await suite.api.say(sessionId, `later ${i}`);
    const gone = await suite.api.get(`/v1/sessions/${sessionId}/turns/${turnId}/stream`);
    expect(gone.status).toBe(204);
    expect(gone.headers.get("edgent-turn-status")).toBe("completed");
    expect(gone.text).toBe("");
  });

  it("answers 404 for another tenant's turn, an unknown turn or session, and 400 for an id of another turn", async () => {
    const sessionId = await suite.api.session();
    const turn = await suite.api.say(sessionId, "hello");
    const path = `/v1/sessions/${sessionId}/turns/${turn.turnId}/stream`;
    const other = suite.api.withToken("dev-token-2");
    expect((await other.get(path)).status).toBe(404);
    expect((await other.get(path)).code).toBe("not_found");
    expect((await suite.api.get(`/v1/sessions/${sessionId}/turns/no-such-turn/stream`)).status).toBe(404);
    expect((await suite.api.get(`/v1/sessions/no-such-session/turns/${turn.turnId}/stream`)).status).toBe(404);
    for (const lastEventId of ["another-turn:3", "7", `${turn.turnId}:x`]) {
      const refused = await suite.api.request("GET", path, undefined, { "last-event-id": lastEventId });
      expect(refused.status, lastEventId).toBe(400);
      expect(refused.code).toBe("validation_failed");
    }
    expect((await suite.api.post(path)).status).toBe(405);
  });
});

describe("a turn longer than what is held of it", () => {
  let runtime: Runtime;
  let api: Client;
  beforeAll(async () => {
    runtime = await startRuntime({ vars: { EDGENT_DEV_MODE: "true", EDGENT_TURN_STREAM_BYTES: "1024" } });
    api = new Client(runtime.url);
  });
  afterAll(() => runtime?.dispose());

  it("keeps the last part of a long turn's stream, and a rejoin says what is missing", async () => {
    const sessionId = await api.session();
    const long = words(300, "word");
    let deltasSeen = 0;
    const dropped = await streamTurn(
      runtime.url,
      sessionId,
      { content: `/slow 4 ${long}` },
      { stopAfter: (e) => e.event === "delta" && ++deltasSeen === 5 },
    );
    const turnId = dropped.headers.get("edgent-turn-id") ?? "";
    const last = dropped.events.at(-1) as SseEvent;
    // a watcher shows when much more than 1 KiB of the turn has streamed since
    const watcher = await LiveClient.connect(runtime.url, sessionId);
    await waitUntil(
      () => texts(watcher.frames).join("").length,
      (length) => length > 1500,
      { what: "1500 characters of the reply" },
    );
    watcher.close();
    const rejoined = await rejoinTurn(runtime.url, sessionId, turnId, { lastEventId: last.id ?? "" });
    expect(rejoined.events[0]?.frame).toMatchObject({ type: "truncated", turnId });
    const shown = texts(dropped.events.map((e) => e.frame)).join("");
    const kept = texts(rejoined.events.map((e) => e.frame)).join("");
    expect(kept.length).toBeGreaterThan(0);
    expect(long.endsWith(kept)).toBe(true);
    expect(shown.length + kept.length).toBeLessThan(long.length);
    expect(doneBody(rejoined.events).reply.content).toBe(long);
  });
});
