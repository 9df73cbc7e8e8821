import { Hono } from "hono";
import { LIVE_HEADERS } from "../../durable-objects/session-agent";
import { sessionIdSchema } from "../../shared/contracts/session";
import { EdgentError } from "../../shared/errors";
import { validate } from "../body";
import type { RouterEnv } from "../env";
import { authenticate } from "../middleware/auth";
import { methodNotAllowed } from "../middleware/errors";
import { caller, sessionNotFound, sessionStub } from "./sessions";

const TENANT_IN_TICKET = /^([A-Za-z0-9_-]{1,64})\.[A-Za-z0-9_-]{16,64}$/;

/**
 * GET /v1/sessions/:id/ws: upgrades to the session's WebSocket. Non-browser clients send
 * `Authorization: Bearer`; browsers pass a single-use ticket (`?ticket=`) instead, so that
 * long-lived tokens never appear in URLs. Mounted before the bearer-only middleware.
 */
export const liveUpgrade = new Hono<RouterEnv>()
  .get("/:id/ws", async (c) => {
    const sessionId = validate(sessionIdSchema, c.req.param("id"), "sessionId");
    c.set("sessionId", sessionId);
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      throw new EdgentError("bad_request", "expected a WebSocket upgrade (Upgrade: websocket)");
    }
    const ticket = c.req.query("ticket");
    const headers = new Headers(c.req.raw.headers);
    // never trust these from a client: only the router sets them
    for (const name of Object.values(LIVE_HEADERS)) headers.delete(name);
    if (ticket !== undefined && !c.req.header("authorization")) {
      const tenant = TENANT_IN_TICKET.exec(ticket)?.[1];
      if (!tenant) throw new EdgentError("unauthorized", "invalid ticket");
      c.set("tenant", tenant);
      headers.set(LIVE_HEADERS.ticket, ticket);
    } else {
      c.set("tenant", await authenticate(c));
    }
    headers.set(LIVE_HEADERS.tenant, c.get("tenant"));
    headers.set(LIVE_HEADERS.session, sessionId);
    return sessionStub(c, sessionId).fetch(new Request(c.req.raw, { headers }));
  })
  .all("/:id/ws", methodNotAllowed(["GET"]));

/** Routes for a session's live clients and running turns (bearer auth). */
export const liveRoutes = new Hono<RouterEnv>()
  .post("/:id/ws-ticket", async (c) => {
    const who = caller(c);
    const ttlMs = Number(c.env.EDGENT_WS_TICKET_TTL_MS) || 60_000;
    const issued = await sessionStub(c, who.sessionId).issueTicket(who, ttlMs);
    if (!issued) throw sessionNotFound(who.sessionId);
    return c.json(issued, 201);
  })
  .all("/:id/ws-ticket", methodNotAllowed(["POST"]))
  .post("/:id/turns/:turnId/cancel", async (c) => {
    const who = caller(c);
    const turnId = c.req.param("turnId");
    c.set("turnId", turnId);
    const outcome = await sessionStub(c, who.sessionId).cancelTurn(who, turnId);
    if (outcome.status === "not_found") throw new EdgentError("not_found", `turn '${turnId}' not found`);
    if (outcome.status === "not_running") throw new EdgentError("conflict", `turn '${turnId}' is not running`);
    return c.json({ turnId, status: "cancelled" });
  })
  .all("/:id/turns/:turnId/cancel", methodNotAllowed(["POST"]));
