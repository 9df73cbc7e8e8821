import { type OutputUnit, type Schema, type SchemaDraft, Validator } from "@cfworker/json-schema";

/** A tool's arguments checked against its JSON Schema: valid, or why not (what the model is told). */
export type ArgumentCheck = (value: unknown) => { ok: true } | { ok: false; error: string };

/** JSON Schema dialects the validator implements, by their `$schema` URI (2020-12 when absent, as MCP says). */
const DIALECTS: Readonly<Record<string, SchemaDraft>> = {
  "json-schema.org/draft/2020-12/schema": "2020-12",
  "json-schema.org/draft/2019-09/schema": "2019-09",
  "json-schema.org/draft-07/schema": "7",
  "json-schema.org/draft-04/schema": "4",
};

/** Bounds on a server's schema, so a hostile one cannot make every call expensive. */
const MAX_SCHEMA_CHARS = 100_000;
const MAX_SCHEMA_DEPTH = 32;

/** Keywords whose failure only says that a nested schema failed: the nested error says what. */
const WRAPPERS = new Set(["properties", "patternProperties", "items", "prefixItems", "allOf", "$ref", "false"]);

/**
 * Compiles an MCP tool's `inputSchema` into a check that runs in workerd (no code generation).
 * The schema must describe an object, use a dialect the validator knows, stay within size
 * bounds and refer only to itself (`$ref` to a network URI is never fetched): otherwise the
 * tool is not offered, with the reason.
 */
export function compileInputSchema(
  schema: unknown,
): { ok: true; check: ArgumentCheck; schema: Record<string, unknown> } | { ok: false; error: string } {
  if (!isObject(schema) || schema.type !== "object")
    return { ok: false, error: "its inputSchema is not an object schema" };
  const text = JSON.stringify(schema);
  if (text.length > MAX_SCHEMA_CHARS)
    return { ok: false, error: `its inputSchema is over ${MAX_SCHEMA_CHARS} characters` };
  const shape = shapeProblem(schema, 0);
  if (shape) return { ok: false, error: `its inputSchema ${shape}` };
  const declared = typeof schema.$schema === "string" ? schema.$schema : undefined;
  const draft = declared === undefined ? "2020-12" : DIALECTS[declared.replace(/^https?:\/\//, "").replace(/#$/, "")];
  if (!draft) return { ok: false, error: `its inputSchema uses the unsupported dialect '${declared}'` };
  let validator: Validator;
  try {
    // the validator annotates the schema it is given: keep the server's copy as it came
    validator = new Validator(JSON.parse(text) as Schema, draft, false);
  } catch (error) {
    return { ok: false, error: `its inputSchema cannot be compiled (${errorText(error)})` };
  }
  const check: ArgumentCheck = (value) => {
    try {
      const result = validator.validate(value);
      return result.valid ? { ok: true } : { ok: false, error: describe(result.errors) };
    } catch (error) {
      return { ok: false, error: `the tool's input schema cannot be evaluated (${errorText(error)})` };
    }
  };
  return { ok: true, check, schema };
}

/** Up to three specific errors, each with the argument it concerns. */
function describe(errors: readonly OutputUnit[]): string {
  const specific = errors.filter((unit) => !WRAPPERS.has(unit.keyword));
  const lines = (specific.length > 0 ? specific : errors).slice(0, 3).map((unit) => {
    const at = unit.instanceLocation.replace(/^#\/?/, "").replaceAll("/", ".");
    return `${at || "(arguments)"}: ${unit.error}`;
  });
  return lines.join("; ");
}

/** Too deep, or a `$ref` outside the schema: what makes a schema unusable here, if anything. */
function shapeProblem(node: unknown, depth: number): string | null {
  if (depth > MAX_SCHEMA_DEPTH) return `nests deeper than ${MAX_SCHEMA_DEPTH} levels`;
  if (Array.isArray(node)) {
    for (const item of node) {
      const problem = shapeProblem(item, depth + 1);
      if (problem) return problem;
    }
    return null;
  }
  if (!isObject(node)) return null;
  for (const [key, value] of Object.entries(node)) {
    if (key === "$ref" && typeof value === "string" && !value.startsWith("#"))
      return `refers to '${value}', which is not fetched`;
    const problem = shapeProblem(value, depth + 1);
    if (problem) return problem;
  }
  return null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "unknown error";
}
