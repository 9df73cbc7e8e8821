import { describe, expect, it } from "vitest";
import { parseSettings } from "../settings";
import { TenantDirectory, tenantTokens } from "./tenants";

function directory(tokensJson: string | undefined, devMode: boolean): TenantDirectory {
  const settings = parseSettings({ EDGENT_TOKENS: tokensJson });
  const problem = settings.problem(["EDGENT_TOKENS"]);
  if (problem) throw new Error(problem);
  return new TenantDirectory(tenantTokens(settings.values.EDGENT_TOKENS, devMode));
}

describe("tenant directory", () => {
  it("maps configured tokens to their tenants", async () => {
    const dir = directory('{"secret-token-a":"acme","secret-token-b":"globex"}', false);
    expect(await dir.resolve("secret-token-a")).toBe("acme");
    expect(await dir.resolve("secret-token-b")).toBe("globex");
    expect(await dir.resolve("secret-token-c")).toBeNull();
  });

  it("labels each token: its configured label, `api` without one, a dev token its own name", async () => {
    const dir = directory('{"secret-token-a":{"tenant":"acme","label":"ops-console"},"secret-token-b":"globex"}', true);
    expect(await dir.identify("secret-token-a")).toEqual({ tenant: "acme", label: "ops-console" });
    expect(await dir.identify("secret-token-b")).toEqual({ tenant: "globex", label: "api" });
    expect(await dir.identify("dev-token")).toEqual({ tenant: "dev", label: "dev-token" });
    expect(await dir.identify("nope-nope")).toBeNull();
  });

  it("accepts the dev tokens only in dev mode", async () => {
    expect(await directory(undefined, true).resolve("dev-token")).toBe("dev");
    expect(await directory(undefined, true).resolve("dev-token-2")).toBe("dev2");
    expect(await directory(undefined, false).resolve("dev-token")).toBeNull();
  });

  it("refuses dev tokens outside dev mode even when they are configured", async () => {
    const dir = directory('{"dev-token":"dev","real-token-1":"acme"}', false);
    expect(await dir.resolve("dev-token")).toBeNull();
    expect(await dir.resolve("real-token-1")).toBe("acme");
  });

  it.each([
    ["not json", "not valid JSON"],
    ['["a"]', "JSON object"],
    ['{"long-enough-token":"bad tenant!"}', "tenant"],
    ['{"short":"acme"}', "shorter than 8"],
    ['{"long-enough-token":{"tenant":"acme","label":"has spaces"}}', "EDGENT_TOKENS"],
  ])("reports a broken configuration %s, naming EDGENT_TOKENS", (tokensJson, message) => {
    const problem = parseSettings({ EDGENT_TOKENS: tokensJson }).problem(["EDGENT_TOKENS"]);
    expect(problem).toContain("EDGENT_TOKENS");
    expect(problem).toContain(message);
  });
});
