import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Message } from "../../shared/contracts/message";
import { Client } from "../support/client.ts";
import { rejoinTurn, type SseEvent, streamTurn } from "../support/live-client.ts";
import { type Runtime, startRuntime } from "../support/runtime.ts";
import { sessionTree, usageBalances } from "./support/audit.ts";
import { pick, seeded, seedOf } from "./support/seeded.ts";
import { TurnTally } from "./support/tally.ts";

const SESSIONS = 6;
const TURNS = 8;
const SEED = seedOf(4_242);
// a reader gives up on a turn after this many rejoins (each one goes further, so it never needs them)
const MAX_REJOINS = 40;

/** A turn's message: streamed text of varied length, or a tool call and its answer. */
function turnContent(random: () => number, s: number, t: number): string {
  const words = (n: number) => Array.from({ length: n }, (_, i) => `s${s}t${t}w${i}`).join(" ");
  return pick(random, [
    `/slow 15 ${words(6 + Math.floor(random() * 30))}`,
    `/slow 5 ${words(50)}`,
    `/tool calculator {"expression":"${s + 2}*${t + 3}"}`,
  ]);
}

/** The number in an event id `<turnId>:<n>`. */
function numberOf(event: SseEvent): number {
  return Number(event.id?.split(":").at(-1));
}

/** What one reader saw of one turn: every event it received, across the drops and rejoins. */
interface Read {
  turnId: string;
  events: SseEvent[];
  drops: number;
  rejoins: number;
  /** rejoins answered 204 (nothing held any more) */
  idle: number;
}

/**
 * Streams a turn over SSE, drops the connection after a random number of events (or not), and
 * rejoins with the last event's id until the stream ends, each rejoin dropped at random too.
 */
async function readWithDrops(runtime: Runtime, sessionId: string, content: string, random: () => number) {
  const dropAfter = () => (random() < 0.25 ? Number.POSITIVE_INFINITY : 1 + Math.floor(random() * 6));
  let budget = dropAfter();
  const cut = () => (event: SseEvent) => event.frame.type !== "done" && --budget <= 0;
  const first = await streamTurn(runtime.url, sessionId, { content }, { stopAfter: cut() });
  const read: Read = {
    turnId: first.headers.get("edgent-turn-id") ?? "",
    events: [...first.events],
    drops: 0,
    rejoins: 0,
    idle: 0,
  };
  const ended = () => ["done", "error"].includes(read.events.at(-1)?.frame.type ?? "");
  while (!ended() && read.rejoins < MAX_REJOINS) {
    read.drops++;
    read.rejoins++;
    budget = dropAfter();
    const lastEventId = read.events.at(-1)?.id;
    const again = await rejoinTurn(runtime.url, sessionId, read.turnId, {
      ...(lastEventId ? { lastEventId } : {}),
      stopAfter: cut(),
    });
    if (again.status === 204) {
      read.idle++;
      break;
    }
    read.events.push(...again.events);
  }
  return read;
}

describe("SSE streams that drop at random and are rejoined with Last-Event-ID", () => {
  let runtime: Runtime;
  let api: Client;
  beforeAll(async () => {
    runtime = await startRuntime({ vars: { EDGENT_DEV_MODE: "true", EDGENT_USAGE_REPORT_SECONDS: "1" } });
    api = new Client(runtime.url);
  });
  afterAll(() => runtime?.dispose());

  it("gives every reader each event once, in order, to the turn's end, its text adding up to the stored reply", async () => {
    const tally = new TurnTally(`SSE streams dropping at random (seed ${SEED})`);
    const sessions = await Promise.all(Array.from({ length: SESSIONS }, () => api.session()));
    const reads = await Promise.all(
      sessions.map(async (sessionId, s) => {
        const random = seeded(SEED + s);
        const mine: Read[] = [];
        for (let t = 0; t < TURNS; t++)
          mine.push(await readWithDrops(runtime, sessionId, turnContent(random, s, t), random));
        return { sessionId, reads: mine };
      }),
    );

    const tree = await sessionTree(runtime.mf, "dev", sessions);
    tally.audit(tree);
    for (const { sessionId, reads: mine } of reads) {
      const history = tree.find((session) => session.sessionId === sessionId)?.messages ?? [];
      for (const [t, read] of mine.entries()) {
        const where = `${sessionId} turn ${t}`;
        const stored = history.filter((m) => m.turnId === read.turnId);
        const numbers = read.events.map(numberOf);
        // ids rise strictly: no event twice, none out of order (back-to-back deltas may come merged)
        const repeats = numbers.filter((n, i) => i > 0 && n <= (numbers[i - 1] ?? 0));
        if (repeats.length > 0) tally.duplicated(`${where}: events ${repeats.join(",")} again or out of order`);
        const seqs = read.events.flatMap((e) => (e.frame.type === "message" ? [e.frame.message.seq] : []));
        if (new Set(seqs).size !== seqs.length) tally.duplicated(`${where}: a stored message came twice`);
        const last = read.events.at(-1)?.frame;
        const why: string[] = [];
        if (read.turnId === "") why.push("no Edgent-Turn-Id");
        if (last?.type !== "done") why.push(`the stream ended with ${last?.type} after ${read.rejoins} rejoins`);
        // every stored message of the turn reached the reader, once and in order
        const expected = stored.map((m) => m.seq);
        if (JSON.stringify(seqs) !== JSON.stringify(expected))
          why.push(`messages ${seqs.join(",")} instead of ${expected.join(",")}`);
        const deltas = read.events.flatMap((e) => (e.frame.type === "delta" ? [e.frame.text] : [])).join("");
        const replies = stored
          .filter((m: Message) => m.role === "assistant")
          .map((m) => m.content)
          .join("");
        if (deltas !== replies)
          why.push(`its deltas (${deltas.length} chars) differ from its replies (${replies.length})`);
        if (last?.type === "done" && last.body.reply.seq !== stored.at(-1)?.seq) why.push("done names another reply");
        if (why.length === 0) tally.record("completed");
        else tally.record("lost", `${where}: ${why.join("; ")}`);
      }
    }
    const all = reads.flatMap((r) => r.reads);
    const usage = await usageBalances(api, tree);
    tally.print({
      readers: all.length,
      drops: all.reduce((sum, r) => sum + r.drops, 0),
      rejoins: all.reduce((sum, r) => sum + r.rejoins, 0),
      rejoins_answered_204: all.reduce((sum, r) => sum + r.idle, 0),
      events_received: all.reduce((sum, r) => sum + r.events.length, 0),
      calls: usage.totals.calls,
    });
    expect(tally.problems()).toEqual([]);
    expect(tally.attempted).toBe(SESSIONS * TURNS);
  });
});
