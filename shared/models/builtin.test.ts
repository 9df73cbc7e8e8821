import { generateText, stepCountIs, tool } from "ai";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { COMPACTION_MARKER } from "../context/compaction";
import { BuiltinModel } from "./builtin";

const add = tool({
  description: "add two numbers",
  inputSchema: z.object({ a: z.number(), b: z.number() }),
  execute: ({ a, b }) => ({ sum: a + b }),
});

describe("the builtin model through the AI SDK", () => {
  it("replies with plain text verbatim and reports usage", async () => {
    const result = await generateText({ model: new BuiltinModel("echo"), prompt: "good morning" });
    expect(result.text).toBe("good morning");
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(result.usage.outputTokens).toBe(3);
    expect(result.finishReason).toBe("stop");
  });

  it("calls a tool on /tool and then replies with its result as JSON", async () => {
    const result = await generateText({
      model: new BuiltinModel("echo"),
      prompt: '/tool add {"a": 2, "b": 40}',
      tools: { add },
      stopWhen: stepCountIs(5),
    });
    expect(result.steps).toHaveLength(2);
    expect(result.steps[0]?.toolCalls[0]).toMatchObject({ toolName: "add", input: { a: 2, b: 40 } });
    expect(result.text).toBe('Tool add returned: {"sum":42}');
  });

  it("lets the SDK turn bad tool arguments into an error it then reports", async () => {
    const result = await generateText({
      model: new BuiltinModel("echo"),
      prompt: '/tool add {"a": "two"}',
      tools: { add },
      stopWhen: stepCountIs(5),
    });
    expect(result.text).toMatch(/^Tool add failed: .*Invalid input for tool add/s);
  });

  it("lists the user messages in its context on /history, oldest first", async () => {
    const result = await generateText({
      model: new BuiltinModel("echo"),
      messages: [
        { role: "user", content: "one" },
        { role: "assistant", content: "one" },
        { role: "user", content: "two" },
        { role: "assistant", content: "two" },
        { role: "user", content: "/history" },
      ],
    });
    expect(JSON.parse(result.text)).toEqual(["one", "two", "/history"]);
  });

  it("summarizes deterministically within the output limit when asked to compact", async () => {
    const transcript = Array.from({ length: 200 }, (_, i) => `user: message number ${i}`).join("\n");
    const run = () =>
      generateText({
        model: new BuiltinModel("echo"),
        instructions: `${COMPACTION_MARKER} summarize`,
        prompt: transcript,
        maxOutputTokens: 100,
      });
    const [a, b] = await Promise.all([run(), run()]);
    expect(a.text).toBe(b.text);
    expect(a.usage.outputTokens).toBeLessThanOrEqual(100);
    expect(a.text).toContain("message number 199");
  });

  it("streams the same answer it generates", async () => {
    const { streamText } = await import("ai");
    const stream = streamText({ model: new BuiltinModel("echo"), prompt: "streamed words" });
    expect(await stream.text).toBe("streamed words");
  });

  it("calls delegate once per /delegate line, in one step", async () => {
    const delegate = tool({
      description: "delegate",
      inputSchema: z.object({ agent: z.string(), task: z.string() }),
      execute: ({ agent, task }) => `${agent} did ${task}`,
    });
    const result = await generateText({
      model: new BuiltinModel("echo"),
      prompt: "/delegate billing first part\n/delegate knowledge second part",
      tools: { delegate },
      stopWhen: stepCountIs(5),
    });
    expect(result.steps[0]?.toolCalls.map((call) => call.input)).toEqual([
      { agent: "billing", task: "first part" },
      { agent: "knowledge", task: "second part" },
    ]);
    expect(result.text).toBe(
      "Tool delegate returned: billing did first part\nTool delegate returned: knowledge did second part",
    );
  });

  it("fails a task's first N attempts on /fail-task N, then answers", async () => {
    const attempt = (taskAttempt: number) =>
      generateText({
        model: new BuiltinModel("echo"),
        prompt: "/fail-task 2 finally",
        maxRetries: 0,
        providerOptions: { edgent: { taskAttempt } },
      });
    await expect(attempt(1)).rejects.toThrow(/task failure on attempt 1 of 2/);
    await expect(attempt(2)).rejects.toThrow(/attempt 2 of 2/);
    expect((await attempt(3)).text).toBe("finally");
  });
});
