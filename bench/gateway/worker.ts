// Drives central calls through the tenant gateway from inside workerd, so that what is measured
// is the gateway object (admission, budget, breaker, usage rows) and not an HTTP client.
import type { GatewayRequest } from "../../durable-objects/rpc";
import { gatewayApi } from "../../durable-objects/stubs";

export { ModelGateway } from "../../durable-objects/model-gateway";

const REQUEST: Omit<GatewayRequest, "callId"> = {
  model: "builtin:central",
  agent: "bench",
  options: {
    prompt: [{ role: "user", content: [{ type: "text", text: "What is the status of my order?" }] }],
    maxOutputTokens: 64,
  },
};

/** `GET /burst?calls=N&concurrency=C&sessions=S`: N calls, C at a time, from S sessions of one tenant. */
export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const calls = Number(url.searchParams.get("calls") ?? 1000);
    const concurrency = Number(url.searchParams.get("concurrency") ?? 32);
    const sessions = Number(url.searchParams.get("sessions") ?? 1000);
    const tenant = url.searchParams.get("tenant") ?? "bench";
    const latencies: number[] = [];
    const refusals: Record<string, number> = {};
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < calls) {
          const i = next++;
          const t0 = performance.now();
          const outcome = await gatewayApi(env, tenant, `session-${i % sessions}`).generate(REQUEST);
          latencies.push(performance.now() - t0);
          if (!outcome.ok) refusals[outcome.failure.code] = (refusals[outcome.failure.code] ?? 0) + 1;
        }
      }),
    );
    const ms = performance.now() - started;
    return Response.json({ calls, ms, latencies, refusals });
  },
};
