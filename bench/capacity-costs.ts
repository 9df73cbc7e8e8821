// The cost model behind bench/capacity.md: the billed quantities of a unit of work (from the
// measured footprint and the parameters), their prices, and the tables that add them up.
import { DEFAULT_MODEL_SPECS } from "../shared/models/pricing.ts";
import type { FootprintFigures, UnitFootprint } from "./footprint.ts";
import { PRICES } from "./prices.ts";

export interface CapacityParams {
  /** share of turns that escalate to the central model */
  escalation: number;
  centralModel: string;
  localModel: string;
  /** wall seconds a session object waits for its local model per turn (the builtin answers at once) */
  modelSeconds: number;
  /** a central call's duration at the provider, for the gateway's concurrency (Little's law) */
  providerSeconds: number;
  /** share of turns that delegate (each to as many tasks as the measured delegating turn) */
  delegating: number;
}

export const DEFAULT_PARAMS: CapacityParams = {
  escalation: 0.05,
  centralModel: "builtin:central",
  localModel: "workers-ai:@cf/meta/llama-3.1-8b-instruct",
  modelSeconds: 1,
  providerSeconds: 2,
  delegating: 0.05,
};

export const RATE = 10_000; // turns per second, sustained
export const MONTH_SECONDS = 30 * 24 * 3600;
export const GB = 1e9;
export const DO_MEMORY_GB = 0.128; // duration is billed on the 128 MB an object is allocated

export const usd = (n: number) =>
  n >= 100 ? `$${Math.round(n).toLocaleString("en-US")}` : n >= 1 ? `$${n.toFixed(2)}` : `$${n.toFixed(4)}`;
export const num = (n: number, digits = 1) =>
  Math.abs(n) >= 1000 ? Math.round(n).toLocaleString("en-US") : n.toFixed(digits).replace(/\.0+$/, "");
export const big = (n: number) =>
  n >= 1e12
    ? `${num(n / 1e12, 2)} trillion`
    : n >= 1e9
      ? `${num(n / 1e9, 2)} billion`
      : n >= 1e6
        ? `${num(n / 1e6, 2)} million`
        : num(n, 0);

const PLURAL: Record<string, string> = { "CPU ms": "CPU ms", "GB-s": "GB-s" };
export const plural = (unit: string, n: number) => (n === 1 ? unit : (PLURAL[unit] ?? `${unit}s`));

/** One billed quantity per unit of work, and its price per unit of quantity. */
export interface Line {
  item: string;
  perUnit: number;
  unit: string;
  price: number;
  note?: string;
}

export function price(model: string) {
  const spec = DEFAULT_MODEL_SPECS[model];
  if (!spec) throw new Error(`model '${model}' is not in the catalog (shared/models/pricing.ts)`);
  return spec;
}

/** The billed quantities of one turn of a kind, escalation and delegation mixed in as the parameters say. */
export function turnLines(f: FootprintFigures, turn: UnitFootprint, p: CapacityParams): Line[] {
  const central = price(p.centralModel);
  const local = price(p.localModel);
  const task = f.delegatedTask;
  const tasksPerTurn = p.delegating * task.tasksPerTurn;
  // what an escalation adds to a turn, as measured: the escalated turn less a plain one
  const extra = (key: "sqlRowsRead" | "sqlRowsWritten" | "isolateCpuMs") =>
    Math.max(0, f.escalated[key] - f.plain[key]);
  const centralIn = Math.max(0, f.escalated.inputTokens - f.plain.inputTokens);
  const centralOut = Math.max(0, f.escalated.outputTokens - f.plain.outputTokens);
  const cpu = (turn.processCpuMs ?? turn.isolateCpuMs) + p.escalation * extra("isolateCpuMs");
  const wallSeconds = turn.wallMs / 1000 + p.modelSeconds;
  return [
    {
      item: "Workers requests",
      perUnit: 1 + tasksPerTurn,
      unit: "request",
      price: PRICES.workers.requestPerMillion / 1e6,
      note: "the router; delegated tasks add a queue consumer invocation each (at most)",
    },
    {
      item: "Workers CPU",
      perUnit: cpu + tasksPerTurn * (task.processCpuMs ?? task.isolateCpuMs),
      unit: "CPU ms",
      price: PRICES.workers.cpuMsPerMillion / 1e6,
      note: "all of workerd's CPU per turn (router and objects), an upper bound",
    },
    {
      item: "Durable Object requests",
      perUnit: 1 + p.escalation * GATEWAY_REQUESTS_PER_CALL + tasksPerTurn * DO_REQUESTS_PER_TASK,
      unit: "request",
      price: PRICES.durableObjects.requestPerMillion / 1e6,
      note: "the session's RPC; the gateway per escalation; 3 per task",
    },
    {
      item: "Durable Object duration",
      perUnit: (wallSeconds + tasksPerTurn * (task.wallMs / 1000 + p.modelSeconds)) * DO_MEMORY_GB,
      unit: "GB-s",
      price: PRICES.durableObjects.gbSecondPerMillion / 1e6,
      note: `measured wall time plus ${p.modelSeconds} s waiting for the model, × 128 MB`,
    },
    {
      item: "SQL rows read",
      perUnit:
        turn.sqlRowsRead + p.escalation * (extra("sqlRowsRead") + GATEWAY_ROWS.read) + tasksPerTurn * task.sqlRowsRead,
      unit: "row",
      price: PRICES.durableObjects.rowsReadPerMillion / 1e6,
    },
    {
      item: "SQL rows written",
      perUnit:
        turn.sqlRowsWritten +
        p.escalation * (extra("sqlRowsWritten") + GATEWAY_ROWS.written) +
        tasksPerTurn * task.sqlRowsWritten,
      unit: "row",
      price: PRICES.durableObjects.rowsWrittenPerMillion / 1e6,
    },
    {
      item: "Queue operations",
      perUnit: tasksPerTurn * QUEUE_OPS_PER_TASK,
      unit: "operation",
      price: PRICES.queues.operationPerMillion / 1e6,
    },
    {
      item: `Central model tokens (${p.centralModel}), ${num(p.escalation * 100)}% escalated`,
      perUnit: p.escalation * (centralIn + centralOut),
      unit: "token",
      price:
        p.escalation * (centralIn + centralOut) > 0
          ? (centralIn * central.inputPerMillion + centralOut * central.outputPerMillion) /
            (centralIn + centralOut) /
            1e6
          : 0,
    },
    {
      item: `Local model tokens (${p.localModel})`,
      perUnit: turn.inputTokens + turn.outputTokens,
      unit: "token",
      price:
        (turn.inputTokens * local.inputPerMillion + turn.outputTokens * local.outputPerMillion) /
        Math.max(1, turn.inputTokens + turn.outputTokens) /
        1e6,
    },
  ];
}

