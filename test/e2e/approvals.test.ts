import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  type ApprovalView,
  type AwaitingApproval,
  approvalListSchema,
  awaitingApprovalSchema,
  decisionResponseSchema,
} from "../../shared/contracts/approval.ts";
import type { Message } from "../../shared/contracts/message.ts";
import { taskDetailPageSchema, taskListSchema } from "../../shared/contracts/task.ts";
import { turnTraceSchema } from "../../shared/contracts/trace.ts";
import { Client, replyOf } from "../support/client.ts";
import { useRuntime } from "../support/fixture.ts";
import { waitUntil } from "../support/wait-until.ts";
import { LiveClient, streamTurn } from "../support/live-client.ts";
import { startRuntime } from "../support/runtime.ts";

const REFUND = (amountCents: number) =>
  `/tool issue_refund {"invoiceId":"INV-1005","amountCents":${amountCents},"reason":"charged twice"}`;

/** Sends a message that pauses for approval and returns the 202 body. */
async function pause(api: Client, sessionId: string, content: string): Promise<AwaitingApproval> {
  const reply = await api.post(`/v1/sessions/${sessionId}/messages`, { content });
  expect(reply.status).toBe(202);
  return reply.parse(awaitingApprovalSchema);
}

async function decide(api: Client, sessionId: string, approvalId: string, body: unknown) {
  return api.post(`/v1/sessions/${sessionId}/approvals/${approvalId}`, body);
}

async function approvals(api: Client, sessionId: string, status = "pending"): Promise<ApprovalView[]> {
  const reply = await api.get(`/v1/sessions/${sessionId}/approvals?status=${status}`);
  expect(reply.status).toBe(200);
  return reply.parse(approvalListSchema).approvals;
}

async function history(api: Client, sessionId: string): Promise<Message[]> {
  return api.history(sessionId);
}

