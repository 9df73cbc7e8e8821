import { describe, expect, it } from "vitest";
import { turnResponseSchema } from "../../shared/contracts/message";
import { useRuntime } from "../support/fixture.ts";

const suite = useRuntime();

describe("turn ordering", () => {
  it("stores 20 concurrent messages to one session, in order, without interleaving turns", async () => {
    const sessionId = await suite.api.session();
    const contents = Array.from({ length: 20 }, (_, i) => `/tool calculator {"expression":"${i} + 1"}`);
    const replies = await Promise.all(
      contents.map((content) => suite.api.post(`/v1/sessions/${sessionId}/messages`, { content })),
    );
    for (const reply of replies) expect(reply.status).toBe(200);

    const messages = await suite.api.history(sessionId);
    expect(messages).toHaveLength(80);
    expect(messages.map((m) => m.seq)).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
    // each turn's four messages are contiguous: user, tool call, tool result, reply
    for (let t = 0; t < 20; t++) {
      const turn = messages.slice(t * 4, t * 4 + 4);
      expect(new Set(turn.map((m) => m.turnId)).size).toBe(1);
      expect(turn.map((m) => m.role)).toEqual(["user", "assistant", "tool", "assistant"]);
      const sum = JSON.parse(turn[2]?.content ?? "{}") as { expression: string; value: number };
      expect(turn[0]?.content).toContain(sum.expression);
    }
    // every request got back exactly its own turn
    const turnIds = replies.map((r) => r.parse(turnResponseSchema).turnId);
    expect(new Set(turnIds).size).toBe(20);
    replies.forEach((reply, i) => {
      expect(reply.parse(turnResponseSchema).messages[0]?.content).toBe(contents[i]);
    });
    expect(new Set(messages.filter((m) => m.role === "user").map((m) => m.content))).toEqual(new Set(contents));
  });
});

describe("idempotency", () => {
  it("returns the original response for a retry with the same key and body, appending nothing", async () => {
    const sessionId = await suite.api.session();
    const headers = { "idempotency-key": `key-${crypto.randomUUID()}` };
    const first = await suite.api.post(`/v1/sessions/${sessionId}/messages`, { content: "pay once" }, headers);
    const retry = await suite.api.post(`/v1/sessions/${sessionId}/messages`, { content: "pay once" }, headers);
    expect(first.status).toBe(200);
    expect(retry.status).toBe(200);
    expect(retry.json).toEqual(first.json);
    expect(await suite.api.history(sessionId)).toHaveLength(2);
  });

  it("runs concurrent duplicates once", async () => {
    const sessionId = await suite.api.session();
    const headers = { "idempotency-key": `key-${crypto.randomUUID()}` };
    const replies = await Promise.all(
      Array.from({ length: 5 }, () =>
        suite.api.post(`/v1/sessions/${sessionId}/messages`, { content: "once" }, headers),
      ),
    );
    for (const reply of replies) expect(reply.json).toEqual(replies[0]?.json);
    expect(await suite.api.history(sessionId)).toHaveLength(2);
  });

  it("answers 409 when a key is reused with a different body, storing nothing", async () => {
    const sessionId = await suite.api.session();
    const headers = { "idempotency-key": `key-${crypto.randomUUID()}` };
    await suite.api.post(`/v1/sessions/${sessionId}/messages`, { content: "first" }, headers);
    const reused = await suite.api.post(`/v1/sessions/${sessionId}/messages`, { content: "second" }, headers);
    expect(reused.status).toBe(409);
    expect(reused.code).toBe("conflict");
    expect(await suite.api.history(sessionId)).toHaveLength(2);
  });

  it("scopes keys to their session", async () => {
    const a = await suite.api.session();
    const b = await suite.api.session();
    const headers = { "idempotency-key": "same-key-for-both" };
    await suite.api.post(`/v1/sessions/${a}/messages`, { content: "to a" }, headers);
    const other = await suite.api.post(`/v1/sessions/${b}/messages`, { content: "to b" }, headers);
    expect(other.status).toBe(200);
    expect(other.parse(turnResponseSchema).reply.content).toContain("to b");
  });
});

describe("bounded context", () => {
  it("keeps the model's context within budget while the full history stays readable", async () => {
    const sessionId = await suite.api.session();
    const filler = "lorem ipsum dolor sit amet ".repeat(8); // ~54 tokens a message
    const turns = 160;
    let compactedSeen = false;
    for (let i = 0; i < turns; i++) {
      const turn = await suite.api.say(sessionId, `turn ${i} ${filler}`);
      expect(turn.usage.inputTokens).toBeLessThanOrEqual(8_000);
      if (turn.usage.modelCalls > 1) compactedSeen = true;
    }
    expect(compactedSeen).toBe(true);

    const reply = await suite.api.say(sessionId, "/history");
    const seen = JSON.parse(reply.reply.content) as string[];
    expect(seen.at(-1)).toBe("/history");
    // older turns were folded into the summary; the newest are verbatim and in order
    expect(seen.length).toBeLessThan(turns);
    expect(seen.length).toBeGreaterThan(10);
    const numbers = seen.slice(0, -1).map((text) => Number(/^turn (\d+)/.exec(text)?.[1]));
    expect(numbers.at(-1)).toBe(turns - 1);
    numbers.forEach((n, i) => {
      if (i > 0) expect(n).toBe((numbers[i - 1] as number) + 1);
    });
    expect(reply.usage.inputTokens).toBeLessThanOrEqual(8_000);

    const all = await suite.api.history(sessionId);
    expect(all).toHaveLength(turns * 2 + 2);
    expect(all[0]?.content).toContain("turn 0 ");
  });
});
