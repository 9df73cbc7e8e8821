import type { Attributes, SpanData } from "../contracts/trace";
import { log } from "../log";
import { type SettingName, settingsOf } from "../settings";
import { encodeSpans, parseOtlpHeaders } from "./otlp";

/** Where and how spans are exported. */
export interface ExporterOptions {
  /** the OTLP/HTTP traces URL (…/v1/traces) */
  url: string;
  headers: Record<string, string>;
  /** longest one export request may take before its spans are dropped */
  timeoutMs: number;
  resource: Attributes;
  /** spans held while an export is under way; more are dropped and counted */
  maxQueue?: number;
  /** spans per request */
  maxBatch?: number;
  /** how long a flush waits for more spans to share its request (a full batch goes at once) */
  lingerMs?: number;
}

/** How often a failing collector is reported in the logs, at most. */
const REPORT_EVERY_MS = 10_000;

/**
 * Sends spans to an OpenTelemetry collector over OTLP/HTTP (JSON), in batches, after the
 * work that made them: callers hand the flush to `waitUntil`. A flush lingers briefly so that
 * concurrent turns share a request; one request at a time, and spans that arrive meanwhile
 * ride along in the next batch. A collector that is down, slow or
 * refusing costs one timeout per batch: its spans are dropped and counted, never retried.
 */
export class SpanExporter {
  /** spans sent, and spans dropped (queue full, collector down, slow or refusing) */
  readonly counts = { exported: 0, dropped: 0 };
  private queue: Array<{ span: SpanData; tenant: string }> = [];
  // drops per tenant not yet taken into the tenant's metrics
  private readonly untaken = new Map<string, number>();
  private flushing: Promise<void> | null = null;
  private lastReport = 0;
  private readonly maxQueue: number;
  private readonly maxBatch: number;
  private readonly lingerMs: number;

  constructor(private readonly options: ExporterOptions) {
    this.maxQueue = options.maxQueue ?? 4_096;
    this.maxBatch = options.maxBatch ?? 512;
    this.lingerMs = options.lingerMs ?? 100;
  }

  /** Queues spans (of a tenant's turn, if any) for the next flush; what does not fit is dropped and counted. */
  add(spans: readonly SpanData[], tenant = ""): void {
    const room = Math.max(0, this.maxQueue - this.queue.length);
    if (spans.length > room) {
      this.restore(tenant, spans.length - room);
      this.drop(spans.length - room, "the export queue is full");
    }
    for (let i = 0; i < Math.min(room, spans.length); i++) this.queue.push({ span: spans[i] as SpanData, tenant });
  }

  /** How many of the tenant's dropped spans wait to be taken. */
  untakenOf(tenant: string): number {
    return this.untaken.get(tenant) ?? 0;
  }

  /** The tenant's spans dropped since last taken (for its metrics). */
  take(tenant: string): number {
    const count = this.untaken.get(tenant) ?? 0;
    this.untaken.delete(tenant);
    return count;
  }

  /** Puts back a count `take` gave that could not be reported. */
  restore(tenant: string, count: number): void {
    if (count > 0) this.untaken.set(tenant, (this.untaken.get(tenant) ?? 0) + count);
  }

  /** Sends everything queued; never rejects. Concurrent callers share one flush. */
  flush(): Promise<void> {
    if (this.queue.length === 0 && !this.flushing) return Promise.resolve();
    this.flushing ??= this.drain().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async drain(): Promise<void> {
    // later than the response that made these spans, and long enough for other turns' spans to
    // share the request: under load, one request carries many turns
    const linger = this.queue.length >= this.maxBatch ? 0 : this.lingerMs;
    await new Promise((resolve) => setTimeout(resolve, linger));
    while (this.queue.length > 0) await this.send(this.queue.splice(0, this.maxBatch));
  }

  private async send(batch: Array<{ span: SpanData; tenant: string }>): Promise<void> {
    try {
      const response = await fetch(this.options.url, {
        method: "POST",
        headers: { ...this.options.headers, "content-type": "application/json" },
        body: encodeSpans(
          batch.map((entry) => entry.span),
          this.options.resource,
        ),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      await response.arrayBuffer().catch(() => undefined);
      if (!response.ok) throw new Error(`the collector answered ${response.status}`);
      this.counts.exported += batch.length;
    } catch (error) {
      const reason = error instanceof Error && error.name === "TimeoutError" ? "timed out" : errorText(error);
      for (const { tenant } of batch) this.restore(tenant, 1);
      this.drop(batch.length, `export failed: ${reason}`);
    }
  }

  /** Counts dropped spans; the logs hear of it at most every few seconds, with the running total. */
  private drop(count: number, reason: string): void {
    this.counts.dropped += count;
    const now = Date.now();
    if (now - this.lastReport < REPORT_EVERY_MS) return;
    this.lastReport = now;
    log({
      event: "notice",
      level: "warn",
      message: `trace spans dropped: ${reason}`,
      droppedSpans: this.counts.dropped,
    });
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message.slice(0, 200) : String(error).slice(0, 200);
}

// one exporter per environment (isolate): spans of every request and object in it batch together
const exporters = new WeakMap<object, SpanExporter | null>();

/**
 * The environment's span exporter, or null when export is off (no endpoint, tracing off, or
 * a setting that cannot be used, which is logged once).
 */
export function exporterFor(env: object): SpanExporter | null {
  let exporter = exporters.get(env);
  if (exporter === undefined) {
    exporter = makeExporter(env);
    exporters.set(env, exporter);
  }
  return exporter;
}

const EXPORT_SETTINGS = [
  "EDGENT_TRACING",
  "OTEL_EXPORTER_OTLP_ENDPOINT",
  "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
  "OTEL_EXPORTER_OTLP_HEADERS",
  "EDGENT_TRACE_EXPORT_TIMEOUT_MS",
] as const satisfies readonly SettingName[];

function makeExporter(env: object): SpanExporter | null {
  const loaded = settingsOf(env);
  const settings = loaded.values;
  const problem = loaded.problem(EXPORT_SETTINGS);
  const url =
    settings.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ||
    (settings.OTEL_EXPORTER_OTLP_ENDPOINT ? `${settings.OTEL_EXPORTER_OTLP_ENDPOINT}/v1/traces` : "");
  if (!problem && (settings.EDGENT_TRACING === "off" || !url)) return null;
  const headers = parseOtlpHeaders(settings.OTEL_EXPORTER_OTLP_HEADERS);
  if (problem || !headers) {
    log({
      event: "notice",
      level: "error",
      message: `trace export is off: ${problem ?? "OTEL_EXPORTER_OTLP_HEADERS must be key=value pairs separated by commas"}`,
    });
    return null;
  }
  return new SpanExporter({
    url,
    headers,
    timeoutMs: settings.EDGENT_TRACE_EXPORT_TIMEOUT_MS,
    resource: {
      "service.name": settings.OTEL_SERVICE_NAME,
      "service.version": "0.1.0",
      "telemetry.sdk.name": "edgent",
      "cloud.provider": "cloudflare",
      "cloud.platform": "cloudflare_workers",
    },
  });
}
