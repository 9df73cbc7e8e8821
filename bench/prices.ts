// Cloudflare's published prices and limits that bench/capacity.ts uses, with where they were read.
// Read on 2026-12-01 from stored copies of the pages (the docs/pages search; no live internet here).

/** The date the prices below were read. */
export const PRICES_READ_ON = "2026-12-01";

export const SOURCES = {
  workersPricing: "https://developers.cloudflare.com/workers/platform/pricing/",
  durableObjectsPricing: "https://developers.cloudflare.com/durable-objects/platform/pricing/",
  queuesPricing: "https://developers.cloudflare.com/queues/platform/pricing/",
  workersLimits: "https://developers.cloudflare.com/workers/platform/limits/",
  durableObjectLimits: "https://developers.cloudflare.com/durable-objects/platform/limits/",
  queuesLimits: "https://developers.cloudflare.com/queues/platform/limits/",
} as const;

/** Workers Paid (Standard usage model), Durable Objects (SQLite storage) and Queues, in USD. */
export const PRICES = {
  workers: { requestPerMillion: 0.3, cpuMsPerMillion: 0.02 },
  durableObjects: {
    requestPerMillion: 0.15,
    gbSecondPerMillion: 12.5,
    rowsReadPerMillion: 0.001,
    rowsWrittenPerMillion: 1.0,
    storageGbMonth: 0.2,
  },
  queues: { operationPerMillion: 0.4 },
} as const;

/** Limits from the same pages (and /work/shared/FACTS.md, which cites them). */
export const PLATFORM_LIMITS = {
  durableObjectRequestsPerSecond: 1_000,
  durableObjectStorageBytes: 10e9,
  webSocketsPerObject: 32_768,
  queueMessagesPerSecond: 5_000,
  workerSize:
    "10 MB compressed on Workers Paid and 3 MB on Free; the limits page now documents 64 MiB uncompressed on every plan (cloudflare-docs PR 31002, May 2026)",
} as const;
