import { z } from "zod";
import { isLoopbackHost } from "./auth/loopback";
import type { ErrorCode } from "./errors";
import { tenantPolicySchema } from "./guardrails/policy";
import { MCP_SERVER_NAME } from "./mcp/tool-names";

/** A whole number from `min` to `max`; unset or empty means `fallback`. */
function integer(min: number, max: number, fallback: number) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === "") return fallback;
      const value = Number(raw);
      if (Number.isInteger(value) && value >= min && value <= max) return value;
      ctx.addIssue({ code: "custom", message: `must be a whole number from ${min} to ${max}, not '${raw}'` });
      return z.NEVER;
    });
}

/** One of `values`; unset or empty means `fallback`. */
function oneOf<const T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) {
  return z
    .string()
    .optional()
    .transform((raw, ctx): T[number] => {
      const value = raw?.trim() || fallback;
      if ((values as readonly string[]).includes(value)) return value;
      ctx.addIssue({ code: "custom", message: `must be one of ${values.join(", ")}, not '${raw}'` });
      return z.NEVER;
    });
}

/** A JSON object whose keys match `key` and values match `value`; unset or empty means `{}`. */
function jsonObject<Value extends z.ZodType>(value: Value, what: string, key: z.ZodType<string> = z.string()) {
  return z
    .string()
    .optional()
    .transform((raw, ctx): Record<string, z.output<Value>> => {
      if (!raw?.trim()) return {};
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        ctx.addIssue({ code: "custom", message: "is not valid JSON" });
        return z.NEVER;
      }
      const result = z.record(key, value).safeParse(parsed);
      if (result.success) return result.data;
      const issue = result.error.issues[0];
      const at = issue?.path.length ? ` at '${issue.path.join(".")}'` : "";
      // a bad key's own issue says what is wrong with it
      const cause = issue?.code === "invalid_key" ? (issue.issues[0] ?? issue) : issue;
      ctx.addIssue({
        code: "custom",
        message: `must be a JSON object of ${what}${at}: ${cause?.message ?? "invalid"}`,
      });
      return z.NEVER;
    });
}

/** A duration as seconds: `90`, `90s`, `15m`, `24h` or `7d`, from `min` to `max` seconds; unset means `fallback`. */
function duration(min: number, max: number, fallback: number) {
  const units: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400 };
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === "") return fallback;
      const match = /^(\d+)\s*([smhd]?)$/.exec(raw.trim());
      const seconds = match ? Number(match[1]) * (units[match[2] || "s"] ?? 1) : Number.NaN;
      if (Number.isInteger(seconds) && seconds >= min && seconds <= max) return seconds;
      ctx.addIssue({
        code: "custom",
        message: `must be a duration from ${min}s to ${max / 86_400}d such as 90s, 15m, 24h or 7d, not '${raw}'`,
      });
      return z.NEVER;
    });
}

/** A text setting; unset or empty means `fallback`. */
function text(fallback: string) {
  return z
    .string()
    .optional()
    .transform((raw) => raw?.trim() || fallback);
}

/** An http(s) URL; unset or empty means none. */
function optionalUrl() {
  return z
    .string()
    .optional()
    .transform((raw, ctx): string => {
      const value = raw?.trim() ?? "";
      if (value === "") return "";
      if (URL.canParse(value) && /^https?:$/.test(new URL(value).protocol)) return value.replace(/\/+$/, "");
      ctx.addIssue({ code: "custom", message: `must be an http(s) URL, not '${raw}'` });
      return z.NEVER;
    });
}

/** A comma-separated list of origins (`https://host[:port]`); unset or empty means none. */
function origins() {
  return z
    .string()
    .optional()
    .transform((raw, ctx): string[] => {
      const list = (raw ?? "")
        .split(",")
        .map((item) => item.trim())
        .filter((item) => item.length > 0);
      for (const item of list) {
        if (!URL.canParse(item) || new URL(item).origin !== item) {
          ctx.addIssue({ code: "custom", message: `must be a comma-separated list of origins, not '${item}'` });
          return z.NEVER;
        }
      }
      return list;
    });
}

