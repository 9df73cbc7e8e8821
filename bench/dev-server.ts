// `wrangler dev` as users run it (`npm run dev`), for benchmarks that must measure under it.
import { type ChildProcess, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { createServer } from "node:net";
import { resolve } from "node:path";
import { OFFLINE_ENV } from "../test/support/runtime.ts";

const ROOT = resolve(import.meta.dirname, "..");

/** A running `wrangler dev`. */
export interface DevServer {
  url: URL;
  stop(): Promise<void>;
}

/** A free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? done(address.port) : fail(new Error("no port"))));
    });
  });
}

/**
 * Starts `wrangler dev` on `configPath` with `vars` (as `npm run dev` does, plus a state folder
 * of its own so two servers never share objects) and resolves once it answers.
 */
export async function startDevServer(configPath: string, vars: Record<string, string> = {}): Promise<DevServer> {
  const port = await freePort();
  const inspector = await freePort();
  const state = resolve(ROOT, ".wrangler/bench-state", `${port}`);
  const args = [
    "dev",
    "--config",
    resolve(ROOT, configPath),
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspector),
    "--persist-to",
    state,
    ...Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
  ];
  const child: ChildProcess = spawn(resolve(ROOT, "node_modules/.bin/wrangler"), args, {
    cwd: ROOT,
    env: { ...process.env, ...OFFLINE_ENV },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + String(chunk)).slice(-4_000);
  });
  const url = new URL(`http://127.0.0.1:${port}`);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited (${child.exitCode}): ${stderr}`);
    try {
      await fetch(new URL("/__ready", url));
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill("SIGTERM");
        throw new Error(`wrangler dev did not answer within 60 s: ${stderr}`);
      }
      await new Promise((done) => setTimeout(done, 250));
    }
  }
  return {
    url,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((done) => child.once("exit", done));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(state, { recursive: true, force: true });
    },
  };
}
