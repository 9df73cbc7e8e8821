import { existsSync, readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";

const root = resolve(import.meta.dirname, "../..");

describe("the deployable build", () => {
  it("builds offline with wrangler deploy --dry-run into one bundle", () => {
    // global-setup ran `wrangler deploy --dry-run --outdir dist` before this suite
    const bundle = resolve(root, "dist/router.js");
    expect(existsSync(bundle)).toBe(true);
    const source = readFileSync(bundle, "utf8");
    expect(source).toMatch(/SessionAgent = class extends Agent/);
    expect(source).toMatch(/export \{[^}]*SessionAgent/);
    expect(statSync(bundle).size).toBeLessThan(10 * 1024 * 1024);
  });

  it("ships with dev mode off, so a deployed worker refuses the dev tokens", () => {
    const config = unstable_readConfig({ config: resolve(root, "wrangler.toml") }) as { vars: Record<string, unknown> };
    expect(config.vars.EDGENT_DEV_MODE).toBe("false");
    expect(config.vars).not.toHaveProperty("EDGENT_TOKENS");
    expect(JSON.stringify(config.vars)).not.toContain("dev-token");
  });

  it("defaults every agent to the offline builtin model", () => {
    const config = unstable_readConfig({ config: resolve(root, "wrangler.toml") }) as { vars: Record<string, unknown> };
    expect(config.vars.EDGENT_DEFAULT_MODEL).toMatch(/^builtin:/);
    expect(config.vars.EDGENT_AGENT_MODELS).toBe("{}");
  });
});
