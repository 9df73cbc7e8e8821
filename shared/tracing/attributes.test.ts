import { describe, expect, it } from "vitest";
import { eventAttributes } from "./attributes";

describe("span event attributes", () => {
  const escalated = { signal: "tool", reason: "my card is 4111", from: "builtin:echo", to: "builtin:central" };

  it.each([
    ["off", false, { signal: "tool", from: "builtin:echo", to: "builtin:central" }],
    ["on", true, escalated],
  ])("records a free-text reason only with content capture %s", (_mode, content, attributes) => {
    expect(eventAttributes(escalated, content)).toEqual(attributes);
  });

  it("never records a secret, whatever the content setting", () => {
    expect(eventAttributes({ apiKey: "sk-1", tool: "crm" }, true)).toEqual({ tool: "crm" });
  });
});
