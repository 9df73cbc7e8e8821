import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADDED_COLUMNS, SESSION_SCHEMA } from "../../durable-objects/session/schema";

const COLUMNS = `SELECT m.name AS tableName, p.name, p.type, p."notnull", p.dflt_value, p.pk FROM sqlite_master m
  JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name LIKE 'edgent_%' ORDER BY m.name, p.name`;

describe("session schema (inside workerd)", () => {
  it("creates a new object's tables exactly as an old object's are migrated", async () => {
    // a new object takes the one-step path when it is constructed
    const fresh = await runInDurableObject(env.SESSIONS.getByName(`dev:schema-${crypto.randomUUID()}`), (_i, state) =>
      state.storage.sql.exec(COLUMNS).toArray(),
    );
    const migrated = await runInDurableObject(
      env.SESSIONS.getByName(`dev:schema-${crypto.randomUUID()}`),
      (_i, state) => {
        const { sql } = state.storage;
        const tables = sql.exec<{ name: string }>(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'edgent_%'",
        );
        for (const { name } of tables.toArray()) sql.exec(`DROP TABLE ${name}`);
        // the first shipped tables, then every column added since, as an old object gets them
        sql.exec(SESSION_SCHEMA);
        for (const [table, column, definition] of ADDED_COLUMNS) {
          const exists = sql.exec(`SELECT 1 FROM pragma_table_info('${table}') WHERE name = ?`, column).toArray();
          if (exists.length === 0) sql.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
        }
        return sql.exec(COLUMNS).toArray();
      },
    );
    expect(fresh).toEqual(migrated);
    expect(fresh.length).toBeGreaterThan(50);
  });
});
