// The stock AIChatAgent's own client stack, driven from Node without React: `AgentClient` from
// `agents/client` (the connection `useAgent` wraps) + `WebSocketChatTransport` from
// `agents/chat/transport` (the transport `useAgentChat` builds) + the AI SDK's `AbstractChat`
// (what `useChat` runs), loaded from `/get-messages` as `useAgentChat` loads its initial messages.
import { MessageType } from "@cloudflare/ai-chat/types";
import { WebSocketChatTransport } from "agents/chat/transport";
import { AgentClient } from "agents/client";
import type { UIMessage } from "ai";
import { NodeChat } from "../test/support/node-chat.ts";

/** The agent class the peer worker exports, as `AgentClient` names it. */
const AGENT = "ChatAgent";

/** A user or assistant text message, the shape both systems store for a plain turn. */
export interface PlainMessage {
  role: "user" | "assistant";
  content: string;
}

/** One measured turn: send to the stream's end, and the input tokens the model reported. */
export interface PeerTurn {
  ms: number;
  inputTokens: number;
}

async function storedMessages(base: URL, name: string): Promise<UIMessage[]> {
  const response = await fetch(new URL(`/agents/chat-agent/${encodeURIComponent(name)}/get-messages`, base));
  if (!response.ok) throw new Error(`get-messages failed: ${response.status}`);
  return (await response.json()) as UIMessage[];
}

/** Polls `read` until `done` accepts its value; throws after `timeoutMs`. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (performance.now() > deadline) throw new Error(`gave up waiting after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** One conversation with the peer agent over its WebSocket, as a browser tab would hold it. */
export class PeerChat {
  private readonly client: AgentClient;
  private readonly chat: NodeChat<UIMessage>;

  private constructor(client: AgentClient, chat: NodeChat<UIMessage>) {
    this.client = client;
    this.chat = chat;
  }

  /**
   * Connects to agent instance `name`, stores `history` through the chat protocol's own
   * persistence frame (`cf_agent_chat_messages`, what `useAgentChat().setMessages` sends),
   * then loads the transcript the way `useAgentChat` does.
   */
  static async open(base: URL, name: string, history: readonly PlainMessage[]): Promise<PeerChat> {
    const client = new AgentClient({ agent: AGENT, name, host: base.host, protocol: "ws" });
    await client.ready;
    if (history.length > 0) {
      const messages: UIMessage[] = history.map((message, index) => ({
        id: `seed-${index}`,
        role: message.role,
        parts: [{ type: "text", text: message.content }],
      }));
      client.send(JSON.stringify({ type: MessageType.CF_AGENT_CHAT_MESSAGES, messages }));
    }
    const initial = await until(
      () => storedMessages(base, name),
      (stored) => stored.length === history.length,
      30_000,
    );
    const transport = new WebSocketChatTransport<UIMessage>({ agent: client });
    return new PeerChat(client, new NodeChat<UIMessage>({ id: name, transport, messages: initial }));
  }

  /** How many messages the client holds (the transcript it sends with every turn). */
  get length(): number {
    return this.chat.messages.length;
  }

  /** Sends `text` and waits for the reply's stream to end. */
  async turn(text: string): Promise<PeerTurn> {
    const before = this.chat.messages.length;
    const t0 = performance.now();
    await this.chat.sendMessage({ text });
    const ms = performance.now() - t0;
    const reply = this.chat.messages.at(-1);
    if (this.chat.status !== "ready" || this.chat.messages.length !== before + 2 || reply?.role !== "assistant") {
      throw new Error(`peer turn failed: ${this.chat.status} ${String(this.chat.error)}`);
    }
    const metadata = reply.metadata as { inputTokens?: unknown } | undefined;
    if (typeof metadata?.inputTokens !== "number") throw new Error("peer reply carried no inputTokens");
    return { ms, inputTokens: metadata.inputTokens };
  }

  close(): void {
    this.client.close();
  }
}
