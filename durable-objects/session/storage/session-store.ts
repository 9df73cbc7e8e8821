import { estimateMessageTokens } from "../../../shared/context/tokens";
import type { ApprovalStamp, Message, MessagePage, MessageRole, ToolCall } from "../../../shared/contracts/message";
import type { OnBusy } from "../../../shared/contracts/on-busy";
import { ContextTail } from "./context-tail";
import { addUsage, type ContextRow, type NewMessage, type Row, type SessionMeta, type UsageNanos } from "./rows";
import { migrateSchema } from "./schema";

/** A session's memory in the Durable Object's SQLite: its identity, counters and messages. */
export class SessionStore {
  // the object is the only writer of its storage, so the session row can live in memory
  private cached: SessionMeta | null | undefined;
  // undefined until first read; null when too large to hold in memory
  private tail: ContextTail | null | undefined;

  private readonly sql: SqlStorage;

  constructor(storage: Pick<DurableObjectStorage, "sql">) {
    this.sql = storage.sql;
  }

  /** Drops what is held in memory after the storage was wiped. */
  forget(): void {
    this.cached = null;
    this.tail = undefined;
  }

  /** Creates the tables if this object has never held a session, or brings older ones up to date. */
  migrate(): void {
    migrateSchema(this.sql);
  }

  /** The session row, or null if this object holds no session. A copy: callers may keep it. */
  meta(): SessionMeta | null {
    if (this.cached === undefined) this.cached = this.readMeta();
    return this.cached && { ...this.cached, usage: { ...this.cached.usage } };
  }

  private readMeta(): SessionMeta | null {
    const row = this.sql
      .exec<Row>(
        "SELECT *, (SELECT COALESCE(MAX(seq), 0) FROM edgent_messages) AS last_seq FROM edgent_session WHERE id = 1",
      )
      .toArray()[0];
    if (!row) return null;
    return {
      tenant: String(row.tenant),
      sessionId: String(row.session_id),
      agent: String(row.agent),
      createdAt: String(row.created_at),
      lastSeq: Number(row.last_seq),
      usage: {
        inputTokens: Number(row.input_tokens),
        outputTokens: Number(row.output_tokens),
        modelCalls: Number(row.model_calls),
        costNanos: Number(row.cost_nanos ?? 0),
      },
      escalations: Number(row.escalations ?? 0),
      summary: String(row.summary),
      summaryThroughSeq: Number(row.summary_through_seq),
      onBusy: (row.on_busy as OnBusy | null) ?? "enqueue",
      incarnation: row.incarnation === null || row.incarnation === undefined ? null : String(row.incarnation),
    };
  }

  create(tenant: string, sessionId: string, agent: string, createdAt: string, onBusy: OnBusy): void {
    this.sql.exec(
      "INSERT INTO edgent_session (id, tenant, session_id, agent, created_at, on_busy, incarnation) VALUES (1, ?, ?, ?, ?, ?, ?)",
      tenant,
      sessionId,
      agent,
      createdAt,
      onBusy,
      crypto.randomUUID(),
    );
    this.cached = undefined;
  }

  /** Appends a message with the next seq; seq never repeats or goes back. */
  append(message: NewMessage): Message {
    const meta = this.cached ?? this.meta();
    if (!meta || !this.cached) throw new Error("append to an object that holds no session");
    // one INSERT keyed by seq: a failed insert leaves no gap, and the counter moves after it
    const row = this.insertMessage(message, meta.lastSeq + 1);
    this.cached.lastSeq = row.seq;
    if (this.tail && !this.tail.push(row)) this.tail = null;
    const { tokens: _tokens, ...stored } = row;
    return stored;
  }

