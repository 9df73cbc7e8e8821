import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EdgentApiError, EdgentClient, type Message, type ServerFrame } from "../../client/index.ts";
import { useRuntime } from "../support/fixture.ts";
import { waitUntil } from "../support/wait-until.ts";
import { TcpProxy } from "../support/tcp-proxy.ts";

const suite = useRuntime();
const net: { proxy: TcpProxy } = {} as { proxy: TcpProxy };
beforeAll(async () => {
  net.proxy = await TcpProxy.start(suite.runtime.url);
});
afterAll(() => net.proxy?.close());

const messagesIn = (frames: ServerFrame[]): Message[] =>
  frames.flatMap((frame) => (frame.type === "message" ? [frame.message] : []));

const direct = () => new EdgentClient({ baseUrl: suite.runtime.url, token: "dev-token" });
/** A client whose every connection goes through the proxy the test can cut. */
const proxied = () => new EdgentClient({ baseUrl: net.proxy.url, token: () => Promise.resolve("dev-token") });

async function allStored(sessionId: string): Promise<Message[]> {
  const out: Message[] = [];
  for await (const message of direct().messages(sessionId)) out.push(message);
  return out;
}

describe("EdgentClient over HTTP", () => {
  it("creates sessions, runs turns as JSON and as a stream of typed frames, and reads history page by page", async () => {
    const client = direct();
    expect((await client.agents()).map((a) => a.name)).toContain("assistant");
    const { sessionId } = await client.createSession({ agent: "assistant" });
    const turn = await client.send(sessionId, "hello");
    if (!("reply" in turn)) throw new Error("the turn should have finished");
    expect(turn.reply.content).toContain("hello");

    const frames: ServerFrame[] = [];
    for await (const frame of client.stream(sessionId, "/slow 10 one two three")) frames.push(frame);
    expect(frames.map((f) => f.type)).toContain("delta");
    const done = frames.at(-1);
    expect(done?.type).toBe("done");
    if (done?.type === "done") expect(done.body.reply.content).toBe("one two three");

    for (let i = 0; i < 3; i++) await client.send(sessionId, `message ${i}`);
    const seqs: number[] = [];
    for await (const message of client.messages(sessionId, { pageSize: 3 })) seqs.push(message.seq);
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const page = await client.history(sessionId, { after: 8, limit: 1 });
    expect(page).toEqual({ messages: [expect.objectContaining({ seq: 9 })], hasMore: true });
    expect(await client.session(sessionId)).toMatchObject({ sessionId, agent: "assistant", messageCount: 10 });

    await client.deleteSession(sessionId);
    const gone = await client.session(sessionId).catch((error: unknown) => error);
    expect(gone).toBeInstanceOf(EdgentApiError);
    expect(gone).toMatchObject({ status: 404, code: "not_found" });
  });

  it("cancels a running turn, reads usage and delegated tasks, and replays an idempotent retry", async () => {
    const client = direct();
    const { sessionId } = await client.createSession({ agent: "assistant" });
    let turnId = "";
    const frames: ServerFrame[] = [];
    for await (const frame of client.stream(sessionId, "/slow 100 a b c d e f g h")) {
      frames.push(frame);
      if (frame.type === "delta" && !turnId) {
        turnId = frame.turnId;
        expect(await client.cancel(sessionId, turnId)).toEqual({ turnId, status: "cancelled" });
      }
    }
    const done = frames.at(-1);
    expect(done?.type === "done" && done.body.status).toBe("cancelled");

    const first = await client.send(sessionId, "once", { idempotencyKey: "k-1" });
    const again = await client.send(sessionId, "once", { idempotencyKey: "k-1" });
    expect(again).toEqual(first);
    const conflict = await client.send(sessionId, "twice", { idempotencyKey: "k-1" }).catch((e: unknown) => e);
    expect(conflict).toMatchObject({ status: 409, code: "conflict" });

    const usage = await client.usage();
    expect(usage.tenant).toBe("dev");

    const triage = (await client.createSession({ agent: "triage" })).sessionId;
    await client.send(triage, "/delegate knowledge How do I reset my password?");
    const tasks = await client.tasks(triage);
    expect(tasks).toEqual([expect.objectContaining({ agent: "knowledge", status: "completed" })]);
    const task = await client.task(triage, tasks[0]?.taskId ?? "", { messages: 10 });
    expect(task.messages.map((m) => m.role)).toContain("assistant");
  });

  it("pauses for an approval, decides it, and reads the session's turns, a turn's trace and the metrics", async () => {
    const client = direct();
    const { sessionId } = await client.createSession({ agent: "billing" });
    const paused = await client.send(
      sessionId,
      '/tool issue_refund {"invoiceId":"INV-1005","amountCents":25000,"reason":"charged twice"}',
    );
    expect(paused.status).toBe("awaiting_approval");
    const [approval] = await client.approvals(sessionId);
    expect(approval).toMatchObject({ tool: "issue_refund", status: "pending" });
    const decided = await client.decide(sessionId, approval?.approvalId ?? "", { decision: "approve", reason: "ok" });
    expect(decided.approval.status).toBe("approved");
    expect(decided.turn.status).toBe("completed");
    expect(await client.approvals(sessionId, { status: "all" })).toEqual([
      expect.objectContaining({ status: "approved" }),
    ]);

    const { turns } = await client.turns(sessionId, { limit: 5 });
    expect(turns.map((t) => t.turnId)).toEqual([paused.turnId]);
    const trace = await client.trace(sessionId, paused.turnId);
    expect(trace.spans[0]?.name).toBe("invoke_agent billing");
    expect(trace.spans.map((span) => span.name)).toContain("execute_tool issue_refund");
    const metrics = await client.metrics("1h");
    expect(metrics.tenant).toBe("dev");
  });
});