const modelName = z.string().min(3).max(256);
const tokenLabel = z.string().regex(/^[A-Za-z0-9_.@-]{1,64}$/, "labels are 1-64 characters of [A-Za-z0-9_.@-]");
const tenantName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "tenants are 1-64 characters of [A-Za-z0-9_-]");
const modelSpec = z.strictObject({
  inputPerMillion: z.number().nonnegative().optional(),
  outputPerMillion: z.number().nonnegative().optional(),
  contextWindow: z.number().int().positive().optional(),
});

const mcpServerName = z
  .string()
  .regex(MCP_SERVER_NAME, "MCP server names are 1-24 characters of [a-z0-9-] starting with a letter");
const mcpServer = z.strictObject({
  url: z.url({ protocol: /^https?$/ }).refine((url) => {
    const { protocol, hostname } = new URL(url);
    return protocol === "https:" || isLoopbackHost(hostname);
  }, "must be an https URL (http only for localhost)"),
  timeoutMs: z.number().int().min(100).max(300_000).optional(),
});
// the client sets these itself; a configured one would break the protocol
const CLIENT_HEADERS = /^(mcp-.*|content-type|content-length|accept|host|last-event-id)$/i;
const mcpHeaders = z.record(
  z
    .string()
    .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "is not a header name")
    .refine((name) => !CLIENT_HEADERS.test(name), "is a header the MCP client sets itself"),
  z.string().regex(/^[\t\x20-\x7e]*$/, "header values must be printable ASCII"),
);

/**
 * Every `EDGENT_*` setting (wrangler.toml `[vars]` and secrets) and the standard `OTEL_*`
 * exporter variables Edgent reads, with its bounds and default.
 * A value out of bounds is an error naming the variable, never a silent default.
 */
export const settingsSchema = z.object({
  EDGENT_DEV_MODE: oneOf(["true", "false"], "false"),
  EDGENT_TOKENS: jsonObject(
    z.union([tenantName, z.strictObject({ tenant: tenantName, label: tokenLabel })]),
    'bearer token to tenant (or to {"tenant","label"})',
  ).transform((tokens, ctx) => {
    if (Object.keys(tokens).some((token) => token.length < 8))
      ctx.addIssue({ code: "custom", message: "has a token shorter than 8 characters" });
    return tokens;
  }),
  EDGENT_TICKET_SECRET: text(""),
  EDGENT_DEFAULT_MODEL: text("builtin:echo"),
  EDGENT_AGENT_MODELS: jsonObject(modelName, "agent name to model"),
  EDGENT_DEFAULT_CENTRAL_MODEL: text("builtin:central"),
  EDGENT_CENTRAL_MODELS: jsonObject(modelName, "agent name to model"),
  EDGENT_AGENT_MAX_STEPS: jsonObject(z.number().int().min(1).max(100), "agent name to a step count from 1 to 100"),
  EDGENT_MODEL_SPECS: jsonObject(modelSpec, "model name to {inputPerMillion, outputPerMillion, contextWindow}"),
  EDGENT_ESCALATION: oneOf(["on", "off"], "on"),
  EDGENT_MODEL_MAX_RETRIES: integer(0, 10, 2),
  EDGENT_RETRY_BASE_MS: integer(1, 60_000, 500),
  EDGENT_FALLBACK_MODELS: jsonObject(modelName, "model to fallback model"),
  EDGENT_MODEL_TIMEOUT_MS: integer(1_000, 900_000, 60_000),
  EDGENT_MODEL_FIRST_TOKEN_MS: integer(100, 900_000, 30_000),
  EDGENT_MODEL_IDLE_MS: integer(100, 900_000, 30_000),
  EDGENT_GATEWAY_CONCURRENCY: integer(1, 100_000, 8),
  EDGENT_GATEWAY_SHARDS: integer(1, 256, 1),
  EDGENT_GATEWAY_MAX_WAIT_MS: integer(0, 60_000, 2_000),
  EDGENT_CENTRAL_BUDGET_TOKENS: integer(0, Number.MAX_SAFE_INTEGER, 2_000_000),
  EDGENT_BUDGET_PERIOD: oneOf(["hour", "day", "month"], "day"),
  EDGENT_BREAKER_FAILURES: integer(1, 1_000, 5),
  EDGENT_BREAKER_COOLDOWN_MS: integer(100, 3_600_000, 30_000),
  EDGENT_USAGE_REPORT_SECONDS: integer(1, 3_600, 5),
  EDGENT_WS_TICKET_TTL_MS: integer(1_000, 3_600_000, 60_000),
  EDGENT_TURN_STREAM_BYTES: integer(1_024, 16_777_216, 262_144),
  EDGENT_DELEGATION_MAX_DEPTH: integer(1, 16, 3),
  EDGENT_DELEGATION_MAX_FANOUT: integer(1, 500, 64),
  EDGENT_TASK_TIMEOUT_MS: integer(100, 3_600_000, 120_000),
  EDGENT_DELEGATE_TIMEOUTS_MS: jsonObject(
    z.number().int().min(100).max(3_600_000),
    "'coordinator.delegate' to a task timeout from 100 to 3600000 ms",
  ),
  EDGENT_TASK_RETRY_BASE_SECONDS: integer(0, 3_600, 2),
  EDGENT_DELEGATION_TRANSPORT: oneOf(["queue", "direct"], "queue"),
  EDGENT_TASK_DEAD_LETTER_QUEUE: text("edgent-tasks-dlq"),
  EDGENT_TURN_WAIT_MS: integer(0, 300_000, 25_000),
  EDGENT_MCP_SERVERS: jsonObject(mcpServer, "MCP server name to {url, timeoutMs?}", mcpServerName),
  EDGENT_MCP_HEADERS: jsonObject(mcpHeaders, "MCP server name to {header: value}", mcpServerName),
  EDGENT_AGENT_MCP_SERVERS: jsonObject(z.array(mcpServerName).max(16), "agent name to a list of MCP server names"),
  EDGENT_MCP_TIMEOUT_MS: integer(100, 300_000, 10_000),
  EDGENT_MCP_TOOLS_TTL_MS: integer(0, 86_400_000, 300_000),
  EDGENT_MCP_ALLOWED_ORIGINS: origins(),
  EDGENT_POLICIES: jsonObject(tenantPolicySchema, 'tenant (or "*" for every other tenant) to policy'),
  EDGENT_APPROVAL_TTL: duration(1, 30 * 86_400, 86_400),
  EDGENT_TRACING: oneOf(["on", "off"], "on"),
  EDGENT_TRACE_CONTENT: oneOf(["on", "off"], "off"),
  EDGENT_TRACE_MAX_SPANS: integer(10, 10_000_000, 20_000),
  EDGENT_TRACE_MAX_AGE_SECONDS: integer(1, 31_536_000, 604_800),
  EDGENT_TRACE_EXPORT_TIMEOUT_MS: integer(100, 60_000, 3_000),
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalUrl(),
  OTEL_EXPORTER_OTLP_HEADERS: text(""),
  OTEL_SERVICE_NAME: text("edgent"),
});
export type Settings = z.output<typeof settingsSchema>;
export type SettingName = keyof Settings;

