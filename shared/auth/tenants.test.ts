import { describe, expect, it } from "vitest";
import { TenantDirectory, parseTokenConfig } from "./tenants";

function directory(tokensJson: string | undefined, devMode: boolean): TenantDirectory {
  const config = parseTokenConfig({ tokensJson, devMode });
  if (!config.ok) throw new Error(config.error);
  return new TenantDirectory(config.tokens);
}

describe("tenant directory", () => {
  it("maps configured tokens to their tenants", async () => {
    const dir = directory('{"secret-token-a":"acme","secret-token-b":"globex"}', false);
    expect(await dir.resolve("secret-token-a")).toBe("acme");
    expect(await dir.resolve("secret-token-b")).toBe("globex");
    expect(await dir.resolve("secret-token-c")).toBeNull();
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
  ])("reports a broken configuration %s", (tokensJson, message) => {
    const config = parseTokenConfig({ tokensJson, devMode: false });
    expect(config.ok).toBe(false);
    if (!config.ok) expect(config.error).toContain(message);
  });
});