  private insertMessage(message: NewMessage, seq: number): ContextRow {
    const createdAt = new Date().toISOString();
    const toolCalls = message.toolCalls ? JSON.stringify(message.toolCalls) : null;
    const tokens = estimateMessageTokens(message.content) + (toolCalls ? estimateMessageTokens(toolCalls) : 0);
    this.sql.exec(
      `INSERT INTO edgent_messages (seq, turn_id, role, content, tokens, tool_calls, tool_call_id, tool_name, is_error, cancelled, created_at, approval)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      seq,
      message.turnId,
      message.role,
      message.content,
      tokens,
      toolCalls,
      message.toolCallId ?? null,
      message.toolName ?? null,
      message.isError === undefined ? null : Number(message.isError),
      message.cancelled ? 1 : null,
      createdAt,
      message.approval ? JSON.stringify(message.approval) : null,
    );
    return { ...toMessage({ ...message, seq, createdAt }), tokens };
  }

  /** A page of history in seq order. */
  list(after: number, limit: number): MessagePage {
    const rows = this.sql
      .exec<Row>("SELECT * FROM edgent_messages WHERE seq > ? ORDER BY seq LIMIT ?", after, limit + 1)
      .toArray();
    return { messages: rows.slice(0, limit).map(rowToMessage), hasMore: rows.length > limit };
  }

  /** A turn's messages so far, from the seq of its user message on. */
  turnMessages(turnId: string, fromSeq: number): Message[] {
    return this.sql
      .exec<Row>("SELECT * FROM edgent_messages WHERE seq >= ? AND turn_id = ? ORDER BY seq", fromSeq, turnId)
      .toArray()
      .map(rowToMessage);
  }

  /**
   * Yields messages that belong in the model's context, newest first, from the end back to
   * `afterSeq`. A lazy cursor: the caller stops reading once its budget is full.
   */
  *contextRowsNewestFirst(afterSeq: number): Generator<ContextRow> {
    if (this.tail === undefined) {
      const since = this.meta()?.summaryThroughSeq ?? 0;
      this.tail = ContextTail.from([...this.readContextRows(since)].reverse());
    }
    if (this.tail) yield* this.tail.newestFirst(afterSeq);
    else yield* this.readContextRows(afterSeq);
  }

  private *readContextRows(afterSeq: number): Generator<ContextRow> {
    const cursor = this.sql.exec<Row>(
      "SELECT * FROM edgent_messages WHERE seq > ? AND in_context = 1 ORDER BY seq DESC",
      afterSeq,
    );
    for (const row of cursor) yield { ...rowToMessage(row), tokens: Number(row.tokens) };
  }

  /** Adds a model call's usage to the session's totals. */
  addUsage(usage: UsageNanos): void {
    this.sql.exec(
      `UPDATE edgent_session SET input_tokens = input_tokens + ?, output_tokens = output_tokens + ?,
       model_calls = model_calls + ?, cost_nanos = cost_nanos + ? WHERE id = 1`,
      usage.inputTokens,
      usage.outputTokens,
      usage.modelCalls,
      usage.costNanos,
    );
    if (this.cached) this.cached.usage = addUsage(this.cached.usage, usage);
  }

  /** Counts a turn that escalated to the central model. */
  countEscalation(): void {
    this.sql.exec("UPDATE edgent_session SET escalations = escalations + 1 WHERE id = 1");
    if (this.cached) this.cached.escalations++;
  }

  /** Takes a failed turn's messages out of the model's context; they stay in history. */
  excludeTurn(turnId: string): void {
    this.sql.exec("UPDATE edgent_messages SET in_context = 0 WHERE turn_id = ?", turnId);
    this.tail?.dropTurn(turnId);
  }

  setSummary(summary: string, throughSeq: number): void {
    this.sql.exec("UPDATE edgent_session SET summary = ?, summary_through_seq = ? WHERE id = 1", summary, throughSeq);
    if (this.cached) Object.assign(this.cached, { summary, summaryThroughSeq: throughSeq });
    this.tail?.dropThrough(throughSeq);
  }
}

function rowToMessage(row: Row): Message {
  return toMessage({
    seq: Number(row.seq),
    turnId: String(row.turn_id),
    role: String(row.role) as MessageRole,
    content: String(row.content),
    createdAt: String(row.created_at),
    toolCalls: row.tool_calls === null ? undefined : (JSON.parse(String(row.tool_calls)) as ToolCall[]),
    toolCallId: row.tool_call_id === null ? undefined : String(row.tool_call_id),
    toolName: row.tool_name === null ? undefined : String(row.tool_name),
    isError: row.is_error === null ? undefined : Boolean(row.is_error),
    cancelled: row.cancelled ? true : undefined,
    approval: row.approval ? (JSON.parse(String(row.approval)) as ApprovalStamp) : undefined,
  });
}

/** Drops absent optional fields so the wire shape stays minimal. */
function toMessage(message: NewMessage & { seq: number; createdAt: string }): Message {
  const out: Message = {
    seq: message.seq,
    role: message.role,
    content: message.content,
    turnId: message.turnId,
    createdAt: message.createdAt,
  };
  if (message.toolCalls) out.toolCalls = message.toolCalls;
  if (message.toolCallId !== undefined) out.toolCallId = message.toolCallId;
  if (message.toolName !== undefined) out.toolName = message.toolName;
  if (message.isError !== undefined) out.isError = message.isError;
  if (message.cancelled) out.cancelled = true;
  if (message.approval) out.approval = message.approval;
  return out;
}
