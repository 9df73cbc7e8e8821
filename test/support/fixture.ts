import { afterAll, beforeAll } from "vitest";
import { Client } from "./client.ts";
import { type Runtime, startRuntime } from "./runtime.ts";

/** A suite's local runtime (dev mode on) and a client for it, started once for the file. */
export interface RuntimeFixture {
  readonly runtime: Runtime;
  readonly api: Client;
}

/** Starts the built bundle before the suite's tests and stops it after them. */
export function useRuntime(vars: Record<string, string> = {}): RuntimeFixture {
  const fixture = {} as { runtime: Runtime; api: Client };
  beforeAll(async () => {
    fixture.runtime = await startRuntime({ vars: { EDGENT_DEV_MODE: "true", ...vars } });
    fixture.api = new Client(fixture.runtime.url);
  });
  afterAll(() => fixture.runtime?.dispose());
  return fixture;
}
