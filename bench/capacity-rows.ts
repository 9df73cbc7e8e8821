// The footprint and gateway rows of `npm run bench`'s printed table.
import type { FootprintFigures, UnitFootprint } from "./footprint.ts";
import type { GatewayCeiling } from "./gateway-ceiling.ts";

const fmt = (n: number, digits = 1) => n.toFixed(digits);

function unit(name: string, u: UnitFootprint): string {
  const cpu = u.processCpuMs === null ? "n/a" : fmt(u.processCpuMs, 2);
  const bytes = u.bytesStored === null ? "n/a" : fmt(u.bytesStored, 0);
  return `| ${name.padEnd(44)} | CPU ${fmt(u.isolateCpuMs, 2)} ms isolate / ${cpu} ms workerd; SQL rows ${fmt(u.sqlRowsRead)} read / ${fmt(u.sqlRowsWritten)} written; ${bytes} bytes stored |`;
}

/** Table rows for the footprint per turn and the gateway's ceiling. */
export function capacityRows(f: FootprintFigures, g: GatewayCeiling): string {
  return [
    unit("footprint: plain turn", f.plain),
    unit("footprint: turn at 2,000 messages", f.history2000),
    unit("footprint: escalated turn", f.escalated),
    unit(`footprint: delegated task (${f.delegatedTask.tasksPerTurn} per turn)`, f.delegatedTask),
    `| bundle (dist/router.js)                      | ${fmt(f.bundle.bytes / 1e6, 2)} MB raw, ${fmt(f.bundle.gzipBytes / 1e6, 2)} MB gzip (limit 10 MB compressed) |`,
    `| gateway ceiling, one object / ${g.sharded.shards} shards      | ${fmt(g.oneObject.callsPerSecond, 0)} / ${fmt(g.sharded.callsPerSecond, 0)} central calls/s (p50 ${fmt(g.oneObject.p50, 1)} ms, p99 ${fmt(g.oneObject.p99, 1)} ms at ${g.oneObject.concurrency} callers) |`,
  ].join("\n");
}
