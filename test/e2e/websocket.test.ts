import { describe, expect, it } from "vitest";
import { signTicket } from "../../shared/auth/tickets";
import type { Message } from "../../shared/contracts/message";
import { wsTicketSchema } from "../../shared/contracts/session";
import { useRuntime } from "../support/fixture.ts";
import { LiveClient, UpgradeRefused } from "../support/live-client.ts";
import { sleepUntil } from "../support/wait-until.ts";

const suite = useRuntime({ EDGENT_WS_TICKET_TTL_MS: "1500" });

async function refusal(promise: Promise<LiveClient>): Promise<number> {
  try {
    (await promise).close();
    return 101;
  } catch (error) {
    if (error instanceof UpgradeRefused) return error.status;
    throw error;
  }
}

describe("WebSocket frames", () => {
  it("answers bad frames with an error frame and keeps the connection open", async () => {
    const sessionId = await suite.api.session();
    const client = await LiveClient.connect(suite.runtime.url, sessionId);
    const cases: Array<[string, string]> = [
      ["not json", "bad_request"],
      ['{"type":"teleport"}', "validation_failed"],
      ['{"type":"message"}', "validation_failed"],
      ['{"type":"message","content":""}', "validation_failed"],
      ['{"type":"resume","after":-1}', "validation_failed"],
      ["[1,2,3]", "validation_failed"],
    ];
    for (const [frame, code] of cases) {
      const before = client.frames.length;
      client.send(frame);
      const error = await client.waitFor((f) => f.type === "error" && client.frames.indexOf(f) >= before);
      expect(error, frame).toMatchObject({ type: "error", error: { code } });
    }
    client.send({ type: "message", content: "still works" });
    await client.turnEnded();
    expect(client.messages().map((m) => m.content)).toEqual(["still works", "still works"]);
    expect((await suite.api.get(`/v1/sessions/${sessionId}`)).json).toMatchObject({ messageCount: 2 });
    client.close();
  });

  it("answers the agents SDK's own frames with an error frame, reaching none of its RPC or state", async () => {
    const sessionId = await suite.api.session();
    const client = await LiveClient.connect(suite.runtime.url, sessionId);
    const frames = [
      { type: "rpc", id: "r1", method: "erase", args: [{ tenant: "dev", sessionId }] },
      { type: "rpc", id: "r2", method: "no_such_method", args: [] },
      { type: "rpc", id: "r3", method: "reportUsage", args: [] },
      { type: "cf_agent_state", state: { taken: true } },
    ];
    for (const frame of frames) {
      const before = client.frames.length;
      client.send(frame);
      const answer = await client.waitFor((f) => client.frames.indexOf(f) >= before);
      expect(answer, JSON.stringify(frame)).toMatchObject({ type: "error", error: { code: "validation_failed" } });
      expect(JSON.stringify(answer)).not.toMatch(/erase|no_such_method|reportUsage|callable|exist/);
    }
    expect((await suite.api.get(`/v1/sessions/${sessionId}`)).status).toBe(200);
    client.close();
  });

  it("closes the socket with 1009 for a frame over 1 MiB, storing nothing", async () => {
    const sessionId = await suite.api.session();
    const client = await LiveClient.connect(suite.runtime.url, sessionId);
    client.send(JSON.stringify({ type: "message", content: "x".repeat(1024 * 1024 + 10) }));
    expect((await client.closed).code).toBe(1009);
    expect((await suite.api.get(`/v1/sessions/${sessionId}`)).json).toMatchObject({ messageCount: 0 });
  });

  it("counts a frame's size in bytes: 1.2 MB of emoji in 600,000 characters closes the socket", async () => {
    const sessionId = await suite.api.session();
    const client = await LiveClient.connect(suite.runtime.url, sessionId);
    // each emoji is 2 UTF-16 code units and 4 UTF-8 bytes
    client.send(JSON.stringify({ type: "message", content: "😀".repeat(300_000) }));
    expect((await client.closed).code).toBe(1009);
    expect((await suite.api.get(`/v1/sessions/${sessionId}`)).json).toMatchObject({ messageCount: 0 });
  });

  it("answers ping with pong", async () => {
    const sessionId = await suite.api.session();
    const client = await LiveClient.connect(suite.runtime.url, sessionId);
    client.send({ type: "ping" });
    expect(await client.waitFor((f) => f.type === "pong")).toEqual({ type: "pong" });
    client.close();
  });
});

