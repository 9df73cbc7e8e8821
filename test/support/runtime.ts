import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare, type V4MiniflareOptions } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";

/** Environment that keeps wrangler off the network. */
export const OFFLINE_ENV = {
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_SEND_ERROR_REPORTS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
};

const ROOT = resolve(import.meta.dirname, "../..");

/**
 * Builds the deployable bundle exactly as `wrangler deploy` would, without uploading it, and
 * returns the path of its entry module (named after the config's `main`).
 */
export function buildBundle(configPath = "wrangler.toml", outDir = "dist", entry = "router.js"): string {
  execFileSync(
    resolve(ROOT, "node_modules/.bin/wrangler"),
    // wrangler resolves a relative outdir against the config's folder: pass absolute paths
    ["deploy", "--dry-run", "--config", resolve(ROOT, configPath), "--outdir", resolve(ROOT, outDir)],
    {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...OFFLINE_ENV },
    },
  );
  const main = resolve(ROOT, outDir, entry);
  if (!existsSync(main)) throw new Error(`wrangler did not produce ${main}`);
  return main;
}

/** Options for a local runtime. */
export interface RuntimeOptions {
  /** overrides of wrangler.toml [vars] and secrets */
  vars?: Record<string, string>;
  configPath?: string;
  /** the built entry module */
  scriptPath?: string;
  /** worker name; must match the config's for its Durable Object bindings */
  name?: string;
  /** print the worker's log lines */
  verbose?: boolean;
  /** expose the V8 inspector on this port (profiling) */
  inspectorPort?: number;
  /** keep every Durable Object's storage in this folder, so a new runtime on it is a restart */
  persistPath?: string;
  /** the runtime's queue producers, by binding, instead of the config's (to put a test's queue in between) */
  queueProducers?: Record<string, { queueName: string }>;
  /** more workers beside the runtime (Miniflare v4 worker options), e.g. a queue in between */
  workers?: Array<Record<string, unknown>>;
}

/** A runtime serving real HTTP on loopback. */
export interface Runtime {
  url: URL;
  mf: Miniflare;
  /** every line the worker logged, in order */
  logs: string[];
  dispose(): Promise<void>;
}

/** Starts the built bundle with wrangler.toml's bindings on 127.0.0.1 on a free port. */
export async function startRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const configPath = resolve(ROOT, options.configPath ?? "wrangler.toml");
  const { workerOptions } = unstable_getMiniflareWorkerOptions(configPath);
  // miniflare 5's v4 adapter rejects `modulesRules`; the prebuilt bundle is one ES module
  const { modulesRules: _rules, ...rest } = workerOptions as Record<string, unknown>;
  const script = options.scriptPath ?? resolve(ROOT, "dist/router.js");
  const worker = {
    ...rest,
    name: options.name ?? "edgent",
    // workerd refuses module paths outside the root, which defaults to the config's folder
    rootPath: dirname(script),
    modules: [{ type: "ESModule", path: script }],
    bindings: { ...(rest.bindings as Record<string, unknown>), ...options.vars },
    ...(options.queueProducers ? { queueProducers: options.queueProducers } : {}),
  };
  const shared = {
    host: "127.0.0.1",
    port: 0,
    cf: false,
    ...(options.inspectorPort ? { inspectorPort: options.inspectorPort } : {}),
    ...(options.persistPath ? { resourcePersistencePath: options.persistPath } : {}),
    logRequests: false,
    log: new Log(options.verbose ? LogLevel.INFO : LogLevel.WARN),
  };
  // the first worker serves the runtime's URL
  const v4 = (
    options.workers ? { ...shared, workers: [worker, ...options.workers] } : { ...shared, ...worker }
  ) as V4MiniflareOptions;
  const logs: string[] = [];
  v4.handleStructuredLogs = ({ message }) => {
    logs.push(message);
    if (options.verbose) console.log(message);
  };
  const mf = new Miniflare(convertV4MiniflareOptions(v4));
  const url = await mf.ready;
  return { url, mf, logs, dispose: () => mf.dispose() };
}
