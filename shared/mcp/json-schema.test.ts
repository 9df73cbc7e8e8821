import { describe, expect, it } from "vitest";
import { compileInputSchema } from "./json-schema";

const add = {
  type: "object",
  properties: { a: { type: "number" }, b: { type: "number" } },
  required: ["a", "b"],
  additionalProperties: false,
};

function checker(schema: unknown) {
  const compiled = compileInputSchema(schema);
  if (!compiled.ok) throw new Error(compiled.error);
  return compiled.check;
}

describe("MCP input schemas", () => {
  it("accepts arguments that match and names each argument that does not", () => {
    const check = checker(add);
    expect(check({ a: 1, b: 2 })).toEqual({ ok: true });
    const bad = check({ a: "x", c: 1 });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.error).toContain('b"');
    expect(bad.error).toContain('a: Instance type "string" is invalid. Expected "number".');
    expect(bad.error).toContain('Property "c" does not match additional properties schema');
  });

  it.each([
    ["http://json-schema.org/draft-07/schema#", { a: 1 }, true],
    ["https://json-schema.org/draft/2020-12/schema", { a: 1 }, true],
    ["http://json-schema.org/draft-04/schema#", { a: "1" }, false],
    [undefined, { a: "1" }, false],
  ])("reads the dialect %s from $schema", (dialect, value, valid) => {
    const schema = { $schema: dialect, type: "object", properties: { a: { type: "integer" } } };
    expect(checker(schema)(value).ok).toBe(valid);
  });

  it("follows a $ref inside the schema", () => {
    const check = checker({
      type: "object",
      $defs: { name: { type: "string", minLength: 2 } },
      properties: { name: { $ref: "#/$defs/name" } },
    });
    expect(check({ name: "ab" }).ok).toBe(true);
    expect(check({ name: "a" }).ok).toBe(false);
  });

  it.each([
    [{ type: "string" }, "not an object schema"],
    [null, "not an object schema"],
    [{ type: "object", $schema: "https://example.com/my-dialect" }, "unsupported dialect"],
    [{ type: "object", properties: { a: { $ref: "https://example.com/a.json" } } }, "which is not fetched"],
    [{ type: "object", properties: { a: { description: "x".repeat(100_001) } } }, "over 100000 characters"],
    [{ type: "object", $defs: { a: { $id: "x" }, b: { $id: "x" } } }, "cannot be compiled"],
  ])("refuses the schema %j", (schema, reason) => {
    const compiled = compileInputSchema(schema);
    expect(compiled.ok).toBe(false);
    if (!compiled.ok) expect(compiled.error).toContain(reason);
  });

  it("refuses a schema nested too deep", () => {
    let schema: Record<string, unknown> = { type: "string" };
    for (let depth = 0; depth < 20; depth++) schema = { type: "object", properties: { x: schema } };
    const compiled = compileInputSchema(schema);
    expect(compiled.ok).toBe(false);
  });

  it("reports a schema that cannot be evaluated instead of throwing", () => {
    const check = checker({ type: "object", properties: { a: { type: "string", pattern: "(" } } });
    const result = check({ a: "x" });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain("cannot be evaluated");
  });
});
