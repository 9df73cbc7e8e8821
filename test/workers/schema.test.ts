import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Agent } from "agents";
import { describe, expect, it } from "vitest";
import { migrateSchema, SESSION_SCHEMA } from "../../durable-objects/session/storage/schema";
import { ensureSdkSchema } from "../../durable-objects/session/storage/sdk-schema";

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

/** Every table and index but the runtime's own, as `sqlite_master` has them, and the SDK's version keys. */
function describeAll(state: DurableObjectState) {
  return {
    objects: state.storage.sql
      .exec(
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' ORDER BY name",
      )
      .toArray(),
    versions: [...state.storage.kv.list({ prefix: "cf_agents:" })],
  };
}

/** Leaves an object with no tables and no SDK version keys, as a new object starts. */
function emptyStorage(state: DurableObjectState): void {
  const { sql, kv } = state.storage;
  for (const { name } of sql
    .exec<{ name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
    )
    .toArray()) {
    sql.exec(`DROP TABLE ${name}`);
  }
  for (const [key] of kv.list({ prefix: "cf_agents:" })) kv.delete(key);
}

describe("the agents SDK's tables (inside workerd)", () => {
  it("replays on a new object exactly the tables and versions the SDK's own setup makes", async () => {
    // constructing a first object makes sure this isolate holds the SDK's setup to replay
    await runInDurableObject(env.SESSIONS.getByName(`dev:sdk-${crypto.randomUUID()}`), () => undefined);
    const replayed = await runInDurableObject(env.SESSIONS.getByName(`dev:sdk-${crypto.randomUUID()}`), (_i, state) => {
      emptyStorage(state);
      const how = ensureSdkSchema(state.storage, () => {
        throw new Error("the SDK's setup ran instead of the replay");
      });
      return { how, ...describeAll(state) };
    });
    const setUp = await runInDurableObject(
      env.SESSIONS.getByName(`dev:sdk-${crypto.randomUUID()}`),
      (instance, state) => {
        emptyStorage(state);
        // biome-ignore lint/complexity/useLiteralKeys: protected in the SDK's types; this runs the SDK's own setup
        Agent.prototype["_ensureSchema"].call(instance);
        return describeAll(state);
      },
    );
    expect(replayed.how).toBe("replayed");
    expect(replayed.objects).toEqual(setUp.objects);
    expect(replayed.versions).toEqual(setUp.versions);
    expect(setUp.objects.map((object) => object.name)).toContain("cf_agents_workflows");
    expect(setUp.versions.map(([key]) => key)).toContain("cf_agents:schema_version");
  });

  it("runs the SDK's own setup on an object that already has tables", async () => {
    await runInDurableObject(env.SESSIONS.getByName(`dev:sdk-${crypto.randomUUID()}`), (_i, state) => {
      let ran = false;
      expect(ensureSdkSchema(state.storage, () => (ran = true))).toBe("set_up");
      expect(ran).toBe(true);
    });
  });
});
