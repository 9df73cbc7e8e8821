import { z } from "zod";
import { DEV_TOKENS } from "./tenants";

/** What a WebSocket ticket grants: one upgrade to one tenant's session, until it expires. */
export const ticketClaimsSchema = z.object({
  t: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/), // tenant
  s: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/), // session id
  e: z.number().int().positive(), // expiry, ms since epoch
  n: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/), // nonce, redeemed once by the session's object
});
export type TicketClaims = z.infer<typeof ticketClaimsSchema>;

/** Outcome of checking a ticket. */
export type TicketCheck =
  | { ok: true; claims: TicketClaims }
  | { ok: false; reason: "malformed" | "forged" | "expired" };

const encoder = new TextEncoder();

/** Where the key that signs tickets comes from; never from anything an outsider could know. */
export type TicketKeyPlan =
  /** a key derived from a secret: EDGENT_TICKET_SECRET, else the configured bearer tokens */
  | { kind: "derived"; material: string }
  /** dev mode with no secret: a random key, made once per isolate (tickets do not outlive it) */
  | { kind: "random" }
  /** no secret outside dev mode: tickets are neither issued nor accepted */
  | { kind: "none" };

/**
 * Which key signs tickets: EDGENT_TICKET_SECRET when set, else one derived from the configured
 * bearer tokens (a secret too; the well-known dev tokens do not count), else in dev mode a
 * random key, else none.
 */
export function ticketKeyPlan(
  secret: string,
  /** configured bearer tokens (their values, a tenant or an identity, do not matter here) */
  tokens: Readonly<Record<string, unknown>>,
  devMode: boolean,
): TicketKeyPlan {
  if (secret) return { kind: "derived", material: `edgent-ws-ticket:secret\u0000${secret}` };
  const secretTokens = Object.keys(tokens)
    .filter((token) => !(token in DEV_TOKENS))
    .sort();
  if (secretTokens.length > 0) {
    return { kind: "derived", material: `edgent-ws-ticket:tokens\u0000${JSON.stringify(secretTokens)}` };
  }
  return devMode ? { kind: "random" } : { kind: "none" };
}

/** The HMAC key a plan names, or null when tickets are off. */
export async function ticketKey(plan: TicketKeyPlan): Promise<CryptoKey | null> {
  if (plan.kind === "none") return null;
  let raw: ArrayBuffer | Uint8Array<ArrayBuffer>;
  if (plan.kind === "random") {
    raw = new Uint8Array(32);
    crypto.getRandomValues(raw);
  } else raw = await crypto.subtle.digest("SHA-256", encoder.encode(plan.material));
  return crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

/** Signs claims into `<payload>.<signature>`, both base64url. */
export async function signTicket(key: CryptoKey, claims: TicketClaims): Promise<string> {
  const payload = base64url(encoder.encode(JSON.stringify(claims)));
  const signature = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(payload)));
  return `${payload}.${base64url(signature)}`;
}

/** Checks a ticket's signature (in constant time) and expiry. */
export async function verifyTicket(key: CryptoKey, ticket: string, now: number): Promise<TicketCheck> {
  const [payload, signature, extra] = ticket.split(".");
  if (!payload || !signature || extra !== undefined || ticket.length > 1024) return { ok: false, reason: "malformed" };
  const signatureBytes = fromBase64url(signature);
  if (!signatureBytes) return { ok: false, reason: "malformed" };
  const valid = await crypto.subtle.verify("HMAC", key, signatureBytes, encoder.encode(payload));
  if (!valid) return { ok: false, reason: "forged" };
  const bytes = fromBase64url(payload);
  let json: unknown;
  try {
    json = bytes ? JSON.parse(new TextDecoder().decode(bytes)) : undefined;
  } catch {
    return { ok: false, reason: "malformed" };
  }
  const claims = ticketClaimsSchema.safeParse(json);
  if (!claims.success) return { ok: false, reason: "malformed" };
  return claims.data.e > now ? { ok: true, claims: claims.data } : { ok: false, reason: "expired" };
}

/** A random base64url nonce. */
export function newNonce(): string {
  const bytes = new Uint8Array(18);
  crypto.getRandomValues(bytes);
  return base64url(bytes);
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4));
    return Uint8Array.from(binary, (char) => char.charCodeAt(0));
  } catch {
    return null;
  }
}
