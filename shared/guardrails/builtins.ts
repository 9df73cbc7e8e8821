import { allow, block, defineGuardrail, type Guardrail, needsApproval, type TextGuardrail } from "./define";
import { type ArgLimit, checkLimits } from "./limits";
import { PII_DETECTORS } from "./pii";
import { ALWAYS_ALLOWED_TOOLS, type BuiltinGuardrailName, type TenantPolicy } from "./policy";
import { SECRET_DETECTORS } from "./secrets";

/** Longest answer `output_length` lets out when the policy names no limit. */
export const DEFAULT_OUTPUT_CHARS = 20_000;

/** Redacts emails, phone numbers, card numbers and IBANs from everything that leaves a turn. */
export const pii: TextGuardrail = defineGuardrail({
  name: "pii",
  kind: "output",
  description: "Redacts emails, phone numbers, payment card numbers (Luhn-checked) and IBANs (mod-97-checked).",
  detectors: PII_DETECTORS,
});

/** Redacts API keys, tokens, credentials and private keys from everything that leaves a turn. */
export const secrets: TextGuardrail = defineGuardrail({
  name: "secrets",
  kind: "output",
  description: "Redacts API-key-shaped strings, bearer tokens, credential assignments and PEM private keys.",
  detectors: SECRET_DETECTORS,
});

/** Redacts personal data from the user's message before any model sees it. */
export const piiInput: TextGuardrail = defineGuardrail({
  name: "pii_input",
  kind: "input",
  description: "Redacts personal data from the user's message before any model or storage sees it.",
  detectors: PII_DETECTORS,
});

/** Redacts secrets from the user's message before any model sees it. */
export const secretsInput: TextGuardrail = defineGuardrail({
  name: "secrets_input",
  kind: "input",
  description: "Redacts secrets from the user's message before any model or storage sees it.",
  detectors: SECRET_DETECTORS,
});

/** Phrases that try to override an agent's instructions: a message that uses them is not run. */
const INJECTION =
  /\b(?:ignore|disregard|forget)\s+(?:all\s+|any\s+)?(?:the\s+|your\s+)?(?:previous|prior|above|earlier|system)\s+(?:instructions|prompts?|rules)\b|\b(?:reveal|print|show|repeat)\s+(?:me\s+)?(?:your|the)\s+(?:system\s+prompt|hidden\s+instructions|instructions\s+verbatim)\b/i;

/** Blocks a user's message that tries to override the agent's instructions, before any model sees it. */
export const promptInjection: TextGuardrail = defineGuardrail({
  name: "prompt_injection",
  kind: "input",
  description: "Blocks messages that try to override or reveal the agent's instructions.",
  check(text) {
    const match = INJECTION.exec(text);
    return match ? block(`the message tries to override the agent's instructions ("${match[0]}")`) : allow();
  },
});

/** Trips when an answer (streamed or stored) grows past `maxChars`. */
export function outputLength(maxChars: number): TextGuardrail {
  return defineGuardrail({
    name: "output_length",
    kind: "output",
    description: `Blocks an answer longer than ${maxChars} characters.`,
    stages: ["delta", "final"],
    check(text, { offset }) {
      return offset + text.length > maxChars ? block(`the answer is longer than ${maxChars} characters`) : allow();
    },
  });
}

/** The tenant's tool allowlist, denylist and tools that always need approval. */
export function toolPolicy(policy: TenantPolicy): Guardrail | null {
  const { allowTools, denyTools, approveTools } = policy;
  if (!allowTools && !denyTools?.length && !approveTools?.length) return null;
  const allowed = allowTools ? new Set(allowTools) : null;
  return defineGuardrail({
    name: "tool_policy",
    kind: "tool",
    description: "The tenant's allowed, denied and approval-only tools.",
    beforeCall({ toolName }) {
      if (denyTools?.includes(toolName)) return block(`tool '${toolName}' is denied by this tenant's policy`);
      if (allowed && !allowed.has(toolName) && !ALWAYS_ALLOWED_TOOLS.has(toolName)) {
        return block(`tool '${toolName}' is not on this tenant's list of allowed tools`);
      }
      if (approveTools?.includes(toolName))
        return needsApproval(`this tenant's policy requires approval for '${toolName}'`);
      return allow();
    },
  });
}

/** Limits on tool arguments: those the tool declares, and the tenant's on top. */
export function argLimits(policy: TenantPolicy | undefined): Guardrail {
  const tenantLimits = new Map<string, ArgLimit[]>();
  for (const [key, limits] of Object.entries(policy?.limits?.toolArgs ?? {})) {
    const dot = key.indexOf(".");
    const tool = key.slice(0, dot);
    const arg = key.slice(dot + 1);
    const list = tenantLimits.get(tool) ?? [];
    for (const limit of Array.isArray(limits) ? limits : [limits]) list.push({ ...limit, arg });
    tenantLimits.set(tool, list);
  }
  return defineGuardrail({
    name: "arg_limits",
    kind: "tool",
    description: "Limits on tool arguments declared by the tool and by the tenant's policy.",
    beforeCall({ toolName, args }, { tool }) {
      const limits = [...(tool?.limits ?? []), ...(tenantLimits.get(toolName) ?? [])];
      return limits.length === 0 ? allow() : checkLimits(toolName, args, limits);
    },
  });
}

/** Whether arg_limits has anything to check for an agent's tools under a policy. */
export function hasArgLimits(
  policy: TenantPolicy | undefined,
  tools: Iterable<{ limits?: readonly ArgLimit[] }>,
): boolean {
  if (Object.keys(policy?.limits?.toolArgs ?? {}).length > 0) return true;
  for (const tool of tools) if (tool.limits?.length) return true;
  return false;
}

/** The built-in guardrails a policy turns on. */
export function builtinGuardrails(policy: TenantPolicy | undefined): Guardrail[] {
  if (!policy) return [];
  const named: Record<BuiltinGuardrailName, () => Guardrail> = {
    pii: () => pii,
    secrets: () => secrets,
    pii_input: () => piiInput,
    secrets_input: () => secretsInput,
    prompt_injection: () => promptInjection,
    output_length: () => outputLength(policy.limits?.outputChars ?? DEFAULT_OUTPUT_CHARS),
  };
  const out = [...new Set(policy.guardrails ?? [])].map((name) => named[name]());
  const tools = toolPolicy(policy);
  return tools ? [tools, ...out] : out;
}
