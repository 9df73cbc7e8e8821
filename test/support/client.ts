/** A small HTTP client for the Edgent API, as a user's app would call it. */
export class Client {
  constructor(
    readonly base: URL,
    readonly token: string | null = "dev-token",
  ) {}

  withToken(token: string | null): Client {
    return new Client(this.base, token);
  }

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const init: RequestInit = { method, headers: { ...headers } };
    const h = init.headers as Record<string, string>;
    if (this.token !== null) h.authorization = `Bearer ${this.token}`;
    if (body !== undefined) {
      init.body = typeof body === "string" ? body : JSON.stringify(body);
      h["content-type"] ??= "application/json";
    }
    const response = await fetch(new URL(path, this.base), init);
    const text = await response.text();
    const json = text ? safeJson(text) : undefined;
    const error = (json as { error?: { code?: string } } | undefined)?.error;
    return { status: response.status, headers: response.headers, text, json, code: error?.code };
  }

  get(path: string): Promise<Reply> {
    return this.request("GET", path);
  }

  post(path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply> {
    return this.request("POST", path, body, headers);
  }

  delete(path: string): Promise<Reply> {
    return this.request("DELETE", path);
  }

  /** Creates a session with a unique id and returns the id. */
  async session(agent = "assistant", prefix = "s"): Promise<string> {
    const sessionId = `${prefix}-${crypto.randomUUID()}`;
    const reply = await this.post("/v1/sessions", { agent, sessionId });
    if (reply.status !== 201) throw new Error(`session create failed: ${reply.status} ${reply.text}`);
    return sessionId;
  }

  /** Sends a message and returns the turn's body, failing loudly on a non-200. */
  async say(sessionId: string, content: string): Promise<TurnBody> {
    const reply = await this.post(`/v1/sessions/${sessionId}/messages`, { content });
    if (reply.status !== 200) throw new Error(`turn failed: ${reply.status} ${reply.text}`);
    return reply.json as TurnBody;
  }
}

/** A response, read whole. */
export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
  /** the error code of an error body */
  code: string | undefined;
}

export interface WireMessage {
  seq: number;
  role: "user" | "assistant" | "tool";
  content: string;
  turnId: string;
  createdAt: string;
  toolCalls?: Array<{ toolCallId: string; toolName: string; input: unknown }>;
  toolCallId?: string;
  toolName?: string;
  isError?: boolean;
  cancelled?: boolean;
  approval?: { approvalId: string; status: string; decidedBy: { tenant: string; label: string }; reason?: string };
}

export interface TurnBody {
  turnId: string;
  reply: WireMessage;
  messages: WireMessage[];
  usage: { inputTokens: number; outputTokens: number; modelCalls: number; costUsd: number };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
