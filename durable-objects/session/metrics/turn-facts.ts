import { log } from "../../../shared/log";
import type { TurnFacts } from "../../../shared/metrics/aggregate";
import type { HookSource, TurnEnding } from "../turn/hooks";

/** A finished turn's facts as stored for the metrics report, with its group and end. */
export interface StoredFacts extends TurnFacts {
  agent: string;
  model: string;
  endedMs: number;
}

/** What a turn that waits for sub-agents has gathered so far. */
interface Gathered {
  startedMs: number;
  signal?: string;
  fallbacks: number;
  toolCalls: number;
  toolErrors: number;
}

/**
 * Records what each finished turn adds to the tenant's metrics (status, latency, escalation,
 * fallbacks, tool calls and errors, tokens, cost) as one row when it ends, for the next
 * batch report. A turn that waits for its sub-agents keeps what it gathered in its row, and
 * its final row takes a new place in the report order.
 */
export function turnFacts(sql: SqlStorage, startedAt: (turnId: string) => number | null): HookSource {
  return (run) => {
    const earlier = run.kind === "resume" ? readPartial(sql, run.turnId) : null;
    const facts: Gathered = earlier ?? {
      startedMs: (run.kind === "resume" ? startedAt(run.turnId) : null) ?? Date.now(),
      fallbacks: 0,
      toolCalls: 0,
      toolErrors: 0,
    };
    const record = (ending: TurnEnding): void => {
      if (ending.status === "waiting") {
        sql.exec(
          `INSERT INTO edgent_turn_metrics (turn_id, status, facts) VALUES (?, 'waiting', ?)
             ON CONFLICT (turn_id) DO UPDATE SET facts = excluded.facts`,
          run.turnId,
          JSON.stringify(facts),
        );
        return;
      }
      const row = finalFacts(facts, ending, run.agent.name, ending.model ?? run.models.local);
      // a new row (and id) for the final facts: the report takes rows in id order
      sql.exec(
        "INSERT OR REPLACE INTO edgent_turn_metrics (turn_id, status, facts) VALUES (?, ?, ?)",
        run.turnId,
        row.status,
        JSON.stringify(row),
      );
    };
    return {
      afterToolCall: (_call, end) => {
        facts.toolCalls++;
        if (!end.ok) facts.toolErrors++;
      },
      event: (event) => {
        if (event.name === "fallback") facts.fallbacks++;
        else if (event.name === "escalated" && !facts.signal) facts.signal = String(event.data.signal ?? "unknown");
      },
      turnEnded: (ending) => {
        try {
          record(ending);
        } catch (error) {
          // metrics never fail a turn: this one is missing from them, and logged
          log({
            event: "notice",
            level: "error",
            message: "a turn's metrics could not be recorded",
            tenant: run.session.tenant,
            sessionId: run.session.sessionId,
            turnId: run.turnId,
            errorName: error instanceof Error ? error.name : "unknown",
          });
        }
      },
    };
  };
}

function finalFacts(facts: Gathered, ending: TurnEnding, agent: string, model: string): StoredFacts {
  const now = Date.now();
  const usage = ending.usage;
  const signal = ending.escalation?.signal ?? facts.signal;
  return {
    agent,
    model,
    endedMs: now,
    status: ending.status === "completed" || ending.status === "cancelled" ? ending.status : "failed",
    durationMs: Math.max(0, now - facts.startedMs),
    ...(signal ? { signal, refused: ending.escalation?.refused !== undefined } : {}),
    fallbacks: facts.fallbacks,
    toolCalls: facts.toolCalls,
    toolErrors: facts.toolErrors,
    modelCalls: usage?.modelCalls ?? 0,
    inputTokens: usage?.inputTokens ?? 0,
    outputTokens: usage?.outputTokens ?? 0,
    costNanos: usage?.costNanos ?? 0,
  };
}

function readPartial(sql: SqlStorage, turnId: string): Gathered | null {
  const row = sql
    .exec<{ facts: string }>("SELECT facts FROM edgent_turn_metrics WHERE turn_id = ? AND status = 'waiting'", turnId)
    .toArray()[0];
  return row ? (JSON.parse(String(row.facts)) as Gathered) : null;
}
