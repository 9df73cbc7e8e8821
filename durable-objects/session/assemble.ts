import type { Connection } from "agents";
import { ModelCatalog } from "../../shared/models/pricing";
import { DELEGATION_SETTINGS, settingsOf } from "../../shared/settings";
import { TurnQueue } from "../../shared/turn-queue";
import type { SendOutcome } from "../rpc";
import { gatewayApi } from "../stubs";
import { AssignedTask } from "./delegation/assigned-task";
import { TaskCoordinator } from "./delegation/coordinator";
import { directTransport, queueTransport } from "./delegation/transports";
import { SessionGovernance } from "./governance/session-governance";
import { LiveDelivery, type LiveState } from "./live/live-delivery";
import { TicketBook } from "./live/tickets";
import { TurnStreams } from "./live/turn-streams";
import { McpCatalog } from "./mcp/mcp-catalog";
import { TurnConductor } from "./ordering/conductor";
import { IdempotencyRecords } from "./ordering/idempotency";
import { WaitingTurns } from "./ordering/waiting-turns";
import { ChatTurns } from "./protocols/chat-turns";
import { RetryOnce } from "./retry-once";
import { SessionFacts } from "./storage/facts";
import { TurnLedger } from "./storage/ledger";
import { SessionStore } from "./storage/session-store";
import { SqlMeter } from "./storage/sql-meter";
import { UsageReport } from "./storage/usage-report";
import { SessionTracing } from "./tracing/session-tracing";
import { TurnRunner } from "./turn/turn-runner";

/** The session object's scheduled callbacks (methods the SDK's durable schedule calls by name). */
export type ScheduledCallback =
  | "reportUsage"
  | "taskDeadline"
  | "approvalAlarm"
  | "retryTaskReport"
  | "eraseShortLived";

/** What the parts of a session need from the Durable Object that holds them. */
export interface SessionHost {
  readonly ctx: DurableObjectState;
  readonly env: Env;
  /** schedules a callback durably: in `when` seconds, or at a date */
  schedule(
    when: number | Date,
    callback: ScheduledCallback,
    payload?: Record<string, unknown>,
    options?: { idempotent?: boolean },
  ): Promise<unknown>;
  /** the session's WebSocket connections */
  connections(): Iterable<Connection<LiveState>>;
}

/** Everything a session object is made of, wired together. */
export interface SessionParts {
  store: SessionStore;
  ledger: TurnLedger;
  tickets: TicketBook;
  live: LiveDelivery;
  /** the turns' recorded streams, for readers that join or rejoin them */
  streams: TurnStreams;
  runner: TurnRunner;
  conductor: TurnConductor;
  waiting: WaitingTurns;
  coordinator: TaskCoordinator;
  assigned: AssignedTask;
  usage: UsageReport;
  governance: SessionGovernance;
  /** the session's MCP connections and tool lists */
  mcpTools: McpCatalog;
  /** another try at reporting this sub-agent's outcome to its parent, scheduled once */
  reportRetry: RetryOnce;
  /** turns of the protocol routes (OpenAI-compatible chat, the UI message stream) */
  chat: ChatTurns;
  /** the session's spans, turn list and trace reads, and its turn facts for the tenant's metrics */
  tracing: SessionTracing;
  /** lets a waiting turn go on (its sub-agents answered, an approval was decided) */
  goOn(turnId: string): void;
}

/**
 * Builds a session's parts from its storage and settings, and takes up what the object's last
 * life left: a turn that waited for sub-agents goes on (or keeps waiting), a turn that was
 * running is failed and whoever waited on it hears so.
 */
