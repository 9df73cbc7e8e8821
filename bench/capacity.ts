// Writes bench/capacity.md from bench/results.json: a capacity and cost model for internet scale
// built only from the figures `npm run bench` measured, priced with Cloudflare's published prices
// and the project's model catalog. `npm run bench` runs it last; alone:
// `node bench/capacity.ts [--escalation=0.05] [--central=builtin:central] [--local=MODEL]
//   [--model-seconds=1] [--provider-seconds=2] [--delegating=0.05]`.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import {
  big,
  type CapacityParams,
  DEFAULT_PARAMS,
  DO_MEMORY_GB,
  DO_REQUESTS_PER_TASK,
  dominant,
  GB,
  lineTable,
  MONTH_SECONDS,
  monthTable,
  num,
  price,
  QUEUE_OPS_PER_TASK,
  RATE,
  turnLines,
  usd,
} from "./capacity-costs.ts";
import type { FootprintFigures, UnitFootprint } from "./footprint.ts";
import type { GatewayCeiling } from "./gateway-ceiling.ts";
import type { PeerFigures } from "./peer.ts";
import { PLATFORM_LIMITS, PRICES, PRICES_READ_ON, SOURCES } from "./prices.ts";

/** What capacity.md is computed from: bench/results.json, as far as it is needed here. */

export interface CapacityInputs {
  date: string;
  footprint?: FootprintFigures;
  gateway?: GatewayCeiling;
  peer?: PeerFigures;
}

function footprintTable(f: FootprintFigures): string {
  const row = (name: string, u: UnitFootprint) =>
    `| ${name} | ${u.units} | ${num(u.isolateCpuMs, 2)} | ${u.processCpuMs === null ? "n/a" : num(u.processCpuMs, 2)} | ${num(u.sqlRowsRead, 1)} | ${num(u.sqlRowsWritten, 1)} | ${u.bytesStored === null ? "n/a" : num(u.bytesStored, 0)} | ${num(u.wallMs, 1)} | ${num(u.inputTokens, 0)} / ${num(u.outputTokens, 0)} |`;
  return [
    "| unit of work | measured | isolate CPU ms (profile) | workerd process CPU ms | SQL rows read | SQL rows written | bytes stored | wall ms alone | model tokens in / out |",
    "|---|---|---|---|---|---|---|---|---|",
    row("plain turn (history ≤ 110 messages)", f.plain),
    row("turn at 2,000 messages of history", f.history2000),
    row("escalated turn (`/escalate`)", f.escalated),
    row(`delegated task (a coordinator turn ÷ its ${f.delegatedTask.tasksPerTurn} tasks)`, f.delegatedTask),
  ].join("\n");
}

function peerSection(inputs: CapacityInputs, p: CapacityParams): string {
  const peer = inputs.peer;
  const head = "## Edgent and the stock AIChatAgent, side by side\n";
  if (!peer) {
    return `${head}\nThe peer benchmark (results.json \`peer\`) was **not measured in this run**: no figures are shown for the stock \`AIChatAgent\`.\n`;
  }
  const local = price(p.localModel);
  const rows: string[] = [];
  for (const history of ["m40", "m2000"] as const) {
    for (const side of ["edgent", "aiChatAgent"] as const) {
      const s = peer[side][history];
      const tokens = s.inputTokens * 1e6 * (local.inputPerMillion / 1e6);
      const duration = (s.p50Ms / 1000) * DO_MEMORY_GB * 1e6 * (PRICES.durableObjects.gbSecondPerMillion / 1e6);
      rows.push(
        `| ${history === "m40" ? "40" : "2,000"} | ${side === "edgent" ? "Edgent" : "AIChatAgent"} | ${num(s.p50Ms, 2)} | ${num(s.p90Ms, 2)} | ${num(s.inputTokens, 0)} | ${usd(tokens)} | ${usd(duration)} |`,
      );
    }
  }
  return `${head}
Measured by the peer benchmark in the same run (\`bench/peer.ts\`: the stock \`AIChatAgent\` of
${peer.package}, an instant mock model for both, over WebSocket). Per 1 million
turns: model input tokens priced as ${p.localModel} from the catalog, and object duration from
the p50 turn time × 128 MB (the time the model itself takes comes on top, alike for both).

| history (messages) | runtime | p50 ms | p90 ms | model input tokens per turn | input tokens per 1M turns | object duration per 1M turns |
|---|---|---|---|---|---|---|
${rows.join("\n")}
`;
}

