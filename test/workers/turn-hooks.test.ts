import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type {
  ModelCall,
  ModelCallEnd,
  OutputItem,
  RunInfo,
  ToolCall,
  ToolCallEnd,
} from "../../durable-objects/session/turn/hooks";
import { sessionApi } from "../../durable-objects/stubs";
import { serverFrameSchema } from "../../shared/contracts/frames";

const TENANT = "dev";

/** Everything a turn's hooks were shown, in order. */
interface Observed {
  runs: RunInfo[];
  models: Array<{ call: ModelCall; end?: ModelCallEnd }>;
  tools: Array<{ call: ToolCall; end?: ToolCallEnd }>;
  outputs: OutputItem[];
  events: string[];
  ended: string[];
}

/** Reads a server-sent event stream to its end and returns its frames. */
async function frames(stream: ReadableStream<Uint8Array>) {
  const text = await new Response(stream).text();
  return text
    .split("\n\n")
    .filter((block) => block.startsWith("event:"))
    .map((block) => serverFrameSchema.parse(JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? "null")));
}

describe("turn hooks (inside workerd)", () => {
  it("see every model call, tool call and output of a delegating, escalating turn", async () => {
    const sessionId = `hooks-${crypto.randomUUID()}`;
    const api = sessionApi(env, TENANT, sessionId);
    await api.create({ tenant: TENANT, sessionId, agent: "triage" });
    const stub = env.SESSIONS.getByName(`${TENANT}:${sessionId}`);
    // the observer lives in the object, as tracing and guardrails will
    await runInDurableObject(stub, (instance) => {
      const seen: Observed = { runs: [], models: [], tools: [], outputs: [], events: [], ended: [] };
      (globalThis as { observed?: Observed }).observed = seen;
      instance.addTurnHooks((run) => {
        seen.runs.push(run);
        return {
          beforeModelCall: (call) => void seen.models.push({ call }),
          afterModelCall: (call, end) => {
            const entry = seen.models.find((m) => m.call === call);
            if (entry) entry.end = end;
          },
          beforeToolCall: (call) => {
            seen.tools.push({ call });
            return undefined;
          },
          afterToolCall: (call, end) => {
            const entry = seen.tools.find((t) => t.call === call);
            if (entry) entry.end = end;
          },
          output: (item) => {
            seen.outputs.push(item);
            return undefined;
          },
          event: (event) => void seen.events.push(event.name),
          turnEnded: (ending) => void seen.ended.push(ending.status),
        };
      });
    });

    // the local model escalates; the central model delegates; the turn waits for the sub-agent
    // (the real task queue runs it), then goes on and answers with its result
    const streamed = await api.streamMessage({
      tenant: TENANT,
      sessionId,
      content: "/escalate /delegate knowledge how do refunds work",
    });
    expect(streamed.status).toBe("streaming");
    if (streamed.status !== "streaming") return;
    const sent = await frames(streamed.stream);
    const done = sent.find((frame) => frame.type === "done");
    expect(done?.type === "done" && done.body.reply.content).toContain("Tool delegate returned");

    await runInDurableObject(stub, (_instance, state) => {
      const seen = (globalThis as { observed?: Observed }).observed as Observed;
      const turnId = done?.type === "done" ? done.body.turnId : "";
      // one run when the turn started, another when it went on after its sub-agent answered
      expect(seen.runs.map((run) => [run.turnId, run.kind])).toEqual([
        [turnId, "start"],
        [turnId, "resume"],
      ]);
      expect(seen.ended).toEqual(["waiting", "completed"]);
      expect(seen.events).toContain("escalated");

      // every model call the ledger recorded was seen before and after, with its usage
      const recorded = state.storage.sql
        .exec<{ model: string; tier: string; input_tokens: number }>(
          "SELECT model, tier, input_tokens FROM edgent_model_calls WHERE turn_id = ? ORDER BY id",
          turnId,
        )
        .toArray();
      expect(seen.models.map((m) => [m.call.tier, m.call.model])).toEqual([
        ["local", "builtin:echo"],
        ["central", "builtin:central"],
        ["local", "builtin:echo"],
      ]);
      expect(seen.models.map((m) => (m.end?.ok ? [m.end.model, m.end.inputTokens] : null))).toEqual(
        recorded.map((row) => [row.model, row.input_tokens]),
      );

      // every tool call: the local model's escalate, the central model's delegate
      expect(seen.tools.map((t) => [t.call.toolName, t.end?.ok])).toEqual([
        ["escalate", true],
        ["delegate", true],
      ]);

      // every stored assistant and tool message crossed the output gate, in order
      const stored = state.storage.sql
        .exec<{ role: string; content: string }>(
          "SELECT role, content FROM edgent_messages WHERE turn_id = ? AND role != 'user' ORDER BY seq",
          turnId,
        )
        .toArray();
      const gated = seen.outputs.flatMap((item) => (item.kind === "message" ? [item.message] : []));
      expect(gated.map((m) => [m.role, m.content])).toEqual(stored.map((row) => [row.role, row.content]));
      expect(stored.at(-1)?.content).toContain("Tool delegate returned");

      // every delta a client received crossed the gate too
      const deltas = sent.flatMap((frame) => (frame.type === "delta" ? [frame.text] : []));
      expect(deltas.length).toBeGreaterThan(0);
      expect(seen.outputs.flatMap((item) => (item.kind === "delta" ? [item.text] : []))).toEqual(deltas);
    });
  });
});
