// The agents SDK sets up its own tables in every new object's constructor: some forty separate
// statements, eighteen of them ALTER TABLEs (each re-reads the whole schema, six throw a caught
// "duplicate column"). Every delegated task gets a new object, so a fan-out paid this per task:
// a quarter of the sub-agents' CPU in the profile. The first new object of an isolate runs the
// SDK's own setup and keeps what it created; later new objects create the same tables, in
// their final shape, in one statement. An object that already has tables always takes the
// SDK's own path (its migrations), and so does a new object whose SDK setup differs.

/** What the SDK's setup created in a new object, as `sqlite_master` records it. */
interface SdkSchema {
  ddl: string;
  /** the SDK's schema version key and the value it stored */
  versions: ReadonlyArray<readonly [key: string, value: unknown]>;
}

let snapshot: SdkSchema | null = null;

/** The names and statements of an object's own schema objects (not SQLite's or the runtime's). */
function schemaObjects(sql: SqlStorage): Array<{ name: string; sql: string }> {
  return sql
    .exec<{ name: string; sql: string }>(
      "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' ORDER BY rowid",
    )
    .toArray();
}

/** The SDK's keys in the object's synchronous key-value storage. */
function sdkKeys(kv: SyncKvStorage): Array<[string, unknown]> {
  return [...kv.list({ prefix: "cf_agents:" })];
}

/**
 * Sets up the SDK's tables: `setup` (the SDK's own) on an object that has any, and on the
 * first new object of this isolate, whose result is kept; a replay of that in one step on
 * every later new object.
 */
export function ensureSdkSchema(storage: DurableObjectStorage, setup: () => void): "replayed" | "set_up" {
  // the key-value read first: an object that has lived before answers without a table scan
  const fresh = sdkKeys(storage.kv).length === 0 && schemaObjects(storage.sql).length === 0;
  if (fresh && snapshot) {
    storage.sql.exec(snapshot.ddl);
    for (const [key, value] of snapshot.versions) storage.kv.put(key, value);
    return "replayed";
  }
  setup();
  if (fresh) {
    const created = schemaObjects(storage.sql);
    snapshot = {
      ddl: created.map((object) => `${object.sql};`).join("\n"),
      versions: sdkKeys(storage.kv),
    };
  }
  return "set_up";
}
