import type { ApprovalStamp, Message, MessageRole, ToolCall } from "../../../shared/contracts/message";
import type { OnBusy } from "../../../shared/contracts/on-busy";
import type { SessionInfo, Usage } from "../../../shared/contracts/session";
import { nanosToUsd } from "../../../shared/models/pricing";

/** The session's identity and counters. */
export interface SessionMeta {
  tenant: string;
  sessionId: string;
  agent: string;
  createdAt: string;
  lastSeq: number;
  usage: UsageNanos;
  escalations: number;
  summary: string;
  summaryThroughSeq: number;
  onBusy: OnBusy;
  /** a new one each time the session id is created; null for sessions created before it was kept */
  incarnation: string | null;
}

/** A message about to be appended; seq and time are assigned by the store. */
export interface NewMessage {
  turnId: string;
  role: MessageRole;
  content: string;
  toolCalls?: ToolCall[];
  toolCallId?: string;
  toolName?: string;
  isError?: boolean;
  cancelled?: boolean;
  /** on a tool message answering a call that needed approval */
  approval?: ApprovalStamp;
}

/** What the context builder reads of a message. */
export interface ContextRow extends Message {
  tokens: number;
}

/** Token, call and cost counters; cost in nano-USD so sums are exact. */
export interface UsageNanos {
  inputTokens: number;
  outputTokens: number;
  modelCalls: number;
  costNanos: number;
}

export const NO_USAGE: UsageNanos = { inputTokens: 0, outputTokens: 0, modelCalls: 0, costNanos: 0 };

export function addUsage(a: UsageNanos, b: UsageNanos): UsageNanos {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    modelCalls: a.modelCalls + b.modelCalls,
    costNanos: a.costNanos + b.costNanos,
  };
}

/** Counters as the API shows them. */
export function toUsage(usage: UsageNanos): Usage {
  return {
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    modelCalls: usage.modelCalls,
    costUsd: nanosToUsd(usage.costNanos),
  };
}

/** The session as GET /v1/sessions/:id shows it. */
export function toSessionInfo(meta: SessionMeta): SessionInfo {
  const { sessionId, agent, createdAt, escalations } = meta;
  return { sessionId, agent, createdAt, messageCount: meta.lastSeq, usage: toUsage(meta.usage), escalations };
}

/** A row as SQLite returns it. */
export type Row = Record<string, SqlStorageValue>;
