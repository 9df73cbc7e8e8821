// `npm run profile`: samples workerd's CPU while 32 clients run builtin turns, and prints the
// functions with the most self time and the most inclusive time. Use it before optimising.
// `PROFILE_WORKLOAD=delegation` profiles coordinators fanning out to 10 sub-agents instead.
import { readFileSync } from "node:fs";
import { buildBundle, startRuntime } from "../test/support/runtime.ts";
import { recordProfile } from "./cpu-profile.ts";
import { AUTH, runLoad } from "./load.ts";

const INSPECTOR_PORT = Number(process.env.PROFILE_INSPECTOR_PORT ?? 9229);

const productScript = buildBundle();
// the runtime as it ships: tracing on (its default) and the recommended guardrails; PROFILE_VARS (JSON) adds or overrides
const vars: Record<string, string> = {
  EDGENT_DEV_MODE: "true",
  EDGENT_POLICIES: JSON.stringify({ "*": { guardrails: ["pii", "secrets", "prompt_injection", "output_length"] } }),
  ...(JSON.parse(process.env.PROFILE_VARS ?? "{}") as Record<string, string>),
};
const product = await startRuntime({ vars, inspectorPort: INSPECTOR_PORT });
try {
  const ids = Array.from({ length: 32 }, (_, w) => `profile-${w}-${crypto.randomUUID()}`);
  for (const id of ids) {
    await fetch(new URL("/v1/sessions", product.url), {
      method: "POST",
      headers: AUTH,
      body: JSON.stringify({ agent: "assistant", sessionId: id }),
    });
  }
  const delegation = process.env.PROFILE_WORKLOAD === "delegation";
  const fanOut = Array.from({ length: 10 }, (_, i) => `/delegate knowledge part ${i}`).join("\n");
  const turn = async (w: number) => {
    let sessionId = ids[w];
    if (delegation) {
      // a fresh coordinator each time, as a new customer request would be
      sessionId = `profile-triage-${crypto.randomUUID()}`;
      await fetch(new URL("/v1/sessions", product.url), {
        method: "POST",
        headers: AUTH,
        body: JSON.stringify({ agent: "triage", sessionId }),
      });
    }
    return fetch(new URL(`/v1/sessions/${sessionId}/messages`, product.url), {
      method: "POST",
      headers: AUTH,
      body: JSON.stringify({ content: delegation ? fanOut : "What is the status of my order?" }),
    });
  };
  await runLoad(32, 2, turn);

  const { profile, result: load } = await recordProfile(INSPECTOR_PORT, "edgent", 200, () => runLoad(32, 5, turn));

  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const counts = new Map<number, number>();
  for (const sample of profile.samples) counts.set(sample, (counts.get(sample) ?? 0) + 1);
  const total = profile.samples.length;
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, count] of counts) {
    const frame = byId.get(id)?.callFrame;
    const key = `${frame?.functionName || "(anonymous)"} ${frame?.url.split("/").pop()}:${frame?.lineNumber}`;
    self.set(key, (self.get(key) ?? 0) + count);
    const seen = new Set<string>();
    for (let node: number | undefined = id; node !== undefined; node = parent.get(node)) {
      const name = byId.get(node)?.callFrame.functionName || "(anonymous)";
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + count);
    }
  }
  const top = (map: Map<string, number>, n: number) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, count]) => `${((100 * count) / total).toFixed(1).padStart(5)}%  ${name}`);
  console.log(
    `${load.perSecond.toFixed(0)} turns/s under the profiler, ${total} samples\n\nself time:\n${top(self, 25).join("\n")}`,
  );
  // self time by bundled module: the bundle marks each module's start with a `// path` line
  const bundle = readFileSync(productScript, "utf8").split("\n");
  const starts: Array<[number, string]> = [];
  bundle.forEach((line, i) => {
    if (/^\/\/ [^ ]+\.(ts|js|mjs|cjs)$/.test(line)) starts.push([i, line.slice(3).replace(/^(\.\.\/)+(main\/)?/, "")]);
  });
  const moduleOf = (line: number) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid]?.[0] ?? 0) <= line) lo = mid;
      else hi = mid - 1;
    }
    const path = starts[lo]?.[1] ?? "?";
    const pkg = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(path);
    return pkg ? `npm:${pkg[1]}` : path;
  };
  const byModule = new Map<string, number>();
  for (const [id, count] of counts) {
    const frame = byId.get(id)?.callFrame;
    const key = frame?.url.endsWith(".js") ? moduleOf(frame.lineNumber) : `(native) ${frame?.functionName || "?"}`;
    byModule.set(key, (byModule.get(key) ?? 0) + count);
  }
  console.log(`\nself time by module:\n${top(byModule, Number(process.env.PROFILE_TOP ?? 40)).join("\n")}`);
  console.log(`\ninclusive time:\n${top(inclusive, Number(process.env.PROFILE_TOP ?? 40)).join("\n")}`);
} finally {
  await product.dispose();
}