describe("human approval before side effects", () => {
  const fx = useRuntime({ EDGENT_TURN_WAIT_MS: "10000" });

  it("pauses a refund above the tool's limit, and runs it once approved", async () => {
    const sessionId = await fx.api.session("billing");
    const live = await LiveClient.connect(fx.runtime.url, sessionId);
    const paused = await pause(fx.api, sessionId, REFUND(25_000));
    expect(paused.approvals).toEqual([
      expect.objectContaining({
        turnId: paused.turnId,
        sessionId,
        agent: "billing",
        tool: "issue_refund",
        args: { invoiceId: "INV-1005", amountCents: 25_000, reason: "charged twice" },
        reason: "issue_refund: amountCents 25000 is above 10000; needs approval",
        status: "pending",
      }),
    ]);
    const [approval] = paused.approvals as [ApprovalView];
    expect(await approvals(fx.api, sessionId)).toEqual([approval]);
    await live.waitFor((f) => f.type === "turn" && f.status === "awaiting_approval");
    expect(live.frames).toContainEqual(
      expect.objectContaining({
        type: "event",
        name: "approval_requested",
        data: expect.objectContaining({ approvalId: approval.approvalId }),
      }),
    );
    // the tool did not run: only the call is stored
    expect((await history(fx.api, sessionId)).map((m) => m.role)).toEqual(["user", "assistant"]);

    const decided = await decide(fx.api, sessionId, approval.approvalId, { decision: "approve", reason: "verified" });
    expect(decided.status).toBe(200);
    const body = decided.parse(decisionResponseSchema);
    expect(body.approval).toMatchObject({
      status: "approved",
      decidedBy: { tenant: "dev", label: "dev-token" },
      decisionReason: "verified",
    });
    expect(body.turn.status).toBe("completed");
    expect(replyOf(body.turn)?.content).toContain('"refunded":true');
    const answered = (await history(fx.api, sessionId)).find((m) => m.role === "tool");
    expect(answered).toMatchObject({
      isError: false,
      approval: {
        approvalId: approval.approvalId,
        status: "approved",
        decidedBy: { tenant: "dev", label: "dev-token" },
        reason: "verified",
      },
    });
    await live.waitFor((f) => f.type === "event" && f.name === "approval_decided");
    live.close();
    // the turn's trace shows the request on the tool call it held, and the decision
    const trace = (await fx.api.get(`/v1/sessions/${sessionId}/turns/${paused.turnId}/trace`)).parse(turnTraceSchema);
    const refund = trace.spans.find((span) => span.name === "execute_tool issue_refund");
    expect(refund?.events.map((e) => e.name)).toContain("approval_requested");
    const decisions = trace.spans.flatMap((span) => span.events.filter((e) => e.name === "approval_decided"));
    expect(decisions).toEqual([
      expect.objectContaining({ attributes: expect.objectContaining({ approvalId: approval.approvalId }) }),
    ]);
    expect(await approvals(fx.api, sessionId)).toEqual([]);
    expect((await approvals(fx.api, sessionId, "all")).map((a) => a.status)).toEqual(["approved"]);

    // a second decision is refused, an unknown id and another tenant's approval are not found
    expect((await decide(fx.api, sessionId, approval.approvalId, { decision: "reject" })).status).toBe(409);
    expect((await decide(fx.api, sessionId, crypto.randomUUID(), { decision: "approve" })).status).toBe(404);
    const other = fx.api.withToken("dev-token-2");
    expect((await decide(other, sessionId, approval.approvalId, { decision: "approve" })).status).toBe(404);
    expect((await other.get(`/v1/sessions/${sessionId}/approvals`)).status).toBe(404);
    expect((await decide(fx.api, sessionId, approval.approvalId, { decision: "maybe" })).status).toBe(400);
  });

  it("tells the model a rejected call did not run, and why", async () => {
    const sessionId = await fx.api.session("billing");
    const paused = await pause(fx.api, sessionId, REFUND(30_000));
    const approvalId = paused.approvals[0]?.approvalId ?? "";
    const decided = (await decide(fx.api, sessionId, approvalId, { decision: "reject", reason: "not eligible" })).parse(
      decisionResponseSchema,
    );
    expect(decided.approval.status).toBe("rejected");
    expect(replyOf(decided.turn)?.content).toMatch(
      /failed: .*not run: 'issue_refund' was rejected by dev-token \(tenant dev\): not eligible/,
    );
    const answered = (await history(fx.api, sessionId)).find((m) => m.role === "tool");
    expect(answered).toMatchObject({ isError: true, approval: { status: "rejected", reason: "not eligible" } });
  });

  it("runs a refund within limits at once and refuses one past the hard limit without asking", async () => {
    const sessionId = await fx.api.session("billing");
    expect((await fx.api.say(sessionId, REFUND(5_000))).reply.content).toContain('"refunded":true');
    const refused = await fx.api.say(sessionId, REFUND(150_000));
    expect(refused.reply.content).toContain("amountCents 150000 is above 100000; refused by policy");
    expect(await approvals(fx.api, sessionId, "all")).toEqual([]);
  });

  it("ends the stream at the pause, and queues the session's later turns behind the paused one", async () => {
    const sessionId = await fx.api.session("billing");
    const { events } = await streamTurn(fx.runtime.url, sessionId, { content: REFUND(20_000) });
    const frames = events.map((e) => e.frame);
    expect(frames.at(-1)).toMatchObject({ type: "turn", status: "awaiting_approval" });
    expect(frames.some((f) => f.type === "event" && f.name === "approval_requested")).toBe(true);
    const [approval] = await approvals(fx.api, sessionId);
    const queued = fx.api.say(sessionId, "after the refund");
    await decide(fx.api, sessionId, approval?.approvalId ?? "", { decision: "approve" });
    const later = await queued;
    // the later message ran only once the paused turn had its answer and its reply
    const stored = await history(fx.api, sessionId);
    const answered = stored.findIndex((m) => m.role === "tool" && m.approval?.status === "approved");
    const next = stored.findIndex((m) => m.turnId === later.turnId);
    expect(answered).toBeGreaterThan(-1);
    expect(next).toBeGreaterThan(answered + 1);
  });

  it("ends a waiting approval cleanly on cancel and on an interrupting message", async () => {
    const sessionId = await fx.api.session("billing");
    const paused = await pause(fx.api, sessionId, REFUND(40_000));
    const cancelled = await fx.api.post(`/v1/sessions/${sessionId}/turns/${paused.turnId}/cancel`);
    expect(cancelled.status).toBe(200);
    expect((await approvals(fx.api, sessionId, "all")).map((a) => a.status)).toEqual(["cancelled"]);
    const tool = (await history(fx.api, sessionId)).find((m) => m.role === "tool");
    expect(tool).toMatchObject({ isError: true, approval: { status: "cancelled" } });

    const again = await pause(fx.api, sessionId, REFUND(41_000));
    const interrupting = await fx.api.post(`/v1/sessions/${sessionId}/messages`, {
      content: "never mind",
      onBusy: "interrupt",
    });
    expect(interrupting.status).toBe(200);
    const statuses = await approvals(fx.api, sessionId, "all");
    expect(statuses.find((a) => a.approvalId === again.approvals[0]?.approvalId)?.status).toBe("cancelled");
    expect(
      (await decide(fx.api, sessionId, again.approvals[0]?.approvalId ?? "", { decision: "approve" })).status,
    ).toBe(409);
  });

  it("surfaces an approval a sub-agent raised at the root session, and relays the decision down", async () => {
    const sessionId = await fx.api.session("triage");
    const reply = await fx.api.post(`/v1/sessions/${sessionId}/messages`, {
      content: `/delegate billing ${REFUND(45_000)}`,
    });
    expect(reply.status).toBe(202);
    const paused = reply.parse(awaitingApprovalSchema);
    expect(paused.status).toBe("awaiting_approval");
    const [approval] = paused.approvals as [ApprovalView];
    expect(approval).toMatchObject({
      agent: "billing",
      tool: "issue_refund",
      sessionId: expect.stringMatching(/^task:/),
      turnId: paused.turnId,
    });
    expect(await approvals(fx.api, sessionId)).toEqual([expect.objectContaining({ approvalId: approval.approvalId })]);
    const decided = (await decide(fx.api, sessionId, approval.approvalId, { decision: "approve" })).parse(
      decisionResponseSchema,
    );
    expect(decided.approval.status).toBe("approved");
    // the sub-agent ran the refund, reported to the root, and the root's turn answered
    expect(decided.turn).toMatchObject({ turnId: paused.turnId, status: "completed" });
    expect(replyOf(decided.turn)?.content).toContain('\\"refunded\\":true');
    expect((await approvals(fx.api, sessionId, "all")).map((a) => a.status)).toEqual(["approved"]);
  });
});

