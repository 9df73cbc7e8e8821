import { Agent } from "agents";
import { findAgent } from "../shared/agents/registry";
import type { MessagePage, TurnResponse } from "../shared/contracts/message";
import type { SessionCreated, SessionInfo } from "../shared/contracts/session";
import type { Failure } from "../shared/errors";
import { chooseModel } from "../shared/models/choose";
import { resolveModel } from "../shared/models/resolve";
import { TurnQueue } from "../shared/turn-queue";
import { SessionStore } from "./session/store";
import { Toolbox } from "./session/toolbox";
import { runTurn } from "./session/turn";

/** Who is asking: the router has authenticated the tenant; the object checks it owns the session. */
export interface SessionCaller {
  tenant: string;
  sessionId: string;
}

/** A message to run as a turn. */
export interface SendMessageInput extends SessionCaller {
  content: string;
  /** client's Idempotency-Key header, with a hash of the request it came with */
  idempotency?: { key: string; requestHash: string };
}

export type CreateOutcome =
  | { status: "created" | "exists"; session: SessionCreated }
  | { status: "conflict"; agent: string }
  /** the object is being reset after an erase: the caller should retry */
  | { status: "retry" };

export type SendOutcome =
  | { status: "completed"; response: TurnResponse }
  | { status: "failed"; failure: Failure }
  | { status: "not_found" }
  | { status: "idempotency_conflict" };

/**
 * One agent session's memory: its messages, turns, usage and facts in SQLite. Turns run one
 * at a time in arrival order; everything a turn appends is durable before it returns.
 */
export class SessionAgent extends Agent<Env> {
  private readonly store: SessionStore;
  private readonly turns = new TurnQueue();
  private toolbox: Toolbox | undefined;
  // set once erase() has wiped storage; the runtime resets the object a moment later
  private erased = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // no per-request events from the SDK: our own logs carry no content
    this.observability = undefined;
    this.store = new SessionStore(ctx.storage);
    this.store.migrate();
    this.store.failAbandonedTurns();
  }

  /** Creates the session, or reports that it exists (with the same or another agent). */
  async create(caller: SessionCaller & { agent: string }): Promise<CreateOutcome> {
    if (this.erased) return { status: "retry" };
    const meta = this.store.meta();
    if (meta) {
      if (meta.agent !== caller.agent) return { status: "conflict", agent: meta.agent };
      return { status: "exists", session: { sessionId: meta.sessionId, agent: meta.agent, createdAt: meta.createdAt } };
    }
    const createdAt = new Date().toISOString();
    this.store.create(caller.tenant, caller.sessionId, caller.agent, createdAt);
    return { status: "created", session: { sessionId: caller.sessionId, agent: caller.agent, createdAt } };
  }

  /** The session's identity and totals, or null if it does not exist for this caller. */
  async info(caller: SessionCaller): Promise<SessionInfo | null> {
    const meta = this.owned(caller);
    if (!meta) return null;
    return {
      sessionId: meta.sessionId,
      agent: meta.agent,
      createdAt: meta.createdAt,
      messageCount: meta.lastSeq,
      usage: meta.usage,
    };
  }

  /** A page of stored history, or null if the session does not exist. */
  async listMessages(caller: SessionCaller, after: number, limit: number): Promise<MessagePage | null> {
    return this.owned(caller) ? this.store.list(after, limit) : null;
  }

  /** Runs a turn once every earlier turn has finished. */
  async sendMessage(input: SendMessageInput): Promise<SendOutcome> {
    if (!this.owned(input)) return { status: "not_found" };
    const replay = this.replay(input);
    if (replay) return replay;
    return this.turns.run(async () => {
      // a retry with the same key may have queued behind the original
      const queuedReplay = this.replay(input);
      if (queuedReplay) return queuedReplay;
      const meta = this.owned(input);
      if (!meta) return { status: "not_found" };
      const outcome = await this.turn(input, meta.agent);
      const turnId =
        outcome.status === "completed"
          ? outcome.response.turnId
          : outcome.status === "failed"
            ? outcome.failure.turnId
            : undefined;
      // only outcomes that stored something are replayed; a configuration error may be retried
      if (input.idempotency && turnId) {
        this.store.saveIdempotent(
          input.idempotency.key,
          input.idempotency.requestHash,
          turnId,
          JSON.stringify(outcome),
        );
      }
      return outcome;
    });
  }

  /** Erases the session after the turns queued before it; the object is reset. */
  async erase(caller: SessionCaller): Promise<boolean> {
    return this.turns.run(async () => {
      if (!this.owned(caller)) return false;
      await this.destroy();
      this.erased = true;
      this.store.forget();
      return true;
    });
  }

  private async turn(input: SendMessageInput, agentName: string): Promise<SendOutcome> {
    const turnId = crypto.randomUUID();
    const agent = findAgent(agentName);
    const choice = agent
      ? chooseModel(agent, this.env)
      : { ok: false as const, error: `agent '${agentName}' is no longer deployed` };
    const resolved = choice.ok ? resolveModel(choice.name, this.env) : choice;
    if (!agent || !choice.ok || !resolved.ok) {
      const message = "error" in resolved ? resolved.error : "model configuration error";
      return { status: "failed", failure: { code: "model_misconfigured", message } };
    }
    const meta = this.store.meta();
    if (!meta) return { status: "not_found" };
    if (this.toolbox?.agent !== agent) this.toolbox = new Toolbox(agent);
    return runTurn({
      store: this.store,
      meta,
      agent,
      toolbox: this.toolbox,
      model: resolved.model,
      modelName: choice.name,
      turnId,
      content: input.content,
      maxRetries: boundedInt(this.env.EDGENT_MODEL_MAX_RETRIES, 0, 10, 2),
      timeoutMs: boundedInt(this.env.EDGENT_MODEL_TIMEOUT_MS, 1_000, 900_000, 60_000),
    });
  }

  /** The stored outcome of an idempotent request, or a conflict if the key was used for another. */
  private replay(input: SendMessageInput): SendOutcome | null {
    if (!input.idempotency) return null;
    const prior = this.store.idempotent(input.idempotency.key);
    if (!prior) return null;
    if (prior.requestHash !== input.idempotency.requestHash) return { status: "idempotency_conflict" };
    return JSON.parse(prior.response) as SendOutcome;
  }

  /** The session's metadata if it exists and belongs to the caller's tenant. */
  private owned(caller: SessionCaller) {
    if (this.erased) return null;
    const meta = this.store.meta();
    return meta && meta.tenant === caller.tenant && meta.sessionId === caller.sessionId ? meta : null;
  }
}

/**
 * The session object's RPC surface as callers see it. Results are plain JSON-like data, which
 * RPC clones faithfully; the runtime's generic RPC types cannot express `unknown` tool inputs.
 */
export type SessionRpc = Pick<SessionAgent, "create" | "info" | "listMessages" | "sendMessage" | "erase">;

/** A whole-number setting within bounds, or its default. */
function boundedInt(raw: string | undefined, min: number, max: number, fallback: number): number {
  const value = Number(raw);
  return raw && Number.isInteger(value) && value >= min && value <= max ? value : fallback;
}
