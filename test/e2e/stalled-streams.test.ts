import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServerFrame } from "../../shared/contracts/frames";
import type { Message } from "../../shared/contracts/message.ts";
import { Client } from "../support/client.ts";
import { LiveClient, streamTurn } from "../support/live-client.ts";
import { type MockOpenAI, type MockReply, openaiAssistantVars, startMockOpenAI } from "../support/openai-mock.ts";
import { type Runtime, startRuntime } from "../support/runtime.ts";

// short limits so a stalled provider is noticed in well under a second
const LIMITS = { EDGENT_MODEL_FIRST_TOKEN_MS: "500", EDGENT_MODEL_IDLE_MS: "500", EDGENT_RETRY_BASE_MS: "5" };

const frames = (events: Array<{ frame: ServerFrame }>) => events.map((e) => e.frame);
const deltas = (list: ServerFrame[]) => list.flatMap((f) => (f.type === "delta" ? [f.text] : []));
const failedStatus = (list: ServerFrame[]) => list.some((f) => f.type === "turn" && f.status === "failed");
const errorCode = (list: ServerFrame[]) =>
  list.flatMap((f) => (f.type === "error" ? [f.error.code] : [])).at(0) ?? "no error frame";

async function history(api: Client, sessionId: string): Promise<Message[]> {
  return api.history(sessionId);
}

describe("a builtin model stream that stalls before its first token", () => {
  let runtime: Runtime;
  let api: Client;
  beforeAll(async () => {
    runtime = await startRuntime({
      vars: { EDGENT_DEV_MODE: "true", EDGENT_MODEL_MAX_RETRIES: "0", EDGENT_ESCALATION: "off", ...LIMITS },
    });
    api = new Client(runtime.url);
  });
  afterAll(() => runtime?.dispose());

  it("fails the SSE turn with model_unavailable instead of hanging, and the next turn runs", async () => {
    const sessionId = await api.session();
    const { events } = await streamTurn(runtime.url, sessionId, { content: "/slow 99999 x" });
    expect(failedStatus(frames(events))).toBe(true);
    expect(errorCode(frames(events))).toBe("model_unavailable");
    expect((await api.say(sessionId, "next one")).reply.content).toBe("next one");
    const stored = await history(api, sessionId);
    expect(stored.map((m) => [m.role, m.content])).toEqual([
      ["user", "/slow 99999 x"],
      ["user", "next one"],
      ["assistant", "next one"],
    ]);
  });

  it("fails the WebSocket turn the same way", async () => {
    const sessionId = await api.session();
    const client = await LiveClient.connect(runtime.url, sessionId);
    client.send({ type: "message", content: "/slow 99999 x" });
    const ended = await client.turnEnded();
    expect(ended).toMatchObject({ type: "turn", status: "failed" });
    // the failed status comes first, then the error that says why
    await client.waitFor((f) => f.type === "error");
    expect(errorCode(client.frames)).toBe("model_unavailable");
    client.close();
  });
});

describe("an OpenAI-compatible provider that stalls its stream", () => {
  let openai: MockOpenAI;
  let runtime: Runtime;
  let api: Client;
  let script: MockReply[] = [];
  beforeAll(async () => {
    openai = await startMockOpenAI(() => script.shift() ?? { status: 500 });
    runtime = await startRuntime({
      vars: { ...openaiAssistantVars(openai.baseURL), EDGENT_MODEL_MAX_RETRIES: "1", ...LIMITS },
    });
    api = new Client(runtime.url);
  });
  afterAll(async () => {
    await runtime?.dispose();
    await openai?.close();
  });

  it("retries an attempt that sent no token in time, over SSE", async () => {
    const sessionId = await api.session();
    const before = openai.requests.length;
    script = [{ stall: {} }, { content: "recovered" }];
    const { events } = await streamTurn(runtime.url, sessionId, { content: "hello" });
    const done = frames(events).at(-1);
    expect(done?.type).toBe("done");
    expect(deltas(frames(events)).join("")).toBe("recovered");
    expect(openai.requests.length - before).toBe(2);
  });

  it("fails a turn whose stream goes silent after text, over SSE and WebSocket, storing no half answer", async () => {
    const sessionId = await api.session();
    const watcher = await LiveClient.connect(runtime.url, sessionId);
    const before = openai.requests.length;
    script = [{ stall: { afterText: "half an ans" } }, { content: "must not be asked" }];
    const { events } = await streamTurn(runtime.url, sessionId, { content: "hello" });
    const sse = frames(events);
    expect(deltas(sse)).toEqual(["half an ans"]);
    expect(failedStatus(sse)).toBe(true);
    expect(errorCode(sse)).toBe("model_unavailable");
    // text already reached clients: the attempt is not silently restarted behind their backs
    expect(openai.requests.length - before).toBe(1);
    await watcher.turnEnded();
    expect(deltas(watcher.frames)).toEqual(["half an ans"]);
    expect(failedStatus(watcher.frames)).toBe(true);
    expect(watcher.messages().map((m) => m.role)).toEqual(["user"]);
    watcher.close();
    expect((await history(api, sessionId)).map((m) => m.role)).toEqual(["user"]);
    script = [];
  });
});