function gatewaySection(g: GatewayCeiling | undefined, p: CapacityParams, f: FootprintFigures | undefined): string {
  if (!g) return "## The tenant gateway\n\nThe gateway's ceiling was not measured in this run.\n";
  const calls = RATE * p.escalation;
  const perObject = Math.min(g.oneObject.callsPerSecond, PLATFORM_LIMITS.durableObjectRequestsPerSecond);
  // half an object's ceiling per shard leaves room for bursts
  const shardsFor = (rate: number) => Math.max(1, Math.ceil((RATE * rate) / (perObject / 2)));
  const shards = shardsFor(p.escalation);
  const inFlight = calls * p.providerSeconds;
  const rates = [0.01, 0.05, 0.1, 0.2, 0.5]
    .map(
      (rate) =>
        `| ${num(rate * 100)}% | ${num(RATE * rate, 0)} | ${shardsFor(rate)} | ${num(RATE * rate * p.providerSeconds, 0)} |`,
    )
    .join("\n");
  const runs = g.runs
    .map(
      (r) =>
        `| ${r.shards} | ${r.concurrency} | ${num(r.callsPerSecond, 0)} | ${num(r.p50, 1)} | ${num(r.p99, 1)} | ${
          Object.entries(r.refusals)
            .map(([k, v]) => `${k} ${v}`)
            .join(", ") || "none"
        } |`,
    )
    .join("\n");
  void f;
  return `## The tenant gateway under thousands of escalations per second

One \`ModelGateway\` object per tenant admits every central call (concurrency slot, budget,
circuit breaker, usage rows). \`bench/gateway-ceiling.ts\` drives it from inside workerd
with the builtin (instant) provider, so what is measured is the object itself:

| shards | callers at once | calls/s | p50 ms (call through the gateway) | p99 ms | refusals |
|---|---|---|---|---|---|
${runs}

One object's ceiling here: **${num(g.oneObject.callsPerSecond, 0)} calls/s** (p50 ${num(g.oneObject.p50, 1)} ms,
p99 ${num(g.oneObject.p99, 1)} ms at ${g.oneObject.concurrency} callers). Locally every object of a class runs in the one
isolate on the one thread, so ${g.sharded.shards} shards measure the machine, not the design
(${num(g.sharded.callsPerSecond, 0)} calls/s); on Cloudflare each object runs on its own thread, with a soft limit of
about ${PLATFORM_LIMITS.durableObjectRequestsPerSecond.toLocaleString("en-US")} requests/s each.

At ${RATE.toLocaleString("en-US")} turns/s and ${num(p.escalation * 100)}% escalation one big tenant makes **${num(calls, 0)} central calls/s**,
${calls > perObject / 2 ? "more than" : "within"} half of what one object takes (the lower of the measured ceiling and the platform's
soft limit: ${num(perObject, 0)}/s): it needs **\`EDGENT_GATEWAY_SHARDS\` = ${shards}** to keep each shard at half its ceiling.

| escalation rate | central calls/s at ${RATE.toLocaleString("en-US")} turns/s | shards (each at ≤ half its ceiling) | calls in flight with a ${p.providerSeconds} s provider |
|---|---|---|---|
${rates}

Sharding is implemented: each session's
calls and usage reports go to the shard a stable hash (FNV-1a) of its session id picks; each shard
enforces \`EDGENT_CENTRAL_BUDGET_TOKENS ÷ shards\` (rounded down, so the tenant can never overspend,
at the price of one shard refusing while another has tokens left) and
\`EDGENT_GATEWAY_CONCURRENCY ÷ shards\`; each keeps its own circuit breakers (a failing model is
shut off on each shard after \`EDGENT_BREAKER_FAILURES\` failures there); \`GET /v1/usage\` adds
every shard's lines and budgets up. With a provider answering in ${p.providerSeconds} s, ${num(calls, 0)} calls/s keep
**${num(inFlight, 0)} calls in flight** (Little's law): the tenant's \`EDGENT_GATEWAY_CONCURRENCY\` must be at
least that (up to 100,000; each shard holds its share of the slots), or calls queue and are refused
with \`gateway_saturated\` long before any object is busy.
`;
}

