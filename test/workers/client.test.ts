import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { EdgentClient, type ServerFrame } from "../../client";

// the client as a Worker would use it: its fetch goes to the router (here, this worker itself)
const client = new EdgentClient({
  baseUrl: "http://localhost",
  token: "dev-token",
  fetch: (input, init) => exports.default.fetch(new Request(input, init)),
});

describe("EdgentClient inside workerd", () => {
  it("runs turns, streams typed frames and reads history from a Worker", async () => {
    const { sessionId } = await client.createSession({ agent: "analyst" });
    const turn = await client.send(sessionId, '/tool calculator {"expression":"2^10"}');
    expect(turn.status === "completed" && turn.reply.content).toContain('"value":1024');
    const frames: ServerFrame[] = [];
    for await (const frame of client.stream(sessionId, "/slow 1 x y")) frames.push(frame);
    expect(frames.map((f) => f.type)).toEqual(expect.arrayContaining(["message", "turn", "delta", "done"]));
    const page = await client.history(sessionId, { limit: 100 });
    expect(page.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await client.wsTicket(sessionId)).ticket.length).toBeGreaterThan(20);
  });
});
