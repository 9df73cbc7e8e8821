import { Hono } from "hono";
import { listTurnsQuerySchema, turnIdSchema } from "../../shared/contracts/trace";
import { EdgentError } from "../../shared/errors";
import { validate } from "../body";
import type { RouterEnv } from "../env";
import { methodNotAllowed } from "../middleware/errors";
import { caller, sessionNotFound, sessionStub } from "./sessions";

/** /v1/sessions/:id/turns: a session's turns, their traces, and cancelling a running one. */
export const turnRoutes = new Hono<RouterEnv>()
  .get("/:id/turns", async (c) => {
    const who = caller(c);
    const query = validate(listTurnsQuerySchema, c.req.query(), "query");
    const page = await sessionStub(c, who.sessionId).listTurns(who, query.limit, query.before);
    if (!page) throw sessionNotFound(who.sessionId);
    if (page === "no_turn")
      throw new EdgentError("validation_failed", `before: no turn '${query.before}' in this session`);
    return c.json(page);
  })
  .all("/:id/turns", methodNotAllowed(["GET"]))

  .get("/:id/turns/:turnId/trace", async (c) => {
    const who = caller(c);
    const turnId = validate(turnIdSchema, c.req.param("turnId"), "turnId");
    c.set("turnId", turnId);
    const trace = await sessionStub(c, who.sessionId).turnTrace(who, turnId);
    if (!trace) throw sessionNotFound(who.sessionId);
    if (trace === "no_turn") throw new EdgentError("not_found", `turn '${turnId}' not found`);
    if (trace === "no_trace") {
      throw new EdgentError("not_found", `turn '${turnId}' has no retained trace (pruned, or tracing was off)`);
    }
    return c.json(trace);
  })
  .all("/:id/turns/:turnId/trace", methodNotAllowed(["GET"]))

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