function limitsSection(f: FootprintFigures | undefined, p: CapacityParams): string {
  const L = PLATFORM_LIMITS;
  const tasksPerSecond = f ? RATE * p.delegating * f.delegatedTask.tasksPerTurn : Number.NaN;
  const queues = Math.ceil(tasksPerSecond / L.queueMessagesPerSecond);
  const bytesPerTurn = f?.plain.bytesStored ?? Number.NaN;
  const turnsToFill = (L.durableObjectStorageBytes / bytesPerTurn) | 0;
  return `## Platform limits that bound the design at ${RATE.toLocaleString("en-US")} turns/s

| limit (source) | value | Edgent at ${RATE.toLocaleString("en-US")} turns/s | how Edgent stays under it |
|---|---|---|---|
| requests per Durable Object ([DO limits](${SOURCES.durableObjectLimits})) | soft ~${L.durableObjectRequestsPerSecond.toLocaleString("en-US")}/s | one object per session: a session's turns run one at a time (each ~${f ? num(f.plain.wallMs, 0) : "?"} ms here, seconds with a real model) | no shared object on the turn path; the tenant gateway, the one per-tenant object, is sharded (above) |
| messages per queue ([Queues limits](${SOURCES.queuesLimits})) | ~${L.queueMessagesPerSecond.toLocaleString("en-US")}/s | ${num(tasksPerSecond, 0)} tasks/s when ${num(p.delegating * 100)}% of turns fan out to ${f?.delegatedTask.tasksPerTurn ?? "?"} tasks | ${tasksPerSecond >= L.queueMessagesPerSecond ? `**at or over one queue's limit: needs ${Math.max(2, queues)} queues or more.** Edgent has one task queue today; producers would pick a queue by a hash of the task id (each queue with the same consumer), or \`EDGENT_DELEGATION_TRANSPORT=direct\` skips the queue (no buffering or retries by the platform). Not implemented.` : "under one queue's limit"} |
| hibernatable WebSockets per object ([DO limits](${SOURCES.durableObjectLimits})) | ${L.webSocketsPerObject.toLocaleString("en-US")} | a session's own clients (a few) | one object per session; live delivery fans out per session only |
| storage per object ([DO limits](${SOURCES.durableObjectLimits})) | 10 GB | ~${num(bytesPerTurn, 0)} bytes per plain turn | a session fills it after ~${big(turnsToFill)} turns; sub-agent objects are per task |
| SQL statement / row size ([DO limits](${SOURCES.durableObjectLimits})) | 100 KB / 2 MB | messages are rows; the context is rebuilt from a bounded tail | long tool outputs are stored as rows under 2 MB (not measured here) |
| CPU per request ([Workers limits](${SOURCES.workersLimits})) | 30 s default (up to 5 min) | ${f ? num(f.plain.processCpuMs ?? f.plain.isolateCpuMs, 1) : "?"} ms per plain turn | far under |
| Worker size ([Workers limits](${SOURCES.workersLimits})) | ${L.workerSize} | ${f ? `${num(f.bundle.bytes / 1e6, 2)} MB raw, ${num(f.bundle.gzipBytes / 1e6, 2)} MB gzip` : "?"} | see the bundle section |
`;
}

/** capacity.md's text. */
export function capacityMarkdown(inputs: CapacityInputs, p: CapacityParams = DEFAULT_PARAMS): string {
  const f = inputs.footprint;
  const million = 1e6;
  const month = RATE * MONTH_SECONDS;
  const parts: string[] = [];
  parts.push(`# Capacity and cost model (generated)

Generated by \`bench/capacity.ts\` from \`bench/results.json\` of the \`npm run bench\` run of
**${inputs.date}**; do not edit by hand. Every figure below is either measured in that run or
computed from measured figures and the published prices; the few quantities counted from the
code instead are named as such.

Parameters (change them with flags, see the script's header): escalation rate **${num(p.escalation * 100)}%**,
central model **${p.centralModel}**, local model **${p.localModel}**, **${p.modelSeconds} s** an object
waits for its local model per turn (the builtin model the bench uses answers at once), a central
call takes **${p.providerSeconds} s** at the provider, **${num(p.delegating * 100)}%** of turns delegate.

## Prices

Read on **${PRICES_READ_ON}** from Cloudflare's pricing pages (stored copies found with the docs
search): [Workers](${SOURCES.workersPricing}), [Durable Objects](${SOURCES.durableObjectsPricing}),
[Queues](${SOURCES.queuesPricing}). Model prices are the project's catalog (\`shared/models/pricing.ts\`).

| item | included per month (Workers Paid, $5/month) | price beyond |
|---|---|---|
| Workers requests | 10 million | $${PRICES.workers.requestPerMillion} per million |
| Workers CPU time | 30 million ms | $${PRICES.workers.cpuMsPerMillion} per million ms |
| Durable Object requests (RPC sessions, HTTP, alarms; incoming WebSocket messages count 1/20) | 1 million | $${PRICES.durableObjects.requestPerMillion} per million |
| Durable Object duration (wall time while active × 128 MB) | 400,000 GB-s | $${PRICES.durableObjects.gbSecondPerMillion} per million GB-s |
| SQLite rows read | 25 billion | $${PRICES.durableObjects.rowsReadPerMillion} per million |
| SQLite rows written | 50 million | $${PRICES.durableObjects.rowsWrittenPerMillion} per million |
| SQLite stored data | 5 GB-month | $${PRICES.durableObjects.storageGbMonth} per GB-month |
| Queue operations (per 64 KB written, read or deleted; ~3 per message) | 1 million | $${PRICES.queues.operationPerMillion} per million |
| ${p.centralModel} (central) | | $${price(p.centralModel).inputPerMillion} / $${price(p.centralModel).outputPerMillion} per million input / output tokens |
| ${p.localModel} (local) | | $${price(p.localModel).inputPerMillion} / $${price(p.localModel).outputPerMillion} per million input / output tokens |
`);
  if (!f) {
    parts.push("## Footprint\n\nThe footprint benchmark was not measured in this run: no per-turn figures.\n");
  } else {
    parts.push(`## Measured footprint per unit of work

CPU is workerd's own, two ways: the whole workerd process's user + system time from the kernel
(/proc; router, objects, SQLite and I/O together, and what the model below uses), and the
isolate's sampled V8 CPU profile (samples not idle, JS and GC with native calls counted with their
caller; each sample stands for the wall time since the previous one, so on this shared 2-core
machine it also counts time the thread waited for a core, and reads higher). Both are taken over
the measured turns and divided by their number, run 8 (plain), 2 (history) or 4 (escalated) sessions at
once, one coordinator at a time. SQL rows and bytes come from the turn log lines, which a
meter on the session's SQL storage fills (\`durable-objects/session/storage/sql-meter.ts\`):
rows its statements read and wrote since its previous turn ended, and the database's size
(bytes stored per turn is its growth over the turns; for delegation, the size of every object
the turn created). The \`agents\` SDK's own statements (its schema set up when an object starts)
are outside the meter.

${footprintTable(f)}

A delegated task's objects are new ones: ~${num((f.delegatedTask.bytesStored ?? 0) / 1000, 0)} kB stored per task is mostly
the empty schema of a new object's database (tables and indexes take pages of their own), kept
until the parent session is erased.

### Bundle

\`wrangler deploy --dry-run\` output: ${f.bundle.files.filter((x) => x.endsWith(".js")).join(", ")} — **${num(f.bundle.bytes / 1e6, 2)} MB** raw,
**${num(f.bundle.gzipBytes / 1e6, 2)} MB** gzip-compressed. Cloudflare's Worker size limit has been
${PLATFORM_LIMITS.workerSize}: the bundle uses ${num((100 * f.bundle.gzipBytes) / 10e6, 0)}% of the 10 MB
compressed limit (${num((100 * f.bundle.gzipBytes) / 3e6, 0)}% of the free plan's 3 MB) and ${num((100 * f.bundle.bytes) / (64 * 2 ** 20), 0)}% of 64 MiB.

## Per 1 million turns (gross, before the plan's included usage)

### A plain turn, with escalation and delegation mixed in as the parameters say

${lineTable(turnLines(f, f.plain, p), million)}

### A turn at 2,000 messages of history

${lineTable(turnLines(f, f.history2000, p), million)}

Storage grows by **${num(((f.plain.bytesStored ?? 0) * million) / GB, 2)} GB per million plain turns** (${num(((f.history2000.bytesStored ?? 0) * million) / GB, 2)} GB at
2,000 messages), ${usd((((f.plain.bytesStored ?? 0) * million) / GB) * PRICES.durableObjects.storageGbMonth)} a month for as long as it is kept; each delegated task adds
${num((f.delegatedTask.bytesStored ?? 0) / 1000, 0)} kB.

### A delegated task

| billed item | per task | per 1 million tasks | cost |
|---|---|---|---|
| Queue operations | ${QUEUE_OPS_PER_TASK} (a write, a read, a delete; counted from the code) | ${big(QUEUE_OPS_PER_TASK * million)} | ${usd(QUEUE_OPS_PER_TASK * PRICES.queues.operationPerMillion)} |
| Durable Object requests | ${DO_REQUESTS_PER_TASK} (counted from the code) | ${big(DO_REQUESTS_PER_TASK * million)} | ${usd(DO_REQUESTS_PER_TASK * PRICES.durableObjects.requestPerMillion)} |
| Workers CPU | ${num(f.delegatedTask.processCpuMs ?? f.delegatedTask.isolateCpuMs, 2)} ms | ${big((f.delegatedTask.processCpuMs ?? f.delegatedTask.isolateCpuMs) * million)} ms | ${usd((f.delegatedTask.processCpuMs ?? f.delegatedTask.isolateCpuMs) * PRICES.workers.cpuMsPerMillion)} |
| SQL rows read / written | ${num(f.delegatedTask.sqlRowsRead, 1)} / ${num(f.delegatedTask.sqlRowsWritten, 1)} | ${big(f.delegatedTask.sqlRowsRead * million)} / ${big(f.delegatedTask.sqlRowsWritten * million)} | ${usd(f.delegatedTask.sqlRowsRead * PRICES.durableObjects.rowsReadPerMillion + f.delegatedTask.sqlRowsWritten * PRICES.durableObjects.rowsWrittenPerMillion)} |
| storage | ${num((f.delegatedTask.bytesStored ?? 0) / 1000, 0)} kB | ${num(((f.delegatedTask.bytesStored ?? 0) * million) / GB, 0)} GB | ${usd((((f.delegatedTask.bytesStored ?? 0) * million) / GB) * PRICES.durableObjects.storageGbMonth)} a month |

## At a sustained ${RATE.toLocaleString("en-US")} turns/s across Cloudflare's network

That is ${big(month)} turns in a 30-day month. Plain turns, parameters as above; the plan's
included usage subtracted:

${monthTable(turnLines(f, f.plain, p), month)}

Stored data grows by **${num(((f.plain.bytesStored ?? 0) * month) / 1e12, 1)} TB a month** from the turns alone (${num((f.plain.bytesStored ?? 0) / 1000, 1)} kB each, spans
included), adding ${usd((((f.plain.bytesStored ?? 0) * month) / GB) * PRICES.durableObjects.storageGbMonth)} to every following month's bill while it is kept; delegated tasks add
${num((RATE * p.delegating * f.delegatedTask.tasksPerTurn * MONTH_SECONDS * (f.delegatedTask.bytesStored ?? 0)) / 1e12, 1)} TB a month more.

${dominant(turnLines(f, f.plain, p))}
`);
  }
  parts.push(peerSection(inputs, p));
  parts.push(gatewaySection(inputs.gateway, p, f));
  parts.push(limitsSection(f, p));
  return `${parts.join("\n")}`;
}

