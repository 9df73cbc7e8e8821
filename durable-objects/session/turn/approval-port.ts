import type { ApprovalStamp } from "../../../shared/contracts/message";

/** A tool call held for a person's approval. */
export interface HeldCall {
  toolCallId: string;
  toolName: string;
  /** the arguments it will run with, if approved */
  input: unknown;
  /** the arguments as guardrails let them be shown */
  shown: unknown;
  /** why it needs approval */
  reason: string;
}

/** A turn's way to hold tool calls for approval, and which calls it held. */
export interface RunApprovals {
  request(call: HeldCall): { approvalId: string; expiresAt: string };
  readonly held: ReadonlySet<string>;
}

/** A held call whose decision is in: the waiting turn runs it (approved) or tells the model why not. */
export interface DecidedCall {
  toolCallId: string;
  toolName: string;
  input: unknown;
  shown: unknown;
  stamp: ApprovalStamp;
}