describe("EdgentClient's turn streams", () => {
  it("rejoins a streamed turn whose connection is killed mid-turn, twice, with no frame missed or repeated", async () => {
    const client = proxied();
    const { sessionId } = await client.createSession({ agent: "assistant" });
    const words = Array.from({ length: 30 }, (_, i) => `w${i + 1}`).join(" ");
    const frames: ServerFrame[] = [];
    const acceptedBefore = net.proxy.accepted;
    let deltas = 0;
    let drops = 0;
    let acceptedAtDrop = Number.POSITIVE_INFINITY;
    for await (const frame of client.stream(sessionId, `/slow 40 ${words}`)) {
      frames.push(frame);
      if (frame.type !== "delta") continue;
      // cut the connection after the 3rd delta, then after the first delta on the rejoined one:
      // the client rejoins after the last event it got each time
      const rejoined = net.proxy.accepted > acceptedAtDrop;
      if ((++deltas === 3 && drops === 0) || (drops === 1 && rejoined)) {
        drops++;
        acceptedAtDrop = net.proxy.accepted;
        net.proxy.drop();
      }
    }
    expect(drops).toBe(2);
    // a new connection for each rejoin
    expect(net.proxy.accepted - acceptedBefore).toBeGreaterThanOrEqual(2);
    const done = frames.at(-1);
    expect(done?.type).toBe("done");
    if (done?.type !== "done") return;
    expect(done.body.reply.content).toBe(words);
    const text = frames.flatMap((f) => (f.type === "delta" ? [f.text] : [])).join("");
    expect(text).toBe(words);
    expect(messagesIn(frames)).toEqual(await allStored(sessionId));
    expect(frames.filter((f) => f.type === "turn" && f.status === "started")).toHaveLength(1);
  });

  it("rejoins a turn by id from an earlier stream's last event, and yields nothing once the turn is no longer held", async () => {
    const client = direct();
    const { sessionId } = await client.createSession({ agent: "assistant" });
    const first: ServerFrame[] = [];
    for await (const frame of client.stream(sessionId, "/slow 5 one two three four")) first.push(frame);
    const turnId = first.find((f) => f.type === "turn")?.turnId ?? "";
    const whole: ServerFrame[] = [];
    for await (const frame of client.rejoin(sessionId, turnId)) whole.push(frame);
    expect(whole.at(-1)).toEqual(first.at(-1));
    expect(whole.flatMap((f) => (f.type === "delta" ? [f.text] : [])).join("")).toBe("one two three four");
    // the last three ended turns' streams are held: after three more, this one is not
    for (let i = 0; i < 3; i++) await client.send(sessionId, `later ${i}`);
    const gone: ServerFrame[] = [];
    for await (const frame of client.rejoin(sessionId, turnId)) gone.push(frame);
    expect(gone).toEqual([]);
    const unknown = await (async () => {
      for await (const _frame of client.rejoin(sessionId, "no-such-turn")) return "a frame";
      return "nothing";
    })().catch((error: unknown) => error);
    expect(unknown).toMatchObject({ status: 404, code: "not_found" });
  });
});

