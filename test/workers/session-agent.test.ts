import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { SessionApi } from "../../durable-objects/rpc";
import { TurnLedger } from "../../durable-objects/session/storage/ledger";
import { SessionStore } from "../../durable-objects/session/storage/session-store";
import type { SessionAgent } from "../../durable-objects/session-agent";
import { sessionApi, taskHost, taskSessionId } from "../../durable-objects/stubs";
import { ModelCatalog } from "../../shared/models/pricing";
import { retryIfReset } from "../../shared/object-reset";
import { waitUntil } from "../support/wait-until";

const TENANT = "dev";

function session(sessionId: string): { stub: DurableObjectStub<SessionAgent>; rpc: SessionApi } {
  return { stub: env.SESSIONS.getByName(`${TENANT}:${sessionId}`), rpc: sessionApi(env, TENANT, sessionId) };
}

async function created(agent = "assistant") {
  const sessionId = `w-${crypto.randomUUID()}`;
  const handle = session(sessionId);
  await handle.rpc.create({ tenant: TENANT, sessionId, agent });
  return { sessionId, ...handle };
}

describe("SessionAgent (inside workerd)", () => {
  it("keeps history in its SQL tables, not in the agent's state row", async () => {
    const { sessionId, stub, rpc } = await created();
    const outcome = await rpc.sendMessage({ tenant: TENANT, sessionId, content: "remember this text" });
    expect(outcome.status).toBe("completed");
    await runInDurableObject(stub, (_instance, state) => {
      const rows = state.storage.sql
        .exec<{ content: string }>("SELECT content FROM edgent_messages ORDER BY seq")
        .toArray();
      expect(rows.map((r) => r.content)).toEqual(["remember this text", "remember this text"]);
      const stateRows = state.storage.sql.exec<{ state: string | null }>("SELECT * FROM cf_agents_state").toArray();
      expect(JSON.stringify(stateRows)).not.toContain("remember this text");
    });
  });

  it("answers as not found to a caller from another tenant, even at the right object", async () => {
    const { sessionId, rpc } = await created();
    expect(await rpc.info({ tenant: "dev2", sessionId })).toBeNull();
    expect(await rpc.listMessages({ tenant: "dev2", sessionId }, 0, 10)).toBeNull();
    expect(await rpc.sendMessage({ tenant: "dev2", sessionId, content: "x" })).toEqual({ status: "not_found" });
    expect(await rpc.erase({ tenant: "dev2", sessionId })).toEqual({ status: "not_found" });
    expect(await rpc.info({ tenant: TENANT, sessionId })).toMatchObject({ messageCount: 0 });
  });

  it("records every model call and keeps session totals equal to their sum", async () => {
    const { sessionId, stub, rpc } = await created();
    await rpc.sendMessage({ tenant: TENANT, sessionId, content: '/tool calculator {"expression":"1+1"}' });
    await rpc.sendMessage({ tenant: TENANT, sessionId, content: "plain" });
    const info = await rpc.info({ tenant: TENANT, sessionId });
    await runInDurableObject(stub, (_instance, state) => {
      const sum = state.storage.sql
        .exec<{ i: number; o: number; n: number; c: number }>(
          "SELECT SUM(input_tokens) AS i, SUM(output_tokens) AS o, COUNT(*) AS n, SUM(cost_nanos) AS c FROM edgent_model_calls",
        )
        .one();
      expect(info?.usage).toEqual({ inputTokens: sum.i, outputTokens: sum.o, modelCalls: sum.n, costUsd: sum.c / 1e9 });
      expect(sum.n).toBe(3);
    });
  });

  it("answers a retry of a turn a restart cut off with that turn's failure, appending nothing", async () => {
    const { sessionId, stub, rpc } = await created();
    const request = {
      tenant: TENANT,
      sessionId,
      content: "/slow 200 a b c d e f g h i j",
      idempotency: { key: "cut-off", requestHash: "h-1" },
    };
    const cut = rpc.sendMessage(request).catch(() => "cut off");
    await waitUntil(
      async () => (await rpc.listMessages({ tenant: TENANT, sessionId }, 0, 10))?.messages.length,
      (count) => count === 1,
      { what: "the turn's user message" },
    );
    // the object stops mid-turn, as in a restart; the next call starts a new one on the same storage
    await runInDurableObject(stub, (_instance, state) => state.abort("restart")).catch(() => undefined);
    expect(await cut).toBe("cut off");
    const restarted = session(sessionId).rpc;
    const retried = await restarted.sendMessage(request);
    expect(retried).toMatchObject({ status: "failed", failure: { code: "session_unavailable" } });
    const history = await restarted.listMessages({ tenant: TENANT, sessionId }, 0, 10);
    expect(history?.messages.map((m) => m.content)).toEqual([request.content]);
  });

  it("fails turns a restart interrupted, keeping their messages but leaving them out of context", async () => {
    const { sessionId, stub, rpc } = await created();
    await runInDurableObject(stub, (_instance, state) => {
      const store = new SessionStore(state.storage);
      const ledger = new TurnLedger(state.storage.sql, store, new ModelCatalog());
      ledger.start("interrupted-turn", "builtin:echo");
      store.append({ turnId: "interrupted-turn", role: "user", content: "lost in a crash" });
      // what the constructor of a freshly started object does
      expect(ledger.failAbandoned().map((turn) => turn.turnId)).toEqual(["interrupted-turn"]);
      const turn = state.storage.sql
        .exec<{ status: string }>("SELECT status FROM edgent_turns WHERE id = 'interrupted-turn'")
        .one();
      expect(turn.status).toBe("failed");
    });
    const outcome = await rpc.sendMessage({ tenant: TENANT, sessionId, content: "/history" });
    expect(outcome.status === "completed" && JSON.parse(outcome.response.reply.content)).toEqual(["/history"]);
    const page = await rpc.listMessages({ tenant: TENANT, sessionId }, 0, 10);
    expect(page?.messages[0]?.content).toBe("lost in a crash");
  });

  it("has the runtime answer pings itself, so a hibernating session is not woken by them", async () => {
    const { stub } = await created();
    await runInDurableObject(stub, (_instance, state) => {
      const pair = state.getWebSocketAutoResponse();
      expect(pair?.request).toBe('{"type":"ping"}');
      expect(pair?.response).toBe('{"type":"pong"}');
    });
  });

  it("folds old history into a rolling summary and reads only a bounded tail", async () => {
    const { sessionId, stub, rpc } = await created();
    const words = "alpha beta gamma delta epsilon zeta eta theta ".repeat(6);
    for (let i = 0; i < 120; i++) {
      const outcome = await rpc.sendMessage({ tenant: TENANT, sessionId, content: `note ${i}: ${words}` });
      expect(outcome.status).toBe("completed");
    }
    await runInDurableObject(stub, (_instance, state) => {
      const meta = state.storage.sql
        .exec<{ summary: string; summary_through_seq: number; last_seq: number }>(
          "SELECT *, (SELECT MAX(seq) FROM edgent_messages) AS last_seq FROM edgent_session",
        )
        .one();
      expect(meta.last_seq).toBe(240);
      expect(meta.summary_through_seq).toBeGreaterThan(100);
      expect(meta.summary).toContain("note");
      const compactions = state.storage.sql
        .exec<{ n: number }>("SELECT COUNT(*) AS n FROM edgent_model_calls WHERE purpose = 'compaction'")
        .one().n;
      // compaction runs once per half window of new history, not every turn
      expect(compactions).toBeGreaterThan(0);
      expect(compactions).toBeLessThan(20);
    });
  });

  it("keeps no storage in an object asked for a session or task it does not hold", async () => {
    const sessionId = `absent-${crypto.randomUUID()}`;
    const { stub, rpc } = session(sessionId);
    expect(await rpc.info({ tenant: TENANT, sessionId })).toBeNull();
    const taskId = crypto.randomUUID();
    const host = taskHost(env, { tenant: TENANT, taskId });
    expect(await host.listMessages({ tenant: TENANT, sessionId: taskSessionId(taskId) }, 0, 10)).toBeNull();
    for (const object of [stub, env.SESSIONS.getByName(`${TENANT}:${taskSessionId(taskId)}`)]) {
      await runInDurableObject(object, (_instance, state) => {
        expect(state.storage.sql.exec("SELECT name FROM sqlite_master").toArray()).toEqual([]);
        // at most the page an empty SQLite database keeps for its header
        expect(state.storage.sql.databaseSize).toBeLessThanOrEqual(4096);
      });
    }
    // the id can still be created: the wiped object restarts and a fresh one takes the call
    const outcome = await retryIfReset(() =>
      session(sessionId).rpc.create({ tenant: TENANT, sessionId, agent: "assistant" }),
    );
    expect(outcome).toMatchObject({ status: "created" });
  });
});
