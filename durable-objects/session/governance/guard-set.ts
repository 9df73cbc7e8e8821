import type { AgentDefinition } from "../../../shared/agents/define";
import { argLimits, builtinGuardrails, hasArgLimits } from "../../../shared/guardrails/builtins";
import type { Guardrail, TextGuardrail, ToolGuardrail } from "../../../shared/guardrails/define";
import type { Detector } from "../../../shared/guardrails/detect";
import type { TenantPolicy } from "../../../shared/guardrails/policy";

/** The guardrails of one agent under one tenant policy, sorted by where they apply. */
export interface GuardSet {
  input: readonly TextGuardrail[];
  output: readonly TextGuardrail[];
  tool: readonly ToolGuardrail[];
  /** every output detector, for streamed text, tool views and text handed to sub-agents */
  outputDetectors: readonly Detector[];
  /** detector label → the guardrail it belongs to, for reports */
  owners: ReadonlyMap<string, string>;
  /** output guardrails that check streamed chunks themselves */
  deltaChecks: readonly TextGuardrail[];
}

const cache = new WeakMap<AgentDefinition, Map<TenantPolicy | null, GuardSet | null>>();

/** The guardrails a tenant's policy and an agent's definition put on the agent's turns; null if none. */
export function guardSetOf(agent: AgentDefinition, policy: TenantPolicy | undefined): GuardSet | null {
  let byPolicy = cache.get(agent);
  if (!byPolicy) {
    byPolicy = new Map();
    cache.set(agent, byPolicy);
  }
  const key = policy ?? null;
  if (byPolicy.has(key)) return byPolicy.get(key) ?? null;
  const guardrails: Guardrail[] = [...builtinGuardrails(policy), ...agent.guardrails];
  if (hasArgLimits(policy, Object.values(agent.tools))) guardrails.push(argLimits(policy));
  const set = guardrails.length === 0 ? null : sortGuardrails(guardrails);
  byPolicy.set(key, set);
  return set;
}

function sortGuardrails(guardrails: readonly Guardrail[]): GuardSet {
  const input: TextGuardrail[] = [];
  const output: TextGuardrail[] = [];
  const tool: ToolGuardrail[] = [];
  for (const guardrail of guardrails) {
    if (guardrail.kind === "tool") tool.push(guardrail);
    else if (guardrail.kind === "input") input.push(guardrail);
    else output.push(guardrail);
  }
  const owners = new Map<string, string>();
  for (const guardrail of output)
    for (const detector of guardrail.detectors ?? []) owners.set(detector.label, guardrail.name);
  return {
    input,
    output,
    tool,
    outputDetectors: output.flatMap((guardrail) => guardrail.detectors ?? []),
    owners,
    deltaChecks: output.filter(
      (guardrail) => guardrail.check && (!guardrail.stages || guardrail.stages.includes("delta")),
    ),
  };
}