describe("EdgentClient's live session over WebSocket", () => {
  it("resumes after the connection is killed mid-turn, with no gap and no duplicate", async () => {
    const client = proxied();
    const { sessionId } = await client.createSession({ agent: "assistant" });
    const live = client.connect(sessionId, { after: 0, reconnectDelayMs: 20 });
    const frames: ServerFrame[] = [];
    live.on((frame) => frames.push(frame));
    await live.ready();
    live.send("/slow 120 one two three four five six seven eight nine ten");
    await waitUntil(() => frames.some((f) => f.type === "delta"), Boolean, {
      what: "the first delta",
      timeoutMs: 15_000,
      intervalMs: 10,
    });
    net.proxy.drop();
    await waitUntil(() => live.reconnects >= 1 && live.status === "open", Boolean, {
      what: "the first reconnect",
      timeoutMs: 15_000,
      intervalMs: 10,
    });
    // and once more, still mid-turn
    const seen = frames.length;
    await waitUntil(() => frames.length > seen && frames.at(-1)?.type === "delta", Boolean, {
      what: "a delta after reconnecting",
      timeoutMs: 15_000,
      intervalMs: 10,
    });
    net.proxy.drop();
    await waitUntil(() => messagesIn(frames).some((m) => m.role === "assistant"), Boolean, {
      what: "the reply",
      timeoutMs: 15_000,
      intervalMs: 10,
    });
    expect(live.reconnects).toBeGreaterThanOrEqual(2);
    const delivered = messagesIn(frames);
    expect(delivered.map((m) => m.seq)).toEqual([1, 2]);
    expect(delivered).toEqual(await allStored(sessionId));
    expect(delivered[1]?.content).toBe("one two three four five six seven eight nine ten");
    expect(live.lastSeq).toBe(2);
    live.close();
    expect(live.status).toBe("closed");
  });

  it("catches up, in order, on what was stored while it could not connect", async () => {
    const client = proxied();
    const { sessionId } = await client.createSession({ agent: "assistant" });
    await direct().send(sessionId, "before");
    // it has seq 1 already: it gets 2 on, never 1
    const live = client.connect(sessionId, { after: 1, reconnectDelayMs: 20, maxReconnectDelayMs: 100 });
    const frames: ServerFrame[] = [];
    live.on((frame) => frames.push(frame));
    await waitUntil(() => messagesIn(frames).length === 1, Boolean, {
      what: "the missed reply",
      timeoutMs: 15_000,
      intervalMs: 10,
    });
    net.proxy.refuse(true);
    net.proxy.drop();
    await waitUntil(() => live.status === "reconnecting", Boolean, {
      what: "losing the connection",
      timeoutMs: 15_000,
      intervalMs: 10,
    });
    const refusedSoFar = net.proxy.accepted;
    await direct().send(sessionId, "while away 1");
    await direct().send(sessionId, "while away 2");
    await waitUntil(() => net.proxy.accepted > refusedSoFar + 1, Boolean, {
      what: "attempts to reconnect",
      timeoutMs: 15_000,
      intervalMs: 10,
    });
    net.proxy.refuse(false);
    await waitUntil(() => messagesIn(frames).length === 5, Boolean, {
      what: "the messages stored while away",
      timeoutMs: 15_000,
      intervalMs: 10,
    });
    expect(messagesIn(frames).map((m) => m.seq)).toEqual([2, 3, 4, 5, 6]);
    expect(messagesIn(frames)).toEqual((await allStored(sessionId)).slice(1));
    live.close();
  });

  it("takes a connection that stops answering heartbeats for dead and reconnects", async () => {
    const client = proxied();
    const { sessionId } = await client.createSession({ agent: "assistant" });
    const live = client.connect(sessionId, { heartbeatMs: 100, pongTimeoutMs: 300, reconnectDelayMs: 20 });
    const problems: string[] = [];
    live.onError((error) => problems.push(error.message));
    await live.ready();
    // from the session's end: nothing is replayed
    expect(live.lastSeq).toBe(0);
    net.proxy.blackhole();
    await waitUntil(() => live.reconnects >= 1 && live.status === "open", Boolean, {
      what: "a reconnect after missed pongs",
      timeoutMs: 15_000,
      intervalMs: 10,
    });
    expect(problems.some((p) => p.includes("no pong"))).toBe(true);
    // the new connection works: a turn sent over it comes back
    const frames: ServerFrame[] = [];
    live.on((frame) => frames.push(frame));
    const clientId = live.send("after the outage");
    await waitUntil(() => frames.some((f) => f.type === "turn" && f.status === "completed"), Boolean, {
      what: "the turn",
      timeoutMs: 15_000,
      intervalMs: 10,
    });
    expect(frames.find((f) => f.type === "turn")).toMatchObject({ clientId });
    expect(messagesIn(frames).map((m) => m.seq)).toEqual([1, 2]);
    live.close();
  });

  it("starts over when the session was made again behind a cursor it remembers", async () => {
    const client = proxied();
    const { sessionId } = await client.createSession({ agent: "assistant" });
    // the app remembers seq 40 of an earlier session with this id
    const live = client.connect(sessionId, { after: 40 });
    const frames: ServerFrame[] = [];
    live.on((frame) => frames.push(frame));
    await live.ready();
    expect(live.lastSeq).toBe(0);
    live.send("hello again");
    await waitUntil(() => messagesIn(frames).length === 2, Boolean, {
      what: "the turn's messages",
      timeoutMs: 15_000,
      intervalMs: 10,
    });
    expect(messagesIn(frames).map((m) => m.seq)).toEqual([1, 2]);
    live.close();
  });

  it("stops, and says why, when the session does not exist", async () => {
    const live = proxied().connect("no-such-session", { reconnectDelayMs: 20 });
    const problems: Error[] = [];
    live.onError((error) => problems.push(error));
    await expect(live.ready()).rejects.toThrow("closed");
    expect(live.status).toBe("closed");
    expect(problems[0]).toMatchObject({ status: 404, code: "not_found" });
  });
});
