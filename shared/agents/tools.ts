import { z } from "zod";
import { calculate } from "./calculator";
import { defineTool, ToolError } from "./define";

/** Tells the current date and time, optionally in an IANA time zone. */
export const currentTime = defineTool({
  description: "Get the current date and time, optionally in an IANA time zone such as Europe/Paris.",
  parameters: z.object({
    timeZone: z.string().max(64).optional().describe("IANA time zone name; UTC when omitted"),
  }),
  execute({ timeZone = "UTC" }, { now }) {
    const date = now();
    let local: string;
    try {
      local = new Intl.DateTimeFormat("en-GB", { timeZone, dateStyle: "full", timeStyle: "long" }).format(date);
    } catch {
      throw new ToolError(`unknown time zone '${timeZone}'`);
    }
    return { iso: date.toISOString(), timeZone, local };
  },
});

/** Evaluates arithmetic exactly, so the model need not do sums in its head. */
export const calculator = defineTool({
  description: "Evaluate an arithmetic expression with + - * / % ^ and parentheses, e.g. '(2 + 3) * 4'.",
  parameters: z.object({
    expression: z.string().min(1).max(1000).describe("the arithmetic expression to evaluate"),
  }),
  execute({ expression }) {
    const result = calculate(expression);
    if (!result.ok) throw new ToolError(result.error);
    return { expression, value: result.value };
  },
});

/** Stores a fact in the session's memory under a key, replacing any earlier value. */
export const remember = defineTool({
  description: "Remember a fact for the rest of this session under a short key, replacing any earlier value.",
  parameters: z.object({
    key: z.string().min(1).max(128).describe("short name of the fact, e.g. 'favourite colour'"),
    value: z.string().min(1).max(4096).describe("the fact itself"),
  }),
  execute({ key, value }, { memory }) {
    return { remembered: memory.remember(key, value) };
  },
});

/** Looks facts up in the session's memory. */
export const recall = defineTool({
  description: "Recall facts remembered in this session. Without a query, lists them all (newest first).",
  parameters: z.object({
    query: z.string().max(128).optional().describe("words to look for in keys and values"),
  }),
  execute({ query }, { memory }) {
    return { facts: memory.recall(query) };
  },
});
