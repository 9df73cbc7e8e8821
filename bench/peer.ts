// Peer comparison for `npm run bench`: Edgent against the stock AIChatAgent of @cloudflare/ai-chat
// (bench/peer/worker.ts, the package README's setup with an instant mock model), both over their
// own WebSocket protocols, at 40 and 2,000 messages of history, measured interleaved in one run.
// `node bench/peer.ts` runs it alone.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type WebSocket from "ws";
import { buildBundle, startRuntime } from "../test/support/runtime.ts";
import { AUTH, createSession, quantile } from "./load.ts";
import { PeerChat, type PlainMessage } from "./peer-client.ts";
import { open, roundTrip, wsUrl } from "./realtime.ts";

function installedVersion(name: string): string {
  const manifest = readFileSync(resolve(import.meta.dirname, "../node_modules", name, "package.json"), "utf8");
  return (JSON.parse(manifest) as { version: string }).version;
}

/** The package and version the peer worker runs, as installed (package.json pins it). */
export const PEER_PACKAGE = `@cloudflare/ai-chat@${installedVersion("@cloudflare/ai-chat")}`;

/** Latency and model input tokens of turns at one history length. */
export interface HistoryFigures {
  /** messages stored before the first measured turn */
  history: number;
  turns: number;
  p50Ms: number;
  p90Ms: number;
  /** model input tokens per turn, p50 (every model call of the turn counted) */
  inputTokens: number;
  inputTokensMax: number;
}

/** One system's figures at 40 and 2,000 messages. */
export interface SystemFigures {
  m40: HistoryFigures;
  m2000: HistoryFigures;
}

/** What `bench/results.json` holds under `peer`. */
export interface PeerFigures {
  package: string;
  edgent: SystemFigures;
  aiChatAgent: SystemFigures;
}

interface Turn {
  ms: number;
  inputTokens: number;
}

const QUESTION = "How are sales this quarter?";
const WARM_TURNS = 10;

async function post(base: URL, path: string, body: unknown): Promise<Response> {
  return fetch(new URL(path, base), { method: "POST", headers: AUTH, body: JSON.stringify(body) });
}

/** Sessions of Edgent's assistant holding `messages` messages each, made by real turns (two messages a turn). */
async function seedEdgent(base: URL, prefix: string, count: number, messages: number): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => `${prefix}-${i}-${crypto.randomUUID()}`);
  await Promise.all(
    ids.map(async (id) => {
      await createSession(base, "assistant", id);
      for (let t = 0; t < messages / 2; t++) {
        const response = await post(base, `/v1/sessions/${id}/messages`, {
          content: `seed message ${t} about the quarterly report`,
        });
        if (!response.ok) throw new Error(`seed turn failed: ${response.status} ${await response.text()}`);
        await response.arrayBuffer();
      }
    }),
  );
  return ids;
}

/** A session's stored user and assistant messages, in order, and its last seq. */
async function edgentHistory(base: URL, id: string): Promise<{ messages: PlainMessage[]; lastSeq: number }> {
  const messages: PlainMessage[] = [];
  let after = 0;
  for (;;) {
    const response = await fetch(new URL(`/v1/sessions/${id}/messages?after=${after}&limit=1000`, base), {
      headers: AUTH,
    });
    const page = (await response.json()) as {
      messages: Array<{ seq: number; role: string; content: string }>;
      hasMore: boolean;
    };
    for (const message of page.messages) {
      if (message.role !== "user" && message.role !== "assistant") throw new Error(`unexpected ${message.role}`);
      messages.push({ role: message.role, content: message.content });
      after = message.seq;
    }
    if (!page.hasMore) return { messages, lastSeq: after };
  }
}

async function edgentUsage(base: URL, id: string): Promise<number> {
  const response = await fetch(new URL(`/v1/sessions/${id}`, base), { headers: AUTH });
  const info = (await response.json()) as { usage: { inputTokens: number } };
  return info.usage.inputTokens;
}

/** One Edgent session over its WebSocket; input tokens per turn come from the session's usage totals. */
class EdgentLive {
  private readonly base: URL;
  private readonly id: string;
  private readonly socket: WebSocket;
  private inputTokens: number;

  private constructor(base: URL, id: string, socket: WebSocket, inputTokens: number) {
    this.base = base;
    this.id = id;
    this.socket = socket;
    this.inputTokens = inputTokens;
  }

  static async open(base: URL, id: string, lastSeq: number): Promise<EdgentLive> {
    const socket = await open(wsUrl(base, `/v1/sessions/${id}/ws?after=${lastSeq}`), true);
    return new EdgentLive(base, id, socket, await edgentUsage(base, id));
  }

  async turn(content: string): Promise<Turn> {
    const frame = JSON.stringify({ type: "message", content });
    const ms = await roundTrip(
      this.socket,
      frame,
      (text) => text.includes('"type":"turn"') && text.includes('"status":"completed"'),
    );
    const total = await edgentUsage(this.base, this.id);
    const inputTokens = total - this.inputTokens;
    this.inputTokens = total;
    return { ms, inputTokens };
  }

  close(): void {
    this.socket.close();
  }
}

function figures(history: number, turns: readonly Turn[]): HistoryFigures {
  const ms = turns.map((t) => t.ms).sort((a, b) => a - b);
  const tokens = turns.map((t) => t.inputTokens).sort((a, b) => a - b);
  return {
    history,
    turns: turns.length,
    p50Ms: quantile(ms, 0.5),
    p90Ms: quantile(ms, 0.9),
    inputTokens: quantile(tokens, 0.5),
    inputTokensMax: tokens.at(-1) ?? Number.NaN,
  };
}

