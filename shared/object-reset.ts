/**
 * A Durable Object that was reset, overloaded or destroyed mid-call (e.g. one restarting
 * after its session was erased): a new stub reaches a fresh object.
 */
export function isObjectReset(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { retryable, overloaded, durableObjectReset, message } = error as Record<string, unknown>;
  return retryable === true || overloaded === true || durableObjectReset === true || message === "destroyed";
}

/**
 * Makes a call once more if the object was reset under it. Only for calls that are safe to
 * repeat (reads, creating a session, a task delivery the object runs once): `call` must make
 * a new stub each time, since a reset breaks the old one.
 */
export async function retryIfReset<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!isObjectReset(error)) throw error;
    return call();
  }
}
