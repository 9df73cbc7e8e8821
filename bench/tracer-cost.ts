// The tracer's own CPU per turn, in isolation: a plain turn's hooks (context, one model call,
// the end) driven through the real tracer and span store over SQLite (node:sqlite), timed in
// Node, whose clock moves during CPU work (workerd's does not). End-to-end figures swing by ±10%
// between identical runtimes on a shared machine; this one holds. Run by bench/tracing.ts, or:
// `node --experimental-transform-types --import ./bench/register-ts.mjs bench/tracer-cost.ts`
import { DatabaseSync } from "node:sqlite";
import { turnFacts } from "../durable-objects/session/metrics/turn-facts.ts";
import { TRACE_TABLES } from "../durable-objects/session/storage/schema.ts";
import { SpanStore } from "../durable-objects/session/tracing/span-store.ts";
import { turnTracer } from "../durable-objects/session/tracing/turn-tracer.ts";
import type { RunInfo } from "../durable-objects/session/turn/hooks.ts";
import { defineAgent } from "../shared/agents/define.ts";

/** node:sqlite behind the small part of SqlStorage the store uses (statements cached, as workerd does). */
function sqlStorage(db: DatabaseSync) {
  const prepared = new Map<string, ReturnType<DatabaseSync["prepare"]>>();
  return {
    exec(query: string, ...params: unknown[]) {
      let statement = prepared.get(query);
      if (!statement) {
        statement = db.prepare(query);
        prepared.set(query, statement);
      }
      let rows: unknown[] = [];
      if (query.trimStart().toUpperCase().startsWith("SELECT")) rows = statement.all(...(params as never[]));
      else statement.run(...(params as never[]));
      return { toArray: () => rows, one: () => rows[0] };
    },
  } as unknown as SqlStorage;
}

const db = new DatabaseSync(":memory:");
db.exec(
  "CREATE TABLE edgent_turns (id TEXT PRIMARY KEY, started_at TEXT); CREATE TABLE edgent_model_calls (turn_id TEXT);",
);
db.exec(TRACE_TABLES);
const sql = sqlStorage(db);
const store = new SpanStore(sql, { maxSpans: 20_000, maxAgeMs: 7 * 86_400_000 });
// NOWRITE=1: the tracer's logic alone, without its one insert per turn
if (process.env.NOWRITE) store.write = () => undefined;
const agent = defineAgent({ name: "assistant", description: "d", instructions: "i" });
const tracer = turnTracer({
  store,
  content: false,
  export: () => undefined,
  tasks: () => [],
  messages: () => [],
  startedAt: () => null,
});
const facts = turnFacts(sql, () => null);

function turn(withTracer: boolean): void {
  const run: RunInfo = {
    turnId: crypto.randomUUID(),
    kind: "start",
    session: {
      tenant: "dev",
      sessionId: "s",
      agent: "assistant",
      createdAt: "",
      lastSeq: 0,
      usage: { inputTokens: 0, outputTokens: 0, modelCalls: 0, costNanos: 0 },
      escalations: 0,
      summary: "",
      summaryThroughSeq: 0,
      onBusy: "enqueue",
      incarnation: null,
    },
    agent,
    models: { local: "builtin:echo", central: "builtin:central" },
    streaming: false,
    emit: () => undefined,
    messages: () => [],
    trace: {
      traceId: "t",
      w3c: { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", sampled: true },
    },
  };
  const sets = withTracer ? [tracer(run), facts(run)] : [facts(run)];
  const call = {
    index: 1,
    tier: "local" as const,
    model: "builtin:echo",
    purpose: "turn" as const,
    streaming: false,
    startedAt: Date.now(),
    spanId: "1111111111111111",
  };
  for (const hooks of sets) {
    hooks?.turnStarted?.();
    hooks?.contextBuilt?.({ startedAt: Date.now(), tokens: 200, messages: 3, compacted: false });
    hooks?.beforeModelCall?.(call);
    hooks?.afterModelCall?.(call, {
      ok: true,
      model: "builtin:echo",
      inputTokens: 500,
      outputTokens: 80,
      costNanos: 80_000,
      latencyMs: 1,
      finishReason: "stop",
    });
    hooks?.turnEnded?.({
      status: "completed",
      model: "builtin:echo",
      tier: "local",
      usage: { inputTokens: 500, outputTokens: 80, modelCalls: 1, costNanos: 80_000 },
      steps: 1,
    });
  }
}

function measure(withTracer: boolean, turns: number): number {
  const t0 = performance.now();
  for (let i = 0; i < turns; i++) turn(withTracer);
  return ((performance.now() - t0) * 1000) / turns;
}

for (let i = 0; i < 3; i++) {
  measure(true, 2000);
  measure(false, 2000);
}
const rounds = Array.from({ length: 10 }, () => [measure(false, 2000), measure(true, 2000)] as const);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const off = median(rounds.map(([a]) => a));
const on = median(rounds.map(([, b]) => b));
console.log(JSON.stringify({ microsPerTurnHooksOff: off, microsPerTurnHooksOn: on, tracerMicrosPerTurn: on - off }));
