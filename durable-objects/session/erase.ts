import { within } from "../../shared/deferred";
import type { TaskCoordinator } from "./delegation/coordinator";
import type { TurnConductor } from "./ordering/conductor";

/** Tasks whose sub-agent objects an erase reaches (a turn delegates at most a few dozen). */
const MAX_ERASED_TASKS = 10_000;

/** Longest an erase waits for the session's turns to stop (a tool that ignores cancels) before it wipes anyway. */
const STOP_WAIT_MS = 5_000;

/** What erasing a session works with. */
export interface EraseParts {
  conductor: TurnConductor;
  coordinator: TaskCoordinator;
  /** erases a started task's sub-agent object */
  discardTask(taskId: string): Promise<void>;
  /** hands the session's unreported local usage to the tenant's gateway */
  reportUsage(): Promise<void>;
  /** hands the session's finished turns not reported yet to the tenant's metrics */
  reportMetrics(): Promise<void>;
  /** closes the session's WebSockets */
  closeConnections(): void;
  /** closes the session's connections to MCP servers */
  closeMcp(): Promise<void>;
  /** deletes the object's storage */
  wipe(): Promise<void>;
}

/**
 * Erases a session without waiting behind its turns: the running turn is cancelled (its model
 * call aborted), a turn waiting for sub-agents too, queued turns find no session; then its
 * local usage goes to the tenant's totals and its unreported turns to the tenant's metrics,
 * the sub-agents' objects are erased, live clients disconnected and the storage wiped. If
 * either cannot be handed on, nothing is erased and the caller is asked to retry: the
 * tenant's totals and metrics never lose a call or a turn.
 */
export async function eraseSession(parts: EraseParts): Promise<"erased" | "retry"> {
  await within(parts.conductor.close(), STOP_WAIT_MS, () => undefined);
  try {
    await parts.reportUsage();
    await parts.reportMetrics();
  } catch {
    return "retry";
  }
  // the sub-agents' objects hold this session's tasks and their conversations: erased with it.
  // A task that never started never will: its sub-agent asks this (gone) session first.
  const started = parts.coordinator.book.list(MAX_ERASED_TASKS).filter((task) => task.attempts > 0);
  await Promise.allSettled(started.map(({ taskId }) => parts.discardTask(taskId)));
  parts.closeConnections();
  await parts.closeMcp().catch(() => undefined);
  await parts.wipe();
  return "erased";
}
