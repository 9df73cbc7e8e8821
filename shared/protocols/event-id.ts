/**
 * The id of an event in a turn's SSE stream: `<turnId>:<n>`, where `n` numbers the turn's
 * frames in the order they were emitted. A reader that lost the stream rejoins it with the last
 * id it received as `Last-Event-ID` and gets the frames after it.
 */
export function eventId(turnId: string, n: number): string {
  return `${turnId}:${n}`;
}

/** Where to rejoin a turn's stream: after frame `after` (0: from its start), or why the id cannot say. */
export type RejoinPoint = { ok: true; after: number } | { ok: false; message: string };

/** Reads a `Last-Event-ID` for the stream of `turnId`; none means from the start. */
export function rejoinPoint(lastEventId: string | undefined, turnId: string): RejoinPoint {
  if (lastEventId === undefined || lastEventId.trim() === "") return { ok: true, after: 0 };
  const cut = lastEventId.lastIndexOf(":");
  const named = lastEventId.slice(0, cut);
  const n = lastEventId.slice(cut + 1);
  if (cut < 0 || !/^\d{1,15}$/.test(n)) {
    return { ok: false, message: "Last-Event-ID: must be an event id of this stream, <turnId>:<n>" };
  }
  if (named !== turnId) return { ok: false, message: `Last-Event-ID: names turn '${named}', not '${turnId}'` };
  return { ok: true, after: Number(n) };
}