function parseArgs(argv: readonly string[]): CapacityParams {
  const params = { ...DEFAULT_PARAMS };
  for (const arg of argv) {
    const [key, value] = arg.replace(/^--/, "").split("=");
    if (value === undefined) continue;
    if (key === "escalation") params.escalation = Number(value);
    else if (key === "central") params.centralModel = value;
    else if (key === "local") params.localModel = value;
    else if (key === "model-seconds") params.modelSeconds = Number(value);
    else if (key === "provider-seconds") params.providerSeconds = Number(value);
    else if (key === "delegating") params.delegating = Number(value);
  }
  return params;
}

/** Reads results.json and writes capacity.md next to it. */
export function writeCapacity(params: CapacityParams = DEFAULT_PARAMS): string {
  const dir = import.meta.dirname;
  const resultsPath = resolve(dir, "results.json");
  if (!existsSync(resultsPath)) throw new Error("bench/results.json is missing: run `npm run bench` first");
  const inputs = JSON.parse(readFileSync(resultsPath, "utf8")) as CapacityInputs;
  const out = resolve(dir, "capacity.md");
  writeFileSync(out, capacityMarkdown(inputs, params));
  return out;
}

if (process.argv[1] === import.meta.filename) {
  console.log(`wrote ${writeCapacity(parseArgs(process.argv.slice(2)))}`);
}
