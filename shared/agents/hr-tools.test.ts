import { describe, expect, it } from "vitest";
import { type ToolContext, ToolError } from "./define";
import { rankByKeywords } from "./hr-data";
import { benefitsLookup, policyLookup, reportingDuties } from "./hr-tools";

const context = {} as ToolContext;

describe("HR tools", () => {
  it("finds the policies that apply to a situation, best match first", () => {
    const { sections } = policyLookup.execute({ situation: "a harassment complaint against a manager" }, context) as {
      sections: Array<{ id: string }>;
    };
    expect(sections[0]?.id).toBe("POL-HAR-2");
    expect(sections.map((s) => s.id)).toContain("POL-HAR-4");
  });

  it("says when no policy matches instead of guessing", () => {
    expect(() => policyLookup.execute({ situation: "parking spaces" }, context)).toThrow(ToolError);
  });

  it.each([
    ["harassment", 24],
    ["medical", 72],
    ["safety", 1],
  ] as const)("lists the duties for %s with a %i hour deadline", (situation, hours) => {
    expect(reportingDuties.execute({ situation }, context)).toMatchObject({ situation, deadlineHours: hours });
  });

  it("finds benefit programs for a need, and none for an unrelated one", () => {
    const { programs } = benefitsLookup.execute({ need: "medical leave to care for family" }, context) as {
      programs: Array<{ id: string }>;
    };
    expect(programs[0]?.id).toBe("BEN-FMLA");
    expect(benefitsLookup.execute({ need: "a new laptop" }, context)).toEqual({ programs: [] });
  });

  it("ranks by shared keywords and drops what shares none", () => {
    const items = [
      { id: "a", keywords: ["leave"] },
      { id: "b", keywords: ["leave", "medical"] },
      { id: "c", keywords: ["parking"] },
    ];
    expect(rankByKeywords(items, "Medical LEAVE, please").map((i) => i.id)).toEqual(["b", "a"]);
  });
});
