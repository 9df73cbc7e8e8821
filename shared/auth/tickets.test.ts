import { describe, expect, it } from "vitest";
import { newNonce, signTicket, ticketKey, verifyTicket } from "./tickets";

const claims = { t: "acme", s: "session-1", e: 2_000, n: newNonce() };

describe("WebSocket tickets", () => {
  it("verifies a ticket it signed until it expires", async () => {
    const key = await ticketKey(undefined, '{"token-aaaaaaaa":"acme"}');
    const ticket = await signTicket(key, claims);
    expect(await verifyTicket(key, ticket, 1_999)).toEqual({ ok: true, claims });
    expect(await verifyTicket(key, ticket, 2_000)).toEqual({ ok: false, reason: "expired" });
  });

  it("refuses a ticket signed with another key or altered", async () => {
    const key = await ticketKey("secret-one", undefined);
    const other = await ticketKey("secret-two", undefined);
    const ticket = await signTicket(other, claims);
    expect(await verifyTicket(key, ticket, 0)).toEqual({ ok: false, reason: "forged" });
    const [payload, signature] = (await signTicket(key, claims)).split(".") as [string, string];
    const altered = btoa(JSON.stringify({ ...claims, t: "globex" })).replace(/=+$/, "");
    expect(await verifyTicket(key, `${altered}.${signature}`, 0)).toEqual({ ok: false, reason: "forged" });
    expect((await verifyTicket(key, `${payload}.${signature}`, 0)).ok).toBe(true);
  });

  it.each([["garbage"], ["a.b.c"], ["not base64!.x"], [""]])("calls %j malformed", async (ticket) => {
    const key = await ticketKey("secret", undefined);
    expect(await verifyTicket(key, ticket, 0)).toMatchObject({ ok: false });
  });
});