export function assembleSession(host: SessionHost): SessionParts {
  const { ctx, env } = host;
  // the session's own statements are metered: each turn reports the rows it read and wrote
  const meter = new SqlMeter(ctx.storage.sql);
  const { sql } = meter;
  const settings = settingsOf(env).values;
  const store = new SessionStore({ sql });
  store.migrate();
  const ledger = new TurnLedger(sql, store, new ModelCatalog(settings.EDGENT_MODEL_SPECS));
  const abandoned = ledger.failAbandoned();
  const streams = new TurnStreams(settings.EDGENT_TURN_STREAM_BYTES);
  const live = new LiveDelivery(
    store,
    () => host.connections(),
    () => streams.catchUp(),
  );
  const usage = new UsageReport(ledger, () => host.schedule(settings.EDGENT_USAGE_REPORT_SECONDS, "reportUsage"));
  const records = new IdempotencyRecords(sql);
  // parts made below that parts above call back into, once everything is built
  let conductor: TurnConductor | undefined;
  let waiting: WaitingTurns | undefined;
  const goOn = (turnId: string) => {
    if (waiting) ctx.waitUntil(waiting.goOn(turnId));
  };
  const coordinator = new TaskCoordinator(
    sql,
    {
      maxDepth: settings.EDGENT_DELEGATION_MAX_DEPTH,
      maxFanout: settings.EDGENT_DELEGATION_MAX_FANOUT,
      taskTimeoutMs: settings.EDGENT_TASK_TIMEOUT_MS,
      delegateTimeouts: settings.EDGENT_DELEGATE_TIMEOUTS_MS,
    },
    {
      transport: () =>
        settings.EDGENT_DELEGATION_TRANSPORT === "direct"
          ? directTransport(env, (work) => ctx.waitUntil(work))
          : queueTransport(env.TASKS),
      schedule: async (at, turnId) => {
        // the SDK keeps whole seconds, rounding down: round up so the alarm never fires early.
        // One alarm per turn and second: dispatching the same step again adds none.
        const second = Math.ceil(at / 1000);
        await host.schedule(new Date(second * 1000), "taskDeadline", { turnId, second }, { idempotent: true });
      },
      ready: goOn,
    },
  );
  // not `idempotent`: the SDK would match the retry job that is running and add none
  const reportRetry = new RetryOnce(() => host.schedule(5, "retryTaskReport"));
  const tracing = new SessionTracing(
    ctx,
    env,
    store,
    () => coordinator.book,
    (at) => host.schedule(at, "reportUsage"),
  );
  const assigned = new AssignedTask(sql, {
    env,
    store,
    submit: (meta, request) => (conductor as TurnConductor).submit(meta, request),
    retryReport: () => reportRetry.request(),
    traced: (span, sampled) => tracing.delivered(span, sampled),
  });
  const sink = live.sink(() => ctx.getWebSockets().length > 0);
  const frames = (turnId: string, resumed = false) => streams.sink(turnId, sink, resumed);
  const governance = new SessionGovernance({
    env,
    sql,
    store,
    ledger,
    coordinator,
    assigned,
    // a sub-agent's approval reaches a waiting turn, whose stream may have begun in an earlier life
    frames: (turnId) => frames(turnId, true),
    waiting: () => waiting as WaitingTurns,
    conductor: () => conductor as TurnConductor,
    goOn,
    schedule: (at, payload) => host.schedule(at, "approvalAlarm", payload, { idempotent: true }).then(() => undefined),
  });
  const mcpTools = new McpCatalog();
  const runner = new TurnRunner({
    env,
    store,
    ledger,
    memory: new SessionFacts(sql),
    frames,
    watched: (turnId) => ctx.getWebSockets().length > 0 || streams.followed(turnId),
    gateway: (tenant, sessionId) => gatewayApi(env, tenant, sessionId),
    delegation: (agent, turnId, incoming) => {
      // a user's session is the root of its tree; a sub-agent's session sits where its task put it
      const scope = tracing.scope(agent, turnId, incoming, assigned.scope());
      const trace = { traceId: scope.traceId, ...(scope.w3c ? { w3c: scope.w3c } : {}) };
      if (agent.delegates.length === 0) return { ok: true, trace };
      const problem = settingsOf(env).problem(DELEGATION_SETTINGS);
      if (problem) return { ok: false, failure: { code: "misconfigured", message: problem } };
      return { ok: true, trace, port: coordinator.port(agent, scope, turnId) };
    },
    usageRecorded: () => usage.due(),
    mcp: (agent) => mcpTools.forAgent(agent, settingsOf(env)),
    approvals: (meta, turnId) => governance.port(meta, turnId),
    sqlFootprint: () => meter.take(),
  });
  runner.addHooks(governance.hooks(), { guard: true });
  // spans observe what governance let through: a redacted value is never traced
  for (const source of tracing.hookSources()) runner.addHooks(source);
  const queue = new TurnQueue();
  waiting = new WaitingTurns({
    store,
    ledger,
    records,
    runner,
    coordinator,
    approvals: governance.desk,
    finished: (turnId, outcome) => ctx.waitUntil(assigned.finished(turnId, outcome).catch(() => undefined)),
    streamEnded: (turnId, outcome) => streams.settle(turnId, outcome, store.meta()?.sessionId ?? ""),
  });
  conductor = new TurnConductor({ store, ledger, records, runner, waiting, queue, streams });
  waiting.adopt(queue);
  for (const { turnId, error } of abandoned) {
    const outcome: SendOutcome = { status: "failed", failure: { ...error, turnId } };
    records.settleTurn(turnId, outcome);
    ctx.waitUntil(assigned.finished(turnId, outcome).catch(() => undefined));
  }
  const tickets = new TicketBook(sql);
  const chat = new ChatTurns({
    store,
    conductor,
    streams,
    scheduleErase: (at) => host.schedule(at, "eraseShortLived"),
    background: (work) => ctx.waitUntil(work),
  });
  return {
    chat,
    store,
    ledger,
    tickets,
    live,
    streams,
    runner,
    conductor,
    waiting,
    coordinator,
    assigned,
    usage,
    governance,
    mcpTools,
    reportRetry,
    tracing,
    goOn,
  };
}
