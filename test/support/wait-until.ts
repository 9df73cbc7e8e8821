/** How long and how often `waitUntil` probes, and what it waits for (named in its timeout error). */
export interface WaitOptions {
  what: string;
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Reads a value again and again until `done` holds for it, and returns it (narrowed, if `done`
 * is a type guard); throws, naming what it waited for and the last value read, when time runs
 * out. Errors thrown by `read` end the wait.
 */
export function waitUntil<T, U extends T>(
  read: () => T | Promise<T>,
  done: (value: T) => value is U,
  options: WaitOptions,
): Promise<U>;
export function waitUntil<T>(read: () => T | Promise<T>, done: (value: T) => boolean, options: WaitOptions): Promise<T>;
export async function waitUntil<T>(
  read: () => T | Promise<T>,
  done: (value: T) => boolean,
  { what, timeoutMs = 10_000, intervalMs = 20 }: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last read: ${preview(value)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Waits until the clock is past `epochMs`. Only for a deadline that is itself the behaviour
 * under test and cannot be probed without changing what is tested (e.g. spending a ticket).
 */
export async function sleepUntil(epochMs: number): Promise<void> {
  const left = epochMs - Date.now();
  if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}