describe("a sub-agent's approval when the root turn is cancelled", () => {
  const fx = useRuntime({ EDGENT_TURN_WAIT_MS: "10000" });

  it("cancels the approval down where it was raised, and the sub-agent's turn ends", async () => {
    const sessionId = await fx.api.session("triage");
    const paused = (
      await fx.api.post(`/v1/sessions/${sessionId}/messages`, { content: `/delegate billing ${REFUND(46_000)}` })
    ).parse(awaitingApprovalSchema);
    expect(paused.status).toBe("awaiting_approval");
    expect((await fx.api.post(`/v1/sessions/${sessionId}/turns/${paused.turnId}/cancel`)).status).toBe(200);
    expect((await approvals(fx.api, sessionId, "all")).map((a) => a.status)).toEqual(["cancelled"]);
    const tasks = (await fx.api.get(`/v1/sessions/${sessionId}/tasks`)).parse(taskListSchema);
    // the sub-agent's own turn was cancelled: its held call answered as cancelled, then a cancelled reply
    const detail = await waitUntil(
      async () =>
        (await fx.api.get(`/v1/sessions/${sessionId}/tasks/${tasks.tasks[0]?.taskId}`)).parse(taskDetailPageSchema),
      (task) => task.messages.at(-1)?.cancelled === true,
      { what: "the sub-agent's turn to end cancelled", timeoutMs: 15_000, intervalMs: 50 },
    );
    expect(detail.messages.find((m) => m.role === "tool")).toMatchObject({ approval: { status: "cancelled" } });
  });
});

describe("approvals that nobody decides", () => {
  const fx = useRuntime({ EDGENT_APPROVAL_TTL: "2s" });

  it("expire after EDGENT_APPROVAL_TTL and count as rejected", async () => {
    const sessionId = await fx.api.session("billing");
    const paused = await pause(fx.api, sessionId, REFUND(50_000));
    const last = await waitUntil(
      async () => (await history(fx.api, sessionId)).at(-1),
      (message) => message?.role === "assistant" && !message.toolCalls,
      { what: "the turn's final reply", timeoutMs: 15_000, intervalMs: 50 },
    );
    expect(last?.content).toContain("approval expired");
    const tool = (await history(fx.api, sessionId)).find((m) => m.role === "tool");
    expect(tool).toMatchObject({ isError: true, approval: { status: "expired", decidedBy: { label: "system" } } });
    const approvalId = paused.approvals[0]?.approvalId ?? "";
    expect((await decide(fx.api, sessionId, approvalId, { decision: "approve" })).status).toBe(409);
  });
});

describe("an approval across a restart", () => {
  const folder = mkdtempSync(join(tmpdir(), "edgent-approval-"));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it("still waits after the runtime restarts, and the turn goes on when it is approved", async () => {
    const vars = { EDGENT_DEV_MODE: "true" };
    let runtime = await startRuntime({ vars, persistPath: folder });
    let api = new Client(runtime.url);
    const sessionId = await api.session("billing");
    const paused = await pause(api, sessionId, REFUND(48_000));
    await runtime.dispose();

    runtime = await startRuntime({ vars, persistPath: folder });
    try {
      api = new Client(runtime.url);
      const [approval] = await approvals(api, sessionId);
      expect(approval?.approvalId).toBe(paused.approvals[0]?.approvalId);
      const decided = (await decide(api, sessionId, approval?.approvalId ?? "", { decision: "approve" })).parse(
        decisionResponseSchema,
      );
      expect(decided.turn.status).toBe("completed");
      expect(replyOf(decided.turn)?.content).toContain('"refunded":true');
      expect(decided.turn.turnId).toBe(paused.turnId);
    } finally {
      await runtime.dispose();
    }
  });
});
