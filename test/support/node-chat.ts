import { AbstractChat, type ChatInit, type ChatState, type ChatStatus, DefaultChatTransport, type UIMessage } from "ai";

/** The AI SDK's chat state, kept in plain fields: what React's `useChat` keeps in hooks. */
class NodeChatState<M extends UIMessage> implements ChatState<M> {
  status: ChatStatus = "ready";
  error: Error | undefined = undefined;
  messages: M[];

  constructor(messages: M[] = []) {
    this.messages = messages;
  }

  pushMessage = (message: M) => {
    this.messages = [...this.messages, message];
  };
  popMessage = () => {
    this.messages = this.messages.slice(0, -1);
  };
  replaceMessage = (index: number, message: M) => {
    this.messages = this.messages.with(index, message);
  };
  snapshot = <T>(thing: T): T => structuredClone(thing);
}

/** The AI SDK's own chat (AbstractChat), driven from Node without React. */
export class NodeChat<M extends UIMessage = UIMessage> extends AbstractChat<M> {
  constructor({ messages, ...init }: ChatInit<M>) {
    super({ ...init, state: new NodeChatState<M>(messages) });
  }
}

/** Every response the transport received, for tests that check headers. */
export interface SeenResponse {
  url: string;
  method: string;
  status: number;
  headers: Headers;
}

/** useChat's default transport pointed at a session's chat route, recording the responses it gets. */
export function chatTransport(base: URL, sessionId: string, seen: SeenResponse[] = [], token = "dev-token") {
  return new DefaultChatTransport<UIMessage>({
    api: new URL(`/v1/sessions/${sessionId}/chat`, base).href,
    headers: { authorization: `Bearer ${token}` },
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      seen.push({
        url: String(input),
        method: init?.method ?? "GET",
        status: response.status,
        headers: response.headers,
      });
      return response;
    },
  });
}

/** The text of a message's text parts. */
export function textOf(message: UIMessage | undefined): string {
  return (message?.parts ?? []).flatMap((part) => (part.type === "text" ? [part.text] : [])).join("");
}
