import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { migrateSchema, SESSION_SCHEMA } from "../../durable-objects/session/storage/schema";

const COLUMNS = `SELECT m.name AS tableName, p.name, p.type, p."notnull", p.dflt_value, p.pk FROM sqlite_master m
  JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name LIKE 'edgent_%' ORDER BY m.name, p.name`;
const INDEXES =
  "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND name LIKE 'edgent_%' ORDER BY name";

function describeSchema(sql: SqlStorage) {
  return {
    columns: sql.exec(COLUMNS).toArray(),
    indexes: sql.exec(INDEXES).toArray(),
    version: sql.exec("SELECT version FROM edgent_schema").toArray(),
  };
}

describe("session schema (inside workerd)", () => {
  it("migrates an object made by the first release to exactly the schema a new object gets", async () => {
    // a new object takes the one-step path when it is constructed
    const fresh = await runInDurableObject(env.SESSIONS.getByName(`dev:schema-${crypto.randomUUID()}`), (_i, state) =>
      describeSchema(state.storage.sql),
    );
    const migrated = await runInDurableObject(
      env.SESSIONS.getByName(`dev:schema-${crypto.randomUUID()}`),
      (_i, state) => {
        const { sql } = state.storage;
        for (const { name } of sql
          .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'edgent_%'")
          .toArray()) {
          sql.exec(`DROP TABLE ${name}`);
        }
        // the tables as the first release made them, with a turn that waited under its old name
        sql.exec(SESSION_SCHEMA);
        sql.exec(
          "INSERT INTO edgent_turns (id, status, model, started_at) VALUES ('t1', 'pending', 'builtin:echo', 'x')",
        );
        migrateSchema(sql);
        const once = describeSchema(sql);
        migrateSchema(sql);
        expect(describeSchema(sql)).toEqual(once);
        expect(sql.exec("SELECT status FROM edgent_turns WHERE id = 't1'").one().status).toBe("waiting");
        return once;
      },
    );
    expect(migrated).toEqual(fresh);
    expect(fresh.columns.length).toBeGreaterThan(50);
    expect(fresh.indexes.map((index) => index.name)).toContain("edgent_turns_waiting");
    expect(fresh.indexes.map((index) => index.name)).not.toContain("edgent_turns_pending");
  });
});
