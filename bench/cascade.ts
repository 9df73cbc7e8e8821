// Escalation figures for `npm run bench`: turn latency and cost on the local model vs
// escalated turns, and the gateway's overhead per central call vs calling the model directly.
import { startRuntime } from "../test/support/runtime.ts";
import { AUTH, createSession, type LatencyStats, stats } from "./load.ts";

interface Measured {
  latency: LatencyStats;
  costPerTurnUsd: number;
}

async function timedTurn(
  base: URL,
  sessionId: string,
  content: string,
): Promise<{ ms: number; cost: number; tier: string }> {
  const t0 = performance.now();
  const response = await fetch(new URL(`/v1/sessions/${sessionId}/messages`, base), {
    method: "POST",
    headers: AUTH,
    body: JSON.stringify({ content }),
  });
  const body = (await response.json()) as { usage: { costUsd: number }; answeredBy: { tier: string } };
  if (!response.ok) throw new Error(`turn failed: ${response.status} ${JSON.stringify(body)}`);
  return { ms: performance.now() - t0, cost: body.usage.costUsd, tier: body.answeredBy.tier };
}

/** Runs the paths interleaved, `rounds` turns each, each turn in a fresh session so history does not differ. */
export async function cascadeFigures(rounds: number): Promise<{
  local: Measured;
  escalated: Measured;
  viaGateway: Measured;
  direct: Measured;
  gatewayOverheadMs: number;
}> {
  // the analyst's local model has a one-token window: every turn goes straight to the central model via the gateway
  const cascade = await startRuntime({
    name: "edgent",
    vars: {
      EDGENT_DEV_MODE: "true",
      EDGENT_AGENT_MODELS: JSON.stringify({ analyst: "builtin:tiny" }),
      EDGENT_MODEL_SPECS: JSON.stringify({
        "builtin:tiny": { inputPerMillion: 0.1, outputPerMillion: 0.4, contextWindow: 1 },
      }),
    },
  });
  // the same central model called directly, as the local tier, with no gateway
  const direct = await startRuntime({
    vars: {
      EDGENT_DEV_MODE: "true",
      EDGENT_ESCALATION: "off",
      EDGENT_AGENT_MODELS: JSON.stringify({ assistant: "builtin:central" }),
    },
  });
  try {
    const samples = {
      local: [] as Array<{ ms: number; cost: number }>,
      escalated: [] as Array<{ ms: number; cost: number }>,
      via: [] as Array<{ ms: number; cost: number }>,
      direct: [] as Array<{ ms: number; cost: number }>,
    };
    const question = "What is the status of my order?";
    for (let i = 0; i < rounds + 10; i++) {
      const local = await timedTurn(cascade.url, await createSession(cascade.url, "assistant"), question);
      const escalated = await timedTurn(
        cascade.url,
        await createSession(cascade.url, "assistant"),
        `/escalate ${question}`,
      );
      const via = await timedTurn(cascade.url, await createSession(cascade.url, "analyst"), question);
      const straight = await timedTurn(direct.url, await createSession(direct.url, "assistant"), question);
      if (
        local.tier !== "local" ||
        escalated.tier !== "central" ||
        via.tier !== "central" ||
        straight.tier !== "local"
      ) {
        throw new Error("a benchmark path did not take the tier it measures");
      }
      // the first rounds warm the code paths and are not counted
      if (i < 10) continue;
      samples.local.push(local);
      samples.escalated.push(escalated);
      samples.via.push(via);
      samples.direct.push(straight);
    }
    const measured = (list: Array<{ ms: number; cost: number }>): Measured => ({
      latency: stats(list.map((s) => s.ms)),
      costPerTurnUsd: list.reduce((sum, s) => sum + s.cost, 0) / list.length,
    });
    const viaGateway = measured(samples.via);
    const directCall = measured(samples.direct);
    return {
      local: measured(samples.local),
      escalated: measured(samples.escalated),
      viaGateway,
      direct: directCall,
      gatewayOverheadMs: viaGateway.latency.p50 - directCall.latency.p50,
    };
  } finally {
    await cascade.dispose();
    await direct.dispose();
  }
}
