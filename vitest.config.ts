import { cloudflareTest } from "@cloudflare/vitest-plugin";
import agents from "agents/vite";
import { defineConfig } from "vitest/config";

// dev mode accepts the well-known dev tokens; the e2e suite proves a deploy-like config refuses them
const TEST_VARS = { EDGENT_DEV_MODE: "true", EDGENT_MODEL_MAX_RETRIES: "0" };

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: [
            "shared/**/*.test.ts",
            "durable-objects/**/*.test.ts",
            "client/**/*.test.ts",
            "test/architecture.test.ts",
          ],
          environment: "node",
        },
      },
      {
        plugins: [
          agents(),
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                ...TEST_VARS,
                // an MCP server on loopback (test/support/mcp-fixture.ts), used by the extractor agent only
                EDGENT_MCP_SERVERS: JSON.stringify({ fixture: { url: inject("mcpFixtureUrl") } }),
                EDGENT_AGENT_MCP_SERVERS: JSON.stringify({ extractor: ["fixture"] }),
              },
            },
          })),
        ],
        // the first test of a file also loads the worker into workerd, which takes seconds on a busy machine
        test: {
          name: "workers",
          include: ["test/workers/**/*.test.ts"],
          globalSetup: ["test/support/mcp-fixture.ts"],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          globalSetup: ["test/e2e/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        // the fault-injection suite (npm run test:faults, the last part of npm test): restarts,
        // a failing provider, a queue that repeats itself, clients that drop; one file at a time
        test: {
          name: "faults",
          include: ["test/faults/**/*.test.ts"],
          environment: "node",
          // the second prints the suite's totals at the end and fails the run on a lost or duplicated turn
          globalSetup: ["test/e2e/global-setup.ts", "test/faults/support/totals.ts"],
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
