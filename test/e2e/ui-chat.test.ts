import type { UIMessage } from "ai";
import { describe, expect, it } from "vitest";
import { type Message, messagePageSchema } from "../../shared/contracts/message.ts";
import { uiMessageMetadataSchema } from "../../shared/contracts/ui-chat";
import { useRuntime } from "../support/fixture.ts";
import { chatTransport, NodeChat, type SeenResponse, textOf } from "../support/node-chat.ts";

const suite = useRuntime();
// escalation off and no retries: a failing model fails the turn
const strict = useRuntime({ EDGENT_ESCALATION: "off", EDGENT_MODEL_MAX_RETRIES: "0" });

/** Polls until `check` holds; throws if it does not within the timeout. */
async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function history(sessionId: string): Promise<Message[]> {
  return (await suite.api.get(`/v1/sessions/${sessionId}/messages?limit=1000`)).parse(messagePageSchema).messages;
}

const partTypes = (message: UIMessage | undefined) => (message?.parts ?? []).map((part) => part.type);
const metadataOf = (message: UIMessage | undefined) => uiMessageMetadataSchema.optional().parse(message?.metadata);

describe("useChat's transport and chat state against the UI message stream", () => {
  it("streams a reply as text parts of one step, with the turn's metadata", async () => {
    const sessionId = await suite.api.session();
    const seen: SeenResponse[] = [];
    const snapshots: string[] = [];
    const chat = new NodeChat({ id: "chat-1", transport: chatTransport(suite.runtime.url, sessionId, seen) });
    const sending = chat.sendMessage({ text: "/slow 80 alpha beta gamma delta" });
    // the text grows as the model produces it, before the turn ends
    await until(() => {
      snapshots.push(textOf(chat.lastMessage));
      return chat.lastMessage?.role === "assistant" && textOf(chat.lastMessage).length > 0;
    }, "the first delta");
    expect(chat.status).toBe("streaming");
    await sending;
    expect(chat.status).toBe("ready");
    expect(chat.error).toBeUndefined();
    const reply = chat.lastMessage;
    expect(reply?.role).toBe("assistant");
    expect(partTypes(reply)).toEqual(["step-start", "text"]);
    expect(textOf(reply)).toBe("alpha beta gamma delta");
    expect(reply?.parts[1]).toMatchObject({ state: "done" });
    const stored = await history(sessionId);
    expect(stored.map((m) => [m.role, m.content])).toEqual([
      ["user", "/slow 80 alpha beta gamma delta"],
      ["assistant", "alpha beta gamma delta"],
    ]);
    // the message id is the turn's, and the metadata says who answered and what it cost
    expect(reply?.id).toBe(stored[1]?.turnId);
    expect(metadataOf(reply)).toMatchObject({
      turnId: stored[1]?.turnId,
      answeredBy: { tier: "local" },
      usage: { modelCalls: 1 },
    });
    expect(seen[0]?.headers.get("x-vercel-ai-ui-message-stream")).toBe("v1");
    expect(seen[0]?.headers.get("content-type")).toContain("text/event-stream");
  });

  it("shows a server-run tool as a tool part with its input and output", async () => {
    const sessionId = await suite.api.session();
    const chat = new NodeChat({ id: "chat-tool", transport: chatTransport(suite.runtime.url, sessionId) });
    await chat.sendMessage({ text: '/tool calculator {"expression":"(2+3)*4"}' });
    expect(chat.status).toBe("ready");
    const reply = chat.lastMessage;
    expect(partTypes(reply)).toEqual(["step-start", "tool-calculator", "step-start", "text"]);
    const tool = reply?.parts[1];
    expect(tool).toMatchObject({
      type: "tool-calculator",
      state: "output-available",
      input: { expression: "(2+3)*4" },
      output: expect.objectContaining({ value: 20 }),
    });
    expect(textOf(reply)).toContain("Tool calculator returned");
    // a second message in the same chat: the session keeps the history, the chat its copy
    await chat.sendMessage({ text: "/history" });
    expect(JSON.parse(textOf(chat.lastMessage))).toEqual(['/tool calculator {"expression":"(2+3)*4"}', "/history"]);
    expect(chat.messages.map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant"]);
  });

  it("shows an escalated turn: the escalation, then the central model's answer", async () => {
    const sessionId = await suite.api.session();
    const data: Array<{ type: string; data: unknown }> = [];
    const chat = new NodeChat({
      id: "chat-escalate",
      transport: chatTransport(suite.runtime.url, sessionId),
      onData: (part) => data.push(part),
    });
    await chat.sendMessage({ text: "/escalate this needs the big model" });
    expect(chat.status).toBe("ready");
    const reply = chat.lastMessage;
    expect(partTypes(reply)).toEqual(["step-start", "tool-escalate", "data-escalated", "step-start", "text"]);
    expect(textOf(reply)).toMatch(/^\[central\] /);
    expect(data).toEqual([
      expect.objectContaining({ type: "data-escalated", data: expect.objectContaining({ signal: "tool" }) }),
    ]);
    expect(metadataOf(reply)?.answeredBy).toMatchObject({ tier: "central", escalation: { signal: "tool" } });

    // a low-confidence local answer is streamed, then withdrawn when the turn escalates
    const confident = new NodeChat({ id: "chat-confidence", transport: chatTransport(suite.runtime.url, sessionId) });
    await confident.sendMessage({ text: "/confidence 0.2 a local guess || the central answer" });
    expect(textOf(confident.lastMessage)).toBe("[central] the central answer");
    expect(partTypes(confident.lastMessage)).toEqual(["step-start", "data-escalated", "text"]);
  });

  it("rejoins a running turn's stream after the client dropped it, and answers 204 when nothing runs", async () => {
    const sessionId = await suite.api.session();
    const first = new NodeChat({ id: "chat-resume", transport: chatTransport(suite.runtime.url, sessionId) });
    const sending = first.sendMessage({ text: "/slow 80 one two three four five six seven" });
    await until(
      () => first.lastMessage?.role === "assistant" && textOf(first.lastMessage).length > 0,
      "the first words",
    );
    // the page goes away mid-turn; the turn goes on on the server
    await first.stop();
    await sending;
    expect(first.lastMessage?.role).toBe("assistant");
    expect(textOf(first.lastMessage).length).toBeLessThan("one two three four five six seven".length);

    // a new page loads the conversation and resumes, as useChat({ resume: true }) does on mount
    const seen: SeenResponse[] = [];
    const userMessage = first.messages[0] as UIMessage;
    const second = new NodeChat({
      id: "chat-resume",
      messages: [userMessage],
      transport: chatTransport(suite.runtime.url, sessionId, seen),
    });
    await second.resumeStream();
    expect(seen[0]).toMatchObject({ method: "GET", status: 200 });
    expect(seen[0]?.url).toContain(`/v1/sessions/${sessionId}/chat/chat-resume/stream`);
    expect(second.status).toBe("ready");
    expect(second.messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    // the whole reply, each word once
    expect(textOf(second.lastMessage)).toBe("one two three four five six seven");
    expect(partTypes(second.lastMessage)).toEqual(["step-start", "text"]);

    // nothing runs now: 204, and the chat is left as it was
    await second.resumeStream();
    expect(seen[1]).toMatchObject({ method: "GET", status: 204 });
    expect(second.status).toBe("ready");
    expect(second.messages).toHaveLength(2);
  });

  it("reports refusals and failures as chat errors", async () => {
    const missing = new NodeChat({ id: "chat-404", transport: chatTransport(suite.runtime.url, "no-such-session") });
    await missing.sendMessage({ text: "hello" });
    expect(missing.status).toBe("error");
    expect(missing.error?.message).toContain("not found");

    const sessionId = await suite.api.session();
    const files = new NodeChat({ id: "chat-file", transport: chatTransport(suite.runtime.url, sessionId) });
    await files.sendMessage({ files: [{ type: "file", mediaType: "text/plain", url: "data:text/plain;base64,aGk=" }] });
    expect(files.status).toBe("error");
    expect(files.error?.message).toContain("only text parts are supported");
    expect(await history(sessionId)).toEqual([]);

    // a turn that fails mid-stream: an error part, and the chat is in error
    const failing = await strict.api.session();
    const failed = new NodeChat({ id: "chat-fail", transport: chatTransport(strict.runtime.url, failing) });
    await failed.sendMessage({ text: "/fail 5 never" });
    expect(failed.status).toBe("error");
    expect(failed.error?.message).toMatch(/model/i);
  });
});
