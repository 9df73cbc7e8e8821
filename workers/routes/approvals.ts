import { Hono } from "hono";
import {
  approvalDecisionBodySchema,
  approvalIdSchema,
  approvalListSchema,
  type DecisionResponse,
  decisionResponseSchema,
  listApprovalsQuerySchema,
} from "../../shared/contracts/approval";
import { sessionIdSchema } from "../../shared/contracts/session";
import { EdgentError } from "../../shared/errors";
import { readJson, validate } from "../body";
import type { RouterEnv } from "../env";
import { methodNotAllowed } from "../middleware/errors";
import { answer, describe, json } from "../openapi/describe";
import { caller, sessionNotFound, sessionStub } from "./sessions";

/** /v1/sessions/:id/approvals: tool calls waiting for a person's decision, the session's sub-agents' included. */
export const approvalRoutes = new Hono<RouterEnv>()
  .get(
    "/:id/approvals",
    describe({
      operationId: "listApprovals",
      tag: "approvals",
      summary: "List a session's approvals",
      description:
        "Tool calls waiting for a person's decision (`status=pending`, the default) or every approval (`status=all`), the session's sub-agents' included, oldest first.",
      params: { id: sessionIdSchema },
      query: listApprovalsQuerySchema,
      responses: { 200: answer("the approvals", json(approvalListSchema)) },
      errors: [400, 404],
    }),
    async (c) => {
      const who = caller(c);
      const query = validate(listApprovalsQuerySchema, c.req.query(), "query");
      const approvals = await sessionStub(c, who.sessionId).listApprovals(who, query.status, query.limit);
      if (!approvals) throw sessionNotFound(who.sessionId);
      return c.json({ approvals });
    },
  )
  .all("/:id/approvals", methodNotAllowed(["GET"]))

  .post(
    "/:id/approvals/:approvalId",
    describe({
      operationId: "decideApproval",
      tag: "approvals",
      summary: "Approve or reject a tool call",
      description:
        "Decides a pending approval once: approve runs the tool, reject gives the model a tool result saying why. Answers with where the turn got within EDGENT_TURN_WAIT_MS. A second decision (or one on an expired or cancelled approval) is 409.",
      params: { id: sessionIdSchema, approvalId: approvalIdSchema },
      body: approvalDecisionBodySchema,
      responses: { 200: answer("the decided approval and its turn", json(decisionResponseSchema)) },
      errors: [400, 404, 409, 413, 415],
    }),
    async (c) => {
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
    },
  )
  .all("/:id/approvals/:approvalId", methodNotAllowed(["POST"]));
