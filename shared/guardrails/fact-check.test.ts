import { describe, expect, it } from "vitest";
import { checkClaims } from "../agents/research-tools";
import type { Message } from "../contracts/message";
import type { TextContext } from "./define";
import { factCheck, sourcesOf } from "./fact-check";

const SOURCE = "Tenzing Norgay and Edmund Hillary made the first confirmed ascent of Mount Everest on 29 May 1953.";

function tool(content: string, toolName = "delegate", isError = false): Message {
  return { seq: 1, role: "tool", content, turnId: "t", createdAt: "", toolName, toolCallId: "c", isError };
}

const retrieved = tool(
  JSON.stringify({
    agent: "retriever",
    taskId: "x",
    status: "completed",
    result: JSON.stringify({ sources: [{ id: "S2", text: SOURCE }] }),
  }),
);
const synthesized = tool(
  JSON.stringify({ agent: "synthesizer", taskId: "y", status: "completed", result: "an answer" }),
);

/** A turn context whose consultation runs the real claim checker, as the fact-checker agent does. */
function context(messages: Message[], reachable = true): TextContext {
  return {
    tenant: "acme",
    sessionId: "s",
    turnId: "t",
    agent: "researcher",
    stage: "final",
    offset: 0,
    messages,
    consult: async (_agent, task) => {
      if (!reachable) return { ok: false, error: "the agent could not be reached" };
      const output = checkClaims.execute(JSON.parse(task), {} as never);
      return { ok: true, reply: JSON.stringify(output) };
    },
  };
}

describe("the fact check", () => {
  const answer =
    "Hillary and Norgay made the first confirmed ascent of Mount Everest on 29 May 1953. Everest grows ten centimetres every year.";

  it("takes its sources from the named sub-agents only", () => {
    expect(sourcesOf([retrieved, synthesized, tool("raw tool text", "search")], ["retriever"])).toEqual([SOURCE]);
    expect(sourcesOf([retrieved, tool("raw tool text", "search"), tool("failed", "search", true)], undefined)).toEqual([
      "raw tool text",
    ]);
  });

  it("removes an unsupported claim and says so, or marks it, or trips", async () => {
    const revise = await factCheck({ sourcesFrom: ["retriever"] }).check?.(answer, context([retrieved]));
    expect(revise).toEqual({
      action: "redact",
      replacement:
        'Hillary and Norgay made the first confirmed ascent of Mount Everest on 29 May 1953.\n\n[Fact check: removed 1 claim(s) the sources do not support: "Everest grows ten centimetres every year."]',
      details: { supported: 1, unsupported: 1 },
    });
    const mark = await factCheck({ sourcesFrom: ["retriever"], onUnsupported: "mark" }).check?.(
      answer,
      context([retrieved]),
    );
    expect(mark).toMatchObject({ replacement: expect.stringContaining("every year. [unsupported by the sources]") });
    const trip = await factCheck({ sourcesFrom: ["retriever"], onUnsupported: "block" }).check?.(
      answer,
      context([retrieved]),
    );
    expect(trip).toMatchObject({ action: "block" });
  });

  it("lets a supported answer stand, and marks one it could not check", async () => {
    const supported = "Hillary and Norgay made the first confirmed ascent of Mount Everest on 29 May 1953.";
    expect(await factCheck({ sourcesFrom: ["retriever"] }).check?.(supported, context([retrieved]))).toEqual({
      action: "allow",
    });
    const unchecked = await factCheck({ sourcesFrom: ["retriever"] }).check?.(supported, context([retrieved], false));
    expect(unchecked).toMatchObject({
      replacement: expect.stringContaining("[Not fact-checked: the agent could not be reached.]"),
    });
  });

  it("does not call a wrong number supported", () => {
    const output = checkClaims.execute(
      {
        answer: "Hillary and Norgay made the first confirmed ascent of Mount Everest on 29 May 1954.",
        sources: [SOURCE],
      },
      {} as never,
    ) as { unsupported: string[] };
    expect(output.unsupported).toHaveLength(1);
  });
});
