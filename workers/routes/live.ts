import { Hono } from "hono";
import { z } from "zod";
import { LIVE_HEADERS } from "../../durable-objects/rpc";
import { newNonce, signTicket, ticketKey, ticketKeyPlan, verifyTicket } from "../../shared/auth/tickets";
import { clientFrameSchema, serverFrameSchema } from "../../shared/contracts/frames";
import { sessionIdSchema, type WsTicket, wsTicketSchema } from "../../shared/contracts/session";
import { EdgentError, fromFailure } from "../../shared/errors";
import { settingsOf } from "../../shared/settings";
import { validate } from "../body";
import type { RouterEnv } from "../env";
import { authenticate } from "../middleware/auth";
import { methodNotAllowed } from "../middleware/errors";
import { answer, describe, json } from "../openapi/describe";
import { caller, sessionNotFound, sessionStub } from "./sessions";

/** Query of GET /v1/sessions/:id/ws. */
const liveQuerySchema = z.object({
  ticket: z.string().optional().describe("a single-use ticket from POST /v1/sessions/{id}/ws-ticket (browsers)"),
  after: z
    .string()
    .regex(/^\d{1,15}$/)
    .optional()
    .describe("the last seq the client has seen"),
});

/** The `type`s of a frame union, for the docs. */
function frameTypes(union: z.ZodDiscriminatedUnion): string {
  return union.options.map((option) => `\`${String((option as z.ZodObject).shape.type.value)}\``).join(", ");
}

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
  .get(
    "/:id/ws",
    describe({
      operationId: "connectSession",
      tag: "live",
      summary: "Open the session's WebSocket",
      description: `Upgrades to the session's WebSocket. Authenticate with \`Authorization: Bearer\` or, from a browser, a single-use \`ticket\` (POST /v1/sessions/{id}/ws-ticket). \`after\` replays every stored message with a greater seq before live ones. Client frames: ${frameTypes(clientFrameSchema)}; server frames: ${frameTypes(serverFrameSchema)} (shared/contracts/frames.ts).`,
      params: { id: sessionIdSchema },
      query: liveQuerySchema,
      headers: { upgrade: { schema: z.literal("websocket"), description: "must be `websocket`" } },
      responses: { 101: answer("switching protocols: the socket is open and its first frame is `ready`") },
      errors: [400, 404],
      security: [{ bearerAuth: [] }, {}],
    }),
    async (c) => {
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
    },
  )
  .all("/:id/ws", methodNotAllowed(["GET"]));

/** POST /v1/sessions/:id/ws-ticket: a single-use ticket for a browser's upgrade (bearer auth). */
export const ticketRoutes = new Hono<RouterEnv>()
  .post(
    "/:id/ws-ticket",
    describe({
      operationId: "createWsTicket",
      tag: "live",
      summary: "Get a single-use WebSocket ticket",
      description:
        "A signed ticket for a browser's WebSocket upgrade (`?ticket=`), bound to the tenant and session, valid EDGENT_WS_TICKET_TTL_MS and for one socket.",
      params: { id: sessionIdSchema },
      responses: { 201: answer("the ticket", json(wsTicketSchema)) },
      errors: [400, 404],
    }),
    async (c) => {
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
      const body: WsTicket = { ticket, expiresAt: new Date(claims.e).toISOString() };
      return c.json(body, 201);
    },
  )
  .all("/:id/ws-ticket", methodNotAllowed(["POST"]));
