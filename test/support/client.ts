import type { z } from "zod";
import type { TurnProgress } from "../../shared/contracts/approval";
import { errorBodySchema } from "../../shared/contracts/error-body";
import { type Message, messagePageSchema, type TurnResponse, turnResponseSchema } from "../../shared/contracts/message";
import type { ErrorBody, ErrorCode } from "../../shared/errors";

/** A small HTTP client for the Edgent API, as a user's app would call it. */
export class Client {
  constructor(
    readonly base: URL,
    readonly token: string | null = "dev-token",
  ) {}

  withToken(token: string | null): Client {
    return new Client(this.base, token);
  }

  /** Sends a request and reads the response whole; an error body that breaks the contract fails loudly. */
  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const sent: Record<string, string> = { ...headers };
    if (this.token !== null) sent.authorization = `Bearer ${this.token}`;
    const init: RequestInit = { method, headers: sent };
    if (body !== undefined) {
      init.body = typeof body === "string" ? body : JSON.stringify(body);
      sent["content-type"] ??= "application/json";
    }
    const response = await fetch(new URL(path, this.base), init);
    const text = await response.text();
    return new Reply(`${method} ${path}`, response.status, response.headers, text);
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
  async say(sessionId: string, content: string): Promise<TurnResponse> {
    const reply = await this.post(`/v1/sessions/${sessionId}/messages`, { content });
    if (reply.status !== 200) throw new Error(`turn failed: ${reply.status} ${reply.text}`);
    return reply.parse(turnResponseSchema);
  }

  /** A session's whole history (up to 1000 messages), failing loudly on a non-200. */
  async history(sessionId: string): Promise<Message[]> {
    return (await this.get(`/v1/sessions/${sessionId}/messages?limit=1000`)).parse(messagePageSchema).messages;
  }
}

/** The reply of a turn a decision reports, if it has one (a paused, pending or failed turn has none). */
export function replyOf(turn: TurnProgress): Message | undefined {
  return "reply" in turn ? turn.reply : undefined;
}

/** A response, read whole. */
export class Reply {
  /** the body as JSON, if it is JSON */
  readonly json: unknown;

  constructor(
    /** what was asked, for error messages */
    readonly request: string,
    readonly status: number,
    readonly headers: Headers,
    readonly text: string,
  ) {
    this.json = text ? safeJson(text) : undefined;
  }

  /** The error of an error body, parsed with the contract when it is read (other protocols answer in theirs). */
  get error(): ErrorBody["error"] | undefined {
    return this.status >= 400 && this.json !== undefined ? this.parse(errorBodySchema).error : undefined;
  }

  /** The error code of an error body. */
  get code(): ErrorCode | undefined {
    return this.error?.code;
  }

  /** The body parsed with a contract schema; a body that breaks it fails the test, naming the request. */
  parse<S extends z.ZodType>(schema: S): z.output<S> {
    const parsed = schema.safeParse(this.json);
    if (parsed.success) return parsed.data;
    const body = this.text.length > 500 ? `${this.text.slice(0, 500)}…` : this.text;
    throw new Error(
      `${this.request} answered ${this.status} with a body that breaks the contract: ${parsed.error}\n${body}`,
    );
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
