import { Hono } from "hono";
import { LIVE_HEADERS } from "../../durable-objects/rpc";
import { newNonce, signTicket, ticketKey, ticketKeyPlan, verifyTicket } from "../../shared/auth/tickets";
import { sessionIdSchema } from "../../shared/contracts/session";
import { EdgentError, fromFailure } from "../../shared/errors";
import { settingsOf } from "../../shared/settings";
import { validate } from "../body";
import type { RouterEnv } from "../env";
import { authenticate } from "../middleware/auth";
import { methodNotAllowed } from "../middleware/errors";
import { caller, sessionNotFound, sessionStub } from "./sessions";

/** Headers of the client's upgrade request the session's object needs; nothing else passes. */
const FORWARDED_HEADERS = [
  "upgrade",
  "connection",
  "sec-websocket-key",
  "sec-websocket-version",
  "sec-websocket-extensions",
  "sec-websocket-protocol",
];

/**
 * The key tickets are signed with, made once per configuration (a random one once per
 * isolate), or null when tickets are off (no secret outside dev mode).
 */
function ticketKeyFor(env: Env): Promise<CryptoKey | null> {
  const loaded = settingsOf(env).require(["EDGENT_TICKET_SECRET", "EDGENT_TOKENS", "EDGENT_DEV_MODE"]);
  if (!loaded.ok) throw fromFailure(loaded.failure);
  const { EDGENT_TICKET_SECRET, EDGENT_TOKENS, EDGENT_DEV_MODE } = loaded.settings;
  const plan = ticketKeyPlan(EDGENT_TICKET_SECRET, EDGENT_TOKENS, EDGENT_DEV_MODE === "true");
  const config = JSON.stringify(plan);
  if (keyCache?.config !== config) keyCache = { config, key: ticketKey(plan) };
  return keyCache.key;
}
let keyCache: { config: string; key: Promise<CryptoKey | null> } | undefined;

/**
 * GET /v1/sessions/:id/ws: upgrades to the session's WebSocket. Non-browser clients send
 * `Authorization: Bearer`; browsers pass a signed single-use ticket (`?ticket=`) instead, so
 * long-lived tokens never appear in URLs. A ticket is checked here, so a bad one never
 * reaches (or creates) a session's object. Mounted before the bearer-only middleware.
 */
export const liveUpgrade = new Hono<RouterEnv>()
  .get("/:id/ws", async (c) => {
    const sessionId = validate(sessionIdSchema, c.req.param("id"), "sessionId");
    c.set("sessionId", sessionId);
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      throw new EdgentError("bad_request", "expected a WebSocket upgrade (Upgrade: websocket)");
    }
    const headers = new Headers();
    for (const name of FORWARDED_HEADERS) {
      const value = c.req.header(name);
      if (value !== undefined) headers.set(name, value);
    }
    const ticket = c.req.query("ticket");
    if (ticket !== undefined && !c.req.header("authorization")) {
      // a bad ticket gets the same 401 whatever session it names, and no object is touched
      const key = await ticketKeyFor(c.env);
      const check = key ? await verifyTicket(key, ticket, Date.now()) : null;
      if (!check?.ok || check.claims.s !== sessionId)
        throw new EdgentError("unauthorized", "invalid, used or expired ticket");
      c.set("tenant", check.claims.t);
      headers.set(LIVE_HEADERS.ticket, check.claims.n);
    } else {
      c.set("tenant", await authenticate(c));
    }
    headers.set(LIVE_HEADERS.tenant, c.get("tenant"));
    headers.set(LIVE_HEADERS.session, sessionId);
    // only `after` reaches the object: other parameters (e.g. the SDK's own) are not the client's to set
    const url = new URL(`https://session/v1/sessions/${sessionId}/ws`);
    const after = c.req.query("after");
    if (after !== undefined) url.searchParams.set("after", after);
    return sessionStub(c, sessionId).fetch(new Request(url, { headers }));
  })
  .all("/:id/ws", methodNotAllowed(["GET"]));

/** POST /v1/sessions/:id/ws-ticket: a single-use ticket for a browser's upgrade (bearer auth). */
export const ticketRoutes = new Hono<RouterEnv>()
  .post("/:id/ws-ticket", async (c) => {
    const who = caller(c);
    const settings = settingsOf(c.env).require(["EDGENT_WS_TICKET_TTL_MS"]);
    if (!settings.ok) throw fromFailure(settings.failure);
    const key = await ticketKeyFor(c.env);
    if (!key) throw new EdgentError("misconfigured", "WebSocket tickets need EDGENT_TICKET_SECRET to be set");
    const ttlMs = settings.settings.EDGENT_WS_TICKET_TTL_MS;
    const claims = { t: who.tenant, s: who.sessionId, e: Date.now() + ttlMs, n: newNonce() };
    if (!(await sessionStub(c, who.sessionId).registerTicket(who, claims.n, claims.e)))
      throw sessionNotFound(who.sessionId);
    const ticket = await signTicket(key, claims);
    return c.json({ ticket, expiresAt: new Date(claims.e).toISOString() }, 201);
  })
  .all("/:id/ws-ticket", methodNotAllowed(["POST"]));
