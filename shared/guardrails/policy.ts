import { z } from "zod";

/** Names of the built-in guardrails a tenant's policy can turn on. */
export const BUILTIN_GUARDRAILS = [
  "pii",
  "secrets",
  "pii_input",
  "secrets_input",
  "prompt_injection",
  "output_length",
] as const;
export type BuiltinGuardrailName = (typeof BUILTIN_GUARDRAILS)[number];

/** Tools that stay callable whatever a tenant's allowlist says: the runtime's own escalation. */
export const ALWAYS_ALLOWED_TOOLS: ReadonlySet<string> = new Set(["escalate"]);

const toolName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_-]{0,63}$/, "tool names are 1-64 of [a-zA-Z0-9_-]");

const argLimitSchema = z
  .strictObject({
    max: z.number().optional(),
    min: z.number().optional(),
    maxLength: z.number().int().nonnegative().optional(),
    over: z.enum(["approval", "refuse"]),
  })
  .refine((limit) => limit.max !== undefined || limit.min !== undefined || limit.maxLength !== undefined, {
    message: "a limit needs max, min or maxLength",
  });

/** One tenant's governance policy, as an operator writes it in EDGENT_POLICIES. */
export const tenantPolicySchema = z.strictObject({
  /** only these tools may run (besides `escalate`); all when omitted */
  allowTools: z.array(toolName).optional(),
  /** these tools never run */
  denyTools: z.array(toolName).optional(),
  /** these tools run only after a person approves the call */
  approveTools: z.array(toolName).optional(),
  /** built-in guardrails turned on for every agent of the tenant */
  guardrails: z.array(z.enum(BUILTIN_GUARDRAILS)).optional(),
  limits: z
    .strictObject({
      /** longest answer, in characters, for `output_length` (default 20,000) */
      outputChars: z.number().int().min(1).max(10_000_000).optional(),
      /** `tool.arg` → limit(s) on that argument, on top of what the tool declares */
      toolArgs: z
        .record(
          z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_-]*\.[A-Za-z0-9_.]+$/, "keys are tool.argument"),
          z.union([argLimitSchema, z.array(argLimitSchema).min(1)]),
        )
        .optional(),
    })
    .optional(),
});
export type TenantPolicy = z.output<typeof tenantPolicySchema>;

/** The policy of a tenant: its own, else the `"*"` default, else none. */
export function policyFor(policies: Readonly<Record<string, TenantPolicy>>, tenant: string): TenantPolicy | undefined {
  return policies[tenant] ?? policies["*"];
}