/** Settings a turn reads: which models, how they are called and when they escalate. */
export const MODEL_SETTINGS = [
  "EDGENT_DEFAULT_MODEL",
  "EDGENT_AGENT_MODELS",
  "EDGENT_DEFAULT_CENTRAL_MODEL",
  "EDGENT_CENTRAL_MODELS",
  "EDGENT_AGENT_MAX_STEPS",
  "EDGENT_MODEL_SPECS",
  "EDGENT_ESCALATION",
  "EDGENT_MODEL_MAX_RETRIES",
  "EDGENT_RETRY_BASE_MS",
  "EDGENT_FALLBACK_MODELS",
  "EDGENT_MODEL_TIMEOUT_MS",
  "EDGENT_MODEL_FIRST_TOKEN_MS",
  "EDGENT_MODEL_IDLE_MS",
  "EDGENT_BREAKER_FAILURES",
  "EDGENT_BREAKER_COOLDOWN_MS",
] as const satisfies readonly SettingName[];

/** Settings the tenant's gateway reads, besides the model settings. */
export const GATEWAY_SETTINGS = [
  ...MODEL_SETTINGS,
  "EDGENT_GATEWAY_CONCURRENCY",
  "EDGENT_GATEWAY_SHARDS",
  "EDGENT_GATEWAY_MAX_WAIT_MS",
  "EDGENT_CENTRAL_BUDGET_TOKENS",
  "EDGENT_BUDGET_PERIOD",
] as const satisfies readonly SettingName[];

