import type { ApprovalStamp } from "../../../shared/contracts/message";
import type { DecidedCall } from "./approval-port";
import type { TurnRun } from "./run";

/**
 * Answers the calls a waiting turn held for approval, in the turn that resumes: an approved
 * call runs now (its tool hooks still apply), any other gets a tool error that says who
 * decided and why. Each answer carries the decision, and each decision is a turn event.
 */
export async function answerDecidedCalls(run: TurnRun, decided: readonly DecidedCall[]): Promise<void> {
  for (const call of decided) {
    const { stamp } = call;
    run.out.event({
      name: "approval_decided",
      data: {
        approvalId: stamp.approvalId,
        toolCallId: call.toolCallId,
        tool: call.toolName,
        status: stamp.status,
        decidedBy: stamp.decidedBy,
        decidedAt: stamp.decidedAt,
        ...(stamp.reason ? { reason: stamp.reason } : {}),
      },
    });
    let content: string;
    let isError = true;
    if (stamp.status === "approved") {
      const ran = await run.toolbox.runApproved(call);
      content = ran.ok ? asText(ran.output) : ran.error;
      isError = !ran.ok;
    } else content = refusalText(call.toolName, stamp);
    await run.out.store({
      turnId: run.turnId,
      role: "tool",
      toolCallId: call.toolCallId,
      toolName: call.toolName,
      content,
      isError,
      approval: stamp,
    });
  }
}

/** What the model reads for a call that did not get approval. */
function refusalText(toolName: string, stamp: ApprovalStamp): string {
  const why = stamp.reason ? `: ${stamp.reason}` : "";
  switch (stamp.status) {
    case "expired":
      return `not run: no one decided on '${toolName}' in time, so the approval expired (it counts as rejected)`;
    case "cancelled":
      return `not run: the turn was cancelled before anyone decided on '${toolName}'`;
    default:
      return `not run: '${toolName}' was rejected by ${stamp.decidedBy.label} (tenant ${stamp.decidedBy.tenant})${why}`;
  }
}

/** A tool's output as its stored message holds it. */
function asText(output: unknown): string {
  return typeof output === "string" ? output : (JSON.stringify(output) ?? "null");
}
