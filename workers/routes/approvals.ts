import { Hono } from "hono";
import {
  approvalDecisionBodySchema,
  approvalIdSchema,
  type DecisionResponse,
  listApprovalsQuerySchema,
} from "../../shared/contracts/approval";
import { EdgentError } from "../../shared/errors";
import { readJson, validate } from "../body";
import type { RouterEnv } from "../env";
import { methodNotAllowed } from "../middleware/errors";
import { caller, sessionNotFound, sessionStub } from "./sessions";

/** /v1/sessions/:id/approvals: tool calls waiting for a person's decision, the session's sub-agents' included. */
export const approvalRoutes = new Hono<RouterEnv>()
  .get("/:id/approvals", async (c) => {
    const who = caller(c);
    const query = validate(listApprovalsQuerySchema, c.req.query(), "query");
    const approvals = await sessionStub(c, who.sessionId).listApprovals(who, query.status, query.limit);
    if (!approvals) throw sessionNotFound(who.sessionId);
    return c.json({ approvals });
  })
  .all("/:id/approvals", methodNotAllowed(["GET"]))

  .post("/:id/approvals/:approvalId", async (c) => {
    const who = caller(c);
    const approvalId = validate(approvalIdSchema, c.req.param("approvalId"), "approvalId");
    const body = await readJson(c, approvalDecisionBodySchema);
    const outcome = await sessionStub(c, who.sessionId).decideApproval(who, approvalId, {
      decision: body.decision,
      ...(body.reason ? { reason: body.reason } : {}),
      by: { tenant: c.get("tenant"), label: c.get("label") },
    });
    switch (outcome.status) {
      case "not_found":
        throw new EdgentError("not_found", `approval '${approvalId}' not found`);
      case "already_decided":
        throw new EdgentError("already_decided", `approval '${approvalId}' is already ${outcome.approval.status}`);
      case "decided": {
        c.set("turnId", outcome.turn.turnId);
        const response: DecisionResponse = { approval: outcome.approval, turn: outcome.turn };
        return c.json(response);
      }
    }
  })
  .all("/:id/approvals/:approvalId", methodNotAllowed(["POST"]));
