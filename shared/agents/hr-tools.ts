import { z } from "zod";
import { defineTool, ToolError } from "./define";
import { BENEFITS, POLICIES, REPORTING_DUTIES, rankByKeywords } from "./hr-data";

/** Finds the policy sections that apply to a situation. */
export const policyLookup = defineTool({
  description: "Find the company policy sections that apply to a workplace situation. Returns their ids and text.",
  parameters: z.object({
    situation: z.string().min(1).max(500).describe("the situation in a few words, e.g. 'harassment complaint'"),
  }),
  execute({ situation }) {
    const found = rankByKeywords(POLICIES, situation).slice(0, 3);
    if (found.length === 0) throw new ToolError(`no policy section matches '${situation}'`);
    return { sections: found.map(({ id, title, text }) => ({ id, title, text })) };
  },
});

/** What the company must do about a kind of situation, and by when. */
export const reportingDuties = defineTool({
  description: "List the company's obligations for a kind of situation (harassment, medical, safety) and the deadline.",
  parameters: z.object({
    situation: z.enum(["harassment", "medical", "safety"]).describe("the kind of situation"),
  }),
  execute({ situation }) {
    const duty = REPORTING_DUTIES.find((candidate) => candidate.situation === situation);
    if (!duty) throw new ToolError(`no reporting duties for '${situation}'`);
    return duty;
  },
});

/** Finds the benefit programs that could help an employee. */
export const benefitsLookup = defineTool({
  description: "Find benefit programs (leave, disability, counselling) that could help an employee in a situation.",
  parameters: z.object({
    need: z.string().min(1).max(500).describe("what the employee needs, e.g. 'medical leave'"),
  }),
  execute({ need }) {
    const found = rankByKeywords(BENEFITS, need);
    return { programs: found.map(({ id, name, summary }) => ({ id, name, summary })) };
  },
});
