import { describe, expect, it } from "vitest";
import { newNonce, signTicket, ticketKey, ticketKeyPlan, verifyTicket } from "./tickets";

const claims = { t: "acme", s: "session-1", e: 2_000, n: newNonce() };

async function keyOf(secret: string, tokens: Record<string, string> = {}, devMode = false): Promise<CryptoKey> {
  const key = await ticketKey(ticketKeyPlan(secret, tokens, devMode));
  if (!key) throw new Error("no ticket key");
  return key;
}

describe("WebSocket tickets", () => {
  it("verifies a ticket it signed until it expires", async () => {
    const key = await keyOf("", { "token-aaaaaaaa": "acme" });
    const ticket = await signTicket(key, claims);
    expect(await verifyTicket(key, ticket, 1_999)).toEqual({ ok: true, claims });
    expect(await verifyTicket(key, ticket, 2_000)).toEqual({ ok: false, reason: "expired" });
  });

  it("refuses a ticket signed with another key or altered", async () => {
    const key = await keyOf("secret-one");
    const other = await keyOf("secret-two");
    const ticket = await signTicket(other, claims);
    expect(await verifyTicket(key, ticket, 0)).toEqual({ ok: false, reason: "forged" });
    const [payload, signature] = (await signTicket(key, claims)).split(".") as [string, string];
    const altered = btoa(JSON.stringify({ ...claims, t: "globex" })).replace(/=+$/, "");
    expect(await verifyTicket(key, `${altered}.${signature}`, 0)).toEqual({ ok: false, reason: "forged" });
    expect((await verifyTicket(key, `${payload}.${signature}`, 0)).ok).toBe(true);
  });

  it.each([["garbage"], ["a.b.c"], ["not base64!.x"], [""]])("calls %j malformed", async (ticket) => {
    const key = await keyOf("secret");
    expect(await verifyTicket(key, ticket, 0)).toMatchObject({ ok: false });
  });
});

describe("the ticket key", () => {
  const real = { "token-aaaaaaaa": "acme" };
  const dev = { "dev-token": "dev" };
  it.each([
    ["the ticket secret, when set", "s3cret", real, false, "derived"],
    ["the bearer tokens, without a ticket secret", "", real, false, "derived"],
    ["random in dev mode with no secret", "", {}, true, "random"],
    ["random in dev mode when only the public dev tokens are configured", "", dev, true, "random"],
    ["none outside dev mode with no secret", "", {}, false, "none"],
    ["none outside dev mode when only the public dev tokens are configured", "", dev, false, "none"],
  ] as const)("is %s", (_, secret, tokens, devMode, kind) => {
    expect(ticketKeyPlan(secret, tokens, devMode).kind).toBe(kind);
  });

  it("gives no key when tickets are off", async () => {
    expect(await ticketKey({ kind: "none" })).toBeNull();
  });

  it("makes a new random key each time, so a ticket signed by one is refused by another", async () => {
    const one = await keyOf("", {}, true);
    const two = await keyOf("", {}, true);
    expect(await verifyTicket(two, await signTicket(one, claims), 0)).toEqual({ ok: false, reason: "forged" });
  });

  it("derives different keys from the secret and from tokens that look alike", async () => {
    const fromSecret = await keyOf('[["token-aaaaaaaa","acme"]]');
    const fromTokens = await keyOf("", real);
    expect(await verifyTicket(fromTokens, await signTicket(fromSecret, claims), 0)).toMatchObject({ ok: false });
  });
});