/** Settings of delegation to sub-agents and of waiting for a turn. */
export const DELEGATION_SETTINGS = [
  "EDGENT_DELEGATION_MAX_DEPTH",
  "EDGENT_DELEGATION_MAX_FANOUT",
  "EDGENT_TASK_TIMEOUT_MS",
  "EDGENT_DELEGATE_TIMEOUTS_MS",
  "EDGENT_TASK_RETRY_BASE_SECONDS",
  "EDGENT_DELEGATION_TRANSPORT",
  "EDGENT_TASK_DEAD_LETTER_QUEUE",
  "EDGENT_TURN_WAIT_MS",
] as const satisfies readonly SettingName[];

/** Settings of the MCP servers agents use (their tools, in turns). */
export const MCP_CLIENT_SETTINGS = [
  "EDGENT_MCP_SERVERS",
  "EDGENT_MCP_HEADERS",
  "EDGENT_AGENT_MCP_SERVERS",
  "EDGENT_MCP_TIMEOUT_MS",
  "EDGENT_MCP_TOOLS_TTL_MS",
] as const satisfies readonly SettingName[];
/** Settings of governance: tenant policies and how long an approval may wait. */
export const GOVERNANCE_SETTINGS = ["EDGENT_POLICIES", "EDGENT_APPROVAL_TTL"] as const satisfies readonly SettingName[];
/** Settings of tracing and its export; a bad one turns the part it governs off, never a turn. */
export const TRACE_SETTINGS = [
  "EDGENT_TRACING",
  "EDGENT_TRACE_CONTENT",
  "EDGENT_TRACE_MAX_SPANS",
  "EDGENT_TRACE_MAX_AGE_SECONDS",
  "EDGENT_TRACE_EXPORT_TIMEOUT_MS",
  "OTEL_EXPORTER_OTLP_ENDPOINT",
  "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
  "OTEL_EXPORTER_OTLP_HEADERS",
  "OTEL_SERVICE_NAME",
] as const satisfies readonly SettingName[];

/** The settings of one environment: every value (defaults where a value is bad) and what is bad. */
export class LoadedSettings {
  constructor(
    readonly values: Settings,
    /** variable → why its value cannot be used */
    readonly problems: ReadonlyMap<SettingName, string>,
  ) {}

  /** Why the named settings cannot be used, naming the first bad variable; null if they can. */
  problem(names: readonly SettingName[]): string | null {
    for (const name of names) {
      const problem = this.problems.get(name);
      if (problem) return `${name} ${problem}`;
    }
    return null;
  }

  /** The settings, or a failure (503) naming the first bad variable among `names`. */
  require(
    names: readonly SettingName[],
    code: Extract<ErrorCode, "model_misconfigured" | "misconfigured"> = "misconfigured",
  ): { ok: true; settings: Settings } | { ok: false; failure: { code: typeof code; message: string } } {
    const problem = this.problem(names);
    return problem ? { ok: false, failure: { code, message: problem } } : { ok: true, settings: this.values };
  }
}

/** Values a bad setting falls back to instead of its default: a bad tracing setting turns spans off. */
const WHEN_BAD: Partial<Settings> = { EDGENT_TRACING: "off" };

/** Reads every setting, each on its own so one bad value names itself and spoils nothing else. */
export function parseSettings(env: Partial<Record<SettingName, unknown>>): LoadedSettings {
  const values: Record<string, unknown> = {};
  const problems = new Map<SettingName, string>();
  for (const [name, schema] of Object.entries(settingsSchema.shape) as Array<[SettingName, z.ZodType]>) {
    const raw = env[name];
    // `wrangler dev --var` and test bindings may hand over numbers or booleans
    const result = schema.safeParse(typeof raw === "number" || typeof raw === "boolean" ? String(raw) : raw);
    if (result.success) values[name] = result.data;
    else {
      problems.set(name, result.error.issues[0]?.message ?? "is invalid");
      values[name] = name in WHEN_BAD ? WHEN_BAD[name] : schema.parse(undefined);
    }
  }
  return new LoadedSettings(values as Settings, problems);
}

// the environment object is fixed for an isolate's life: parse it once
const cache = new WeakMap<object, LoadedSettings>();

/** The settings of `env`, parsed once per environment object. */
export function settingsOf(env: object): LoadedSettings {
  let loaded = cache.get(env);
  if (!loaded) {
    loaded = parseSettings(env as Partial<Record<SettingName, unknown>>);
    cache.set(env, loaded);
  }
  return loaded;
}