/**
 * Seeds both systems with the same conversations (Edgent by real turns; the peer with a copy of
 * Edgent's stored messages through its own persistence frame), then measures `turns` turns per
 * history length and system, interleaved so machine noise hits all four alike.
 */
export async function peerFigures(product: URL, turns = 20): Promise<PeerFigures> {
  const script = buildBundle("bench/peer/wrangler.toml", "bench/dist-peer", "worker.js");
  const runtime = await startRuntime({
    configPath: "bench/peer/wrangler.toml",
    scriptPath: script,
    name: "edgent-peer",
  });
  const peer = runtime.url;
  const opened: Array<{ close(): void }> = [];
  const track = <T extends { close(): void }>(value: T): T => {
    opened.push(value);
    return value;
  };
  try {
    // 40 messages: a fresh conversation per measured turn, so each is measured at exactly 40;
    // 2,000: two conversations measured in turn (2,000 to 2,000 + turns). Each is seeded two
    // short and gets one uncounted turn first, so no measured turn is a conversation's first.
    const short = await seedEdgent(product, "peer-m40", turns, 38);
    const long = await seedEdgent(product, "peer-m2000", 2, 1998);
    const pair = async (id: string) => {
      const { messages, lastSeq } = await edgentHistory(product, id);
      const edgent = track(await EdgentLive.open(product, id, lastSeq));
      const chat = track(await PeerChat.open(peer, id, messages));
      if (chat.length !== messages.length) throw new Error(`peer holds ${chat.length} of ${messages.length}`);
      return { edgent, chat, history: messages.length + 2 };
    };
    const shortPairs = await Promise.all(short.map(pair));
    const longPairs = await Promise.all(long.map(pair));

    // warm both: the first turns JIT the code paths
    const warmId = `peer-warm-${crypto.randomUUID()}`;
    await createSession(product, "assistant", warmId);
    const warm = {
      edgent: track(await EdgentLive.open(product, warmId, 0)),
      chat: track(await PeerChat.open(peer, warmId, [])),
    };
    for (const conversation of [...Array.from({ length: WARM_TURNS }, () => warm), ...shortPairs, ...longPairs]) {
      await conversation.edgent.turn(QUESTION);
      await conversation.chat.turn(QUESTION);
    }

    const samples = { e40: [] as Turn[], p40: [] as Turn[], e2000: [] as Turn[], p2000: [] as Turn[] };
    for (let i = 0; i < turns; i++) {
      const s = shortPairs[i];
      const l = longPairs[i % longPairs.length];
      if (!s || !l) throw new Error("missing conversation");
      // alternate which system goes first, so neither always follows the other's turn
      const order = i % 2 === 0 ? ["edgent", "peer"] : ["peer", "edgent"];
      for (const who of order) {
        if (who === "edgent") {
          samples.e40.push(await s.edgent.turn(QUESTION));
          samples.e2000.push(await l.edgent.turn(QUESTION));
        } else {
          samples.p40.push(await s.chat.turn(QUESTION));
          samples.p2000.push(await l.chat.turn(QUESTION));
        }
      }
    }
    const h40 = shortPairs[0]?.history ?? 0;
    const h2000 = longPairs[0]?.history ?? 0;
    return {
      package: PEER_PACKAGE,
      edgent: { m40: figures(h40, samples.e40), m2000: figures(h2000, samples.e2000) },
      aiChatAgent: { m40: figures(h40, samples.p40), m2000: figures(h2000, samples.p2000) },
    };
  } finally {
    for (const value of opened) value.close();
    await runtime.dispose();
  }
}

const fmt = (n: number, digits = 1) => n.toFixed(digits);

/** Table rows for `npm run bench`. */
export function peerRows(f: PeerFigures): string {
  const row = (size: "m40" | "m2000", label: string) => {
    const e = f.edgent[size];
    const p = f.aiChatAgent[size];
    return [
      `| turn p50 at ${label} messages, Edgent / AIChatAgent (WS) | ${fmt(e.p50Ms, 2)} / ${fmt(p.p50Ms, 2)} ms (p90 ${fmt(e.p90Ms, 2)} / ${fmt(p.p90Ms, 2)} ms; AIChatAgent ÷ Edgent ${fmt(p.p50Ms / e.p50Ms, 2)}) |`,
      `| model input tokens at ${label}, Edgent / AIChatAgent (p50) | ${e.inputTokens} / ${p.inputTokens} (max ${e.inputTokensMax} / ${p.inputTokensMax}; AIChatAgent ÷ Edgent ${fmt(p.inputTokens / e.inputTokens, 2)}) |`,
    ].join("\n");
  };
  return `${row("m40", "40")}\n${row("m2000", "2,000")}`;
}

if (import.meta.main) {
  const turns = Number(process.env.PEER_TURNS ?? 20);
  console.log("building bundles with wrangler deploy --dry-run ...");
  const product = await startRuntime({
    scriptPath: buildBundle("wrangler.toml", "dist"),
    vars: { EDGENT_DEV_MODE: "true" },
  });
  try {
    console.log(`peer: Edgent vs ${PEER_PACKAGE} AIChatAgent, ${turns} turns at 40 and 2,000 messages ...`);
    const f = await peerFigures(product.url, turns);
    console.log(`\n| measurement | value |\n|---|---|\n${peerRows(f)}\n`);
    console.log(JSON.stringify(f, null, 2));
  } finally {
    await product.dispose();
  }
}
