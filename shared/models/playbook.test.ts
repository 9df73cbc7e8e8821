import { generateText, stepCountIs, tool } from "ai";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { BuiltinModel } from "./builtin";
import { toolLines } from "./builtin-directives";
import type { OfflinePlaybook } from "./playbook";

const lookup = tool({
  description: "look a word up",
  inputSchema: z.object({ word: z.string() }),
  execute: ({ word }) => ({ word, meaning: `the meaning of ${word}` }),
});

// looks the user's word up, then says what it found
const define: OfflinePlaybook = ({ sinceUser, transcript }) => {
  const result = sinceUser.find((entry) => entry.role === "tool");
  if (!result) {
    const asked = transcript.findLast((entry) => entry.role === "user");
    return { call: [{ toolName: "lookup", input: { word: (asked as { text: string }).text } }] };
  }
  return { say: `Found: ${(result.output as { meaning: string }).meaning}` };
};

describe("offline playbooks on the builtin model", () => {
  it("decides each step from the conversation and the tool results so far", async () => {
    const result = await generateText({
      model: new BuiltinModel("echo", define),
      prompt: "serendipity",
      tools: { lookup },
      stopWhen: stepCountIs(5),
    });
    expect(result.steps[0]?.toolCalls[0]).toMatchObject({ toolName: "lookup", input: { word: "serendipity" } });
    expect(result.text).toBe("Found: the meaning of serendipity");
  });

  it("leaves directives to the builtin model", async () => {
    const result = await generateText({
      model: new BuiltinModel("echo", define),
      prompt: "/ask Which one?",
      tools: { lookup },
    });
    expect(result.toolCalls[0]).toMatchObject({ toolName: "ask_user", input: { question: "Which one?" } });
  });
});

describe("several calls in one step", () => {
  it("reads lines of /tool and /ask as one step's calls, and nothing else", () => {
    expect(toolLines('/ask When?\n/tool book {"a":1}')).toEqual([
      { toolName: "ask_user", input: '{"question":"When?"}' },
      { toolName: "book", input: '{"a":1}' },
    ]);
    expect(toolLines('/tool book {"a":1}')).toBeNull();
    expect(toolLines("/ask When?\nplain text")).toBeNull();
  });
});