describe("WebSocket auth", () => {
  it("accepts the Authorization header and refuses a missing or wrong token", async () => {
    const sessionId = await suite.api.session();
    expect(await refusal(LiveClient.connect(suite.runtime.url, sessionId, {}))).toBe(401);
    expect(await refusal(LiveClient.connect(suite.runtime.url, sessionId, { token: "nope-nope-nope" }))).toBe(401);
    expect(await refusal(LiveClient.connect(suite.runtime.url, sessionId, { token: "dev-token" }))).toBe(101);
  });

  it("refuses another tenant's session, and a session that does not exist, with 404", async () => {
    const sessionId = await suite.api.session();
    expect(await refusal(LiveClient.connect(suite.runtime.url, sessionId, { token: "dev-token-2" }))).toBe(404);
    expect(await refusal(LiveClient.connect(suite.runtime.url, "never-created"))).toBe(404);
  });

  it("lets a browser in once with a ticket, never twice", async () => {
    const sessionId = await suite.api.session();
    const issued = await suite.api.post(`/v1/sessions/${sessionId}/ws-ticket`);
    expect(issued.status).toBe(201);
    const { ticket, expiresAt } = issued.parse(wsTicketSchema);
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now());
    expect(ticket).not.toContain("dev-token");
    const client = await LiveClient.connect(suite.runtime.url, sessionId, { ticket });
    client.send({ type: "message", content: "via ticket" });
    await client.turnEnded();
    client.close();
    expect(await refusal(LiveClient.connect(suite.runtime.url, sessionId, { ticket }))).toBe(401);
  });

  it("refuses an expired ticket, a forged one, and one used for another session", async () => {
    const sessionId = await suite.api.session();
    const other = await suite.api.session();
    const issue = async (id: string) => (await suite.api.post(`/v1/sessions/${id}/ws-ticket`)).parse(wsTicketSchema);
    const ticketFor = async (id: string) => (await issue(id)).ticket;
    const expired = await issue(sessionId);
    // expiry is the behaviour under test, and trying the ticket before it expires would spend it
    await sleepUntil(Date.parse(expired.expiresAt) + 50);
    expect(await refusal(LiveClient.connect(suite.runtime.url, sessionId, { ticket: expired.ticket }))).toBe(401);
    expect(
      await refusal(
        LiveClient.connect(suite.runtime.url, sessionId, { ticket: "dev.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }),
      ),
    ).toBe(401);
    expect(await refusal(LiveClient.connect(suite.runtime.url, sessionId, { ticket: "garbage" }))).toBe(401);
    expect(await refusal(LiveClient.connect(suite.runtime.url, sessionId, { ticket: await ticketFor(other) }))).toBe(
      401,
    );
    // a forged ticket for a session that does not exist gets the same answer: nothing to probe
    const forged = "eyJ0IjoiZGV2IiwicyI6Im5ldmVyIiwiZSI6OTk5OTk5OTk5OTk5OSwibiI6IkFBQUFBQUFBQUFBQUFBQUFBQUFBIn0.AAAA";
    expect(await refusal(LiveClient.connect(suite.runtime.url, "never", { ticket: forged }))).toBe(401);
    // a ticket is bound to its tenant and session: another tenant's ticket opens nothing here
    const dev2Session = await suite.api.withToken("dev-token-2").session();
    const dev2Ticket = (await suite.api.withToken("dev-token-2").post(`/v1/sessions/${dev2Session}/ws-ticket`)).parse(
      wsTicketSchema,
    ).ticket;
    expect(await refusal(LiveClient.connect(suite.runtime.url, sessionId, { ticket: dev2Ticket }))).toBe(401);
  });

  it("refuses a ticket signed with a key anyone could compute, the same way whatever session it names", async () => {
    // the key a server with neither EDGENT_TICKET_SECRET nor EDGENT_TOKENS once derived from a public string
    const material = new TextEncoder().encode("edgent-ws-ticket\u0000");
    const raw = await crypto.subtle.digest("SHA-256", material);
    const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const forge = (sessionId: string) =>
      signTicket(key, { t: "dev", s: sessionId, e: Date.now() + 60_000, n: "AAAAAAAAAAAAAAAAAAAAAA" });
    const existing = await suite.api.session();
    const absent = `absent-${crypto.randomUUID()}`;
    for (const sessionId of [existing, absent]) {
      const ticket = await forge(sessionId);
      expect(await refusal(LiveClient.connect(suite.runtime.url, sessionId, { ticket })), sessionId).toBe(401);
    }
  });

  it("refuses a plain GET on the WebSocket route", async () => {
    const sessionId = await suite.api.session();
    expect((await suite.api.get(`/v1/sessions/${sessionId}/ws`)).status).toBe(400);
  });
});

describe("many live sessions", () => {
  it("runs 100 WebSocket sessions at once with no lost or cross-delivered messages", async () => {
    const sessions = await Promise.all(Array.from({ length: 100 }, () => suite.api.session("assistant", "many")));
    const clients = await Promise.all(sessions.map((id) => LiveClient.connect(suite.runtime.url, id)));
    const turns = 3;
    await Promise.all(
      clients.map(async (client, i) => {
        for (let t = 0; t < turns; t++) {
          const before = client.frames.length;
          client.send({ type: "message", content: `session ${sessions[i]} turn ${t}` });
          await client.waitFor(
            (f) => f.type === "turn" && f.status === "completed" && client.frames.indexOf(f) >= before,
            30_000,
          );
        }
      }),
    );
    clients.forEach((client, i) => {
      const messages: Message[] = client.messages();
      expect(messages.map((m) => m.seq)).toEqual(Array.from({ length: turns * 2 }, (_, k) => k + 1));
      for (const message of messages) expect(message.content).toContain(`session ${sessions[i]} `);
      client.close();
    });
  });
});
