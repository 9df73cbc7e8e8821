import type { Miniflare } from "miniflare";
import type { Message, MessagePage } from "../../../shared/contracts/message";
import type { SessionInfo } from "../../../shared/contracts/session";
import type { TaskView } from "../../../shared/contracts/task";
import { type TenantUsage, tenantUsageSchema } from "../../../shared/contracts/usage";
import type { Client } from "../../support/client.ts";

type Caller = { tenant: string; sessionId: string };

/** A session's object as the test asks it over its own RPC (through Miniflare), sub-agents' included. */
interface SessionProbe {
  info(caller: Caller): Promise<SessionInfo | null>;
  listTasks(caller: Caller, limit: number): Promise<TaskView[] | null>;
  listMessages(caller: Caller, after: number, limit: number): Promise<MessagePage | null>;
}

/** A session as the audit found it. */
export interface AuditedSession {
  sessionId: string;
  info: SessionInfo;
  messages: Message[];
  tasks: TaskView[];
}

async function probe(mf: Miniflare, tenant: string, sessionId: string): Promise<SessionProbe> {
  const namespace = (await mf.getDurableObjectNamespace("SESSIONS")) as unknown as {
    getByName(name: string): SessionProbe;
  };
  return namespace.getByName(`${tenant}:${sessionId}`);
}

async function historyOf(session: SessionProbe, caller: Caller): Promise<Message[]> {
  const messages: Message[] = [];
  for (;;) {
    const page = await session.listMessages(caller, messages.at(-1)?.seq ?? 0, 1000);
    if (!page) return messages;
    messages.push(...page.messages);
    if (!page.hasMore) return messages;
  }
}

/**
 * Every session under `roots` with its history and tasks: the roots, the sub-agents their
 * tasks ran in, theirs, and so on (a task that never reached its sub-agent has no session).
 */
export async function sessionTree(mf: Miniflare, tenant: string, roots: string[]): Promise<AuditedSession[]> {
  const found: AuditedSession[] = [];
  const queue = [...roots];
  for (let sessionId = queue.shift(); sessionId !== undefined; sessionId = queue.shift()) {
    const caller = { tenant, sessionId };
    const session = await probe(mf, tenant, sessionId);
    const info = await session.info(caller);
    if (!info) continue;
    const tasks = (await session.listTasks(caller, 1000)) ?? [];
    found.push({ sessionId, info, messages: await historyOf(session, caller), tasks });
    queue.push(...tasks.map((task) => `task:${task.taskId}`));
  }
  return found;
}

/** Something wrong with a history: a message missing, one there twice, or a turn's messages out of order. */
export interface HistoryFault {
  kind: "lost" | "duplicated" | "reordered";
  what: string;
}

/**
 * What is wrong with a history, if anything: seqs must run 1..n with no gap (lost) or repeat
 * (duplicated), and every turn's messages must be one contiguous run (else reordered) that
 * starts with its one user message (a second one is a duplicate).
 */
export function historyFaults(messages: Message[]): HistoryFault[] {
  const faults: HistoryFault[] = [];
  let expected = 1;
  for (const message of messages) {
    if (message.seq < expected) faults.push({ kind: "duplicated", what: `seq ${message.seq} appears again` });
    else if (message.seq > expected)
      faults.push({ kind: "lost", what: `seqs ${expected}..${message.seq - 1} are missing` });
    expected = Math.max(expected, message.seq + 1);
  }
  const seen = new Set<string>();
  let current: string | null = null;
  for (const message of messages) {
    if (message.turnId !== current) {
      if (seen.has(message.turnId))
        faults.push({ kind: "reordered", what: `turn ${message.turnId} resumes at seq ${message.seq}` });
      seen.add(message.turnId);
      current = message.turnId;
      if (message.role !== "user")
        faults.push({ kind: "reordered", what: `turn ${message.turnId} starts with a ${message.role} message` });
    } else if (message.role === "user") {
      faults.push({ kind: "duplicated", what: `turn ${message.turnId} has a second user message` });
    }
  }
  return faults;
}

/** The calls, tokens and cost the sessions recorded, summed. */
export function recordedUsage(sessions: AuditedSession[]): {
  calls: number;
  inputTokens: number;
  outputTokens: number;
} {
  return sessions.reduce(
    (sum, { info }) => ({
      calls: sum.calls + info.usage.modelCalls,
      inputTokens: sum.inputTokens + info.usage.inputTokens,
      outputTokens: sum.outputTokens + info.usage.outputTokens,
    }),
    { calls: 0, inputTokens: 0, outputTokens: 0 },
  );
}

/**
 * Waits until the tenant's usage (GET /v1/usage) is exactly the sum of the calls its sessions
 * recorded (local calls reach it in batches); throws with both if it is ever more, or is not
 * there within the limit.
 */
export async function usageBalances(api: Client, sessions: AuditedSession[], timeoutMs = 30_000): Promise<TenantUsage> {
  const expected = recordedUsage(sessions);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const usage = (await api.get("/v1/usage")).parse(tenantUsageSchema);
    const { calls, inputTokens, outputTokens } = usage.totals;
    const same =
      calls === expected.calls && inputTokens === expected.inputTokens && outputTokens === expected.outputTokens;
    if (same) return usage;
    const over = calls > expected.calls || inputTokens > expected.inputTokens || outputTokens > expected.outputTokens;
    if (over || Date.now() > deadline) {
      throw new Error(
        `tenant usage ${JSON.stringify({ calls, inputTokens, outputTokens })} is not the sum of the calls recorded ${JSON.stringify(expected)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
