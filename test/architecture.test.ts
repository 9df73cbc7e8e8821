// it runs in Node (the unit project); the project's types are workerd's, so Node's are named here
/// <reference types="node" />
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..");

/** Every TypeScript source file under `folder`, tests left out. */
function sources(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return name === "node_modules" ? [] : sources(path);
    return path.endsWith(".ts") && !path.endsWith(".test.ts") && !path.endsWith(".d.ts") ? [path] : [];
  });
}

/** The project files a file imports, type-only imports included. */
function imports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const found = [...text.matchAll(/(?:import|export)\s[^;]*?from\s+"(\.{1,2}\/[^"]+)"/g)];
  return found.map((match) => {
    const target = resolve(dirname(file), match[1] as string);
    return target.endsWith(".ts") ? target : `${target}.ts`;
  });
}

/** One import cycle among `files`, or null. */
function findCycle(files: readonly string[]): string[] | null {
  const graph = new Map(files.map((file) => [file, imports(file).filter((target) => files.includes(target))]));
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (file: string): string[] | null => {
    if (state.get(file) === "done") return null;
    if (state.get(file) === "open") return [...path.slice(path.indexOf(file)), file];
    state.set(file, "open");
    path.push(file);
    for (const target of graph.get(file) ?? []) {
      const cycle = visit(target);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(file, "done");
    return null;
  };
  for (const file of files) {
    const cycle = visit(file);
    if (cycle) return cycle.map((f) => relative(ROOT, f));
  }
  return null;
}

/** The packages a file imports by name (not by a relative path). */
function packages(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/(?:import|export)\s[^;]*?from\s+"([^./][^"]*)"/g)].map((match) => match[1] as string);
}

/** Every project file `entry` reaches through imports, itself included. */
function reachable(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const target of imports(file)) visit(target);
  };
  visit(entry);
  return [...seen];
}

describe("the code's shape", () => {
  const all = ["durable-objects", "workers", "shared", "client"].flatMap((folder) => sources(join(ROOT, folder)));

  it("has no import cycle, type-only imports included", () => {
    expect(findCycle(all)).toBeNull();
  });

  it("casts Durable Object stubs only in the stub module", () => {
    const casting = all.filter((file) => readFileSync(file, "utf8").includes("as unknown as"));
    expect(casting.map((file) => relative(ROOT, file))).toEqual(["durable-objects/stubs.ts"]);
  });

  it("keeps the client to the contracts, zod, fetch and WebSocket, so it runs in browsers, Workers and Node", () => {
    const files = reachable(join(ROOT, "client/index.ts")).map((file) => relative(ROOT, file));
    const allowed = (file: string) =>
      file.startsWith("client/") || file.startsWith("shared/contracts/") || file === "shared/errors.ts";
    expect(files.filter((file) => !allowed(file))).toEqual([]);
    const named = new Set(files.flatMap((file) => packages(join(ROOT, file))));
    expect([...named]).toEqual(["zod"]);
  });

  it("keeps every source file under 400 lines", () => {
    const long = all.filter((file) => readFileSync(file, "utf8").split("\n").length > 400);
    expect(long.map((file) => relative(ROOT, file))).toEqual([]);
  });
});