// Counted from the code paths (not measured): each is named where it happens.
/** durable-objects/session/turn/central-model.ts: one `generate` RPC to the gateway per central call */
export const GATEWAY_REQUESTS_PER_CALL = 1;
/** durable-objects/model-gateway.ts per call: the budget read; the budget and usage upserts (a breaker row only on a change) */
export const GATEWAY_ROWS = { read: 1, written: 2 };
/** workers/tasks.ts runTask on the sub-agent, then its taskProgress and taskSettled calls to the parent */
export const DO_REQUESTS_PER_TASK = 3;
/** one message per task (far below 64 KB): a write, a read and a delete */
export const QUEUE_OPS_PER_TASK = 3;

export function lineTable(lines: Line[], units: number): string {
  const rows = lines.map((l) => {
    const qty = l.perUnit * units;
    return `| ${l.item} | ${num(l.perUnit, 3)} ${plural(l.unit, l.perUnit)} | ${big(qty)} | ${usd(qty * l.price)} |${l.note ? ` ${l.note} |` : " |"}`;
  });
  const total = lines.reduce((n, l) => n + l.perUnit * units * l.price, 0);
  return [
    `| billed item | per turn | per ${big(units)} turns | cost | note |`,
    "|---|---|---|---|---|",
    ...rows,
    `| **total** | | | **${usd(total)}** | |`,
  ].join("\n");
}

/** Which line costs most among the platform's, and the models' share of the whole. */
export function dominant(lines: Line[]): string {
  const cost = (l: Line) => l.perUnit * l.price;
  const isModel = (l: Line) => l.item.includes("model tokens");
  const platform = lines.filter((l) => !isModel(l)).sort((a, b) => cost(b) - cost(a));
  const platformCost = platform.reduce((n, l) => n + cost(l), 0);
  const total = lines.reduce((n, l) => n + cost(l), 0);
  const top = platform[0];
  if (!top || total === 0) return "";
  return `Models are **${num((100 * (total - platformCost)) / total, 1)}%** of the cost per turn. Of Cloudflare's own lines the largest is **${top.item}** (${num((100 * cost(top)) / platformCost, 0)}% of the platform's cost per turn): the place to save first.`;
}

export function monthTable(lines: Line[], turns: number): string {
  const included: Record<string, number> = {
    "Workers requests": 10e6,
    "Workers CPU": 30e6,
    "Durable Object requests": 1e6,
    "Durable Object duration": 400_000,
    "SQL rows read": 25e9,
    "SQL rows written": 50e6,
    "Queue operations": 1e6,
  };
  const rows = lines.map((l) => {
    const qty = l.perUnit * turns;
    const billed = Math.max(0, qty - (included[l.item] ?? 0));
    return `| ${l.item} | ${big(qty / MONTH_SECONDS)} ${plural(l.unit, 2)}/s | ${big(qty)} | ${usd(billed * l.price)} |`;
  });
  const total = lines.reduce((n, l) => n + Math.max(0, l.perUnit * turns - (included[l.item] ?? 0)) * l.price, 0);
  return [
    "| billed item | per second | per month | cost per month |",
    "|---|---|---|---|",
    ...rows,
    `| **total** (plus $5 for the plan, and stored data at $${PRICES.durableObjects.storageGbMonth}/GB-month as it accumulates) | | | **${usd(total)}** |`,
  ].join("\n");
}
