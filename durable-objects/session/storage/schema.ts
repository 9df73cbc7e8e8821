/** Tables of a session's memory. History lives here, never in the agent's 2 MB state row. */
export const SESSION_SCHEMA = `
CREATE TABLE IF NOT EXISTS edgent_session (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  tenant TEXT NOT NULL,
  session_id TEXT NOT NULL,
  agent TEXT NOT NULL,
  created_at TEXT NOT NULL,
  input_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0,
  model_calls INTEGER NOT NULL DEFAULT 0,
  summary TEXT NOT NULL DEFAULT '',
  summary_through_seq INTEGER NOT NULL DEFAULT 0,
  on_busy TEXT
);
CREATE TABLE IF NOT EXISTS edgent_messages (
  seq INTEGER PRIMARY KEY,
  turn_id TEXT NOT NULL,
  role TEXT NOT NULL,
  content TEXT NOT NULL,
  tokens INTEGER NOT NULL,
  in_context INTEGER NOT NULL DEFAULT 1,
  tool_calls TEXT,
  tool_call_id TEXT,
  tool_name TEXT,
  is_error INTEGER,
  cancelled INTEGER,
  created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS edgent_turns (
  id TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  model TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  steps INTEGER NOT NULL DEFAULT 0,
  input_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0,
  model_calls INTEGER NOT NULL DEFAULT 0,
  error_code TEXT,
  error_message TEXT
);
CREATE TABLE IF NOT EXISTS edgent_model_calls (
  id INTEGER PRIMARY KEY,
  turn_id TEXT NOT NULL,
  purpose TEXT NOT NULL,
  model TEXT NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  latency_ms INTEGER NOT NULL,
  finish_reason TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS edgent_turns_pending ON edgent_turns (id) WHERE status = 'pending';
CREATE TABLE IF NOT EXISTS edgent_idempotency (
  key TEXT PRIMARY KEY,
  request_hash TEXT NOT NULL,
  turn_id TEXT NOT NULL,
  response TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS edgent_idempotency_created ON edgent_idempotency (created_at);
CREATE TABLE IF NOT EXISTS edgent_reporting (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  through_id INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS edgent_tickets (
  hash TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS edgent_tasks (
  id TEXT PRIMARY KEY,
  turn_id TEXT NOT NULL,
  call_id TEXT NOT NULL,
  agent TEXT NOT NULL,
  input TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  result TEXT,
  error TEXT,
  fallback_for TEXT,
  depth INTEGER NOT NULL,
  chain TEXT NOT NULL,
  trace_id TEXT NOT NULL,
  deadline INTEGER NOT NULL,
  sent INTEGER NOT NULL DEFAULT 0,
  resolved INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  completed_at TEXT
);
CREATE INDEX IF NOT EXISTS edgent_tasks_turn ON edgent_tasks (turn_id);
CREATE TABLE IF NOT EXISTS edgent_task_origin (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  task TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  status TEXT NOT NULL,
  turn_id TEXT,
  result TEXT,
  error TEXT
);
CREATE TABLE IF NOT EXISTS edgent_facts (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS edgent_approvals (
  id TEXT PRIMARY KEY,
  turn_id TEXT NOT NULL,
  call_id TEXT NOT NULL,
  tool TEXT NOT NULL,
  run_args TEXT,
  shown_args TEXT NOT NULL,
  reason TEXT NOT NULL,
  agent TEXT NOT NULL,
  origin_session TEXT NOT NULL,
  task_id TEXT,
  status TEXT NOT NULL,
  requested_at TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  decided_at TEXT,
  decided_by TEXT,
  decision_reason TEXT,
  relayed INTEGER NOT NULL DEFAULT 0,
  resolved INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS edgent_approvals_turn ON edgent_approvals (turn_id);
`;

/** Columns added after a table was first shipped, before schema versions were kept. */
export const ADDED_COLUMNS: ReadonlyArray<readonly [table: string, column: string, definition: string]> = [
  ["edgent_messages", "cancelled", "INTEGER"],
  ["edgent_session", "on_busy", "TEXT"],
  ["edgent_session", "cost_nanos", "INTEGER NOT NULL DEFAULT 0"],
  ["edgent_session", "escalations", "INTEGER NOT NULL DEFAULT 0"],
  ["edgent_model_calls", "tier", "TEXT NOT NULL DEFAULT 'local'"],
  ["edgent_model_calls", "cost_nanos", "INTEGER NOT NULL DEFAULT 0"],
  ["edgent_turns", "cost_nanos", "INTEGER NOT NULL DEFAULT 0"],
  ["edgent_turns", "answered_by", "TEXT"],
  ["edgent_turns", "escalation", "TEXT"],
  ["edgent_turns", "first_seq", "INTEGER"],
];

/** Columns added since schema versions are kept, each added by its own migration below. */
export const VERSIONED_COLUMNS: ReadonlyArray<readonly [table: string, column: string, definition: string]> = [
  // 3: the decision on an approval, on the message of the call it held
  ["edgent_messages", "approval", "TEXT"],
  // 4: which life of the session id this is: tenant usage reports are told apart by it
  ["edgent_session", "incarnation", "TEXT"],
  // 5: the W3C trace context a task carries, and when it was sent
  ["edgent_tasks", "traceparent", "TEXT"],
  ["edgent_tasks", "sent_at", "INTEGER"],
];

/**
 * Tables added by migration 5: a session's spans (one row per turn, or per task delivery, its
 * spans a JSON array: one insert per turn), and its finished turns' facts waiting to be
 * reported to the tenant's metrics (the cursor holds the batch in flight, so a re-sent batch
 * counts once).
 */
export const TRACE_TABLES = `
CREATE TABLE IF NOT EXISTS edgent_spans (
  id INTEGER PRIMARY KEY,
  turn_id TEXT UNIQUE,
  trace_id TEXT NOT NULL,
  group_ms INTEGER NOT NULL,
  spans INTEGER NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS edgent_model_calls_turn ON edgent_model_calls (turn_id);
CREATE TABLE IF NOT EXISTS edgent_turn_metrics (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  turn_id TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL,
  facts TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS edgent_metrics_cursor (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  through_id INTEGER NOT NULL,
  pending_through INTEGER
);
`;

function addColumnsWhereMissing(sql: SqlStorage, columns: typeof ADDED_COLUMNS): void {
  for (const [table, column, definition] of columns) {
    const exists = sql.exec(`SELECT 1 FROM pragma_table_info('${table}') WHERE name = ?`, column).toArray();
    if (exists.length === 0) sql.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
  }
}

/** The words for a turn that waits (for sub-agents or an approval), indexed because at most one row has them. */
const WAITING_INDEX =
  "CREATE INDEX IF NOT EXISTS edgent_turns_waiting ON edgent_turns (id) WHERE status IN ('waiting', 'awaiting_approval');";

/** Changes since the first shipped schema, in order; an object runs each once, on wake. */
const MIGRATIONS: ReadonlyArray<(sql: SqlStorage) => void> = [
  // 1: the columns added before versions were kept, each only where it is missing
  (sql) => addColumnsWhereMissing(sql, ADDED_COLUMNS),
  // 2: a waiting turn was once called 'pending'
  (sql) => {
    sql.exec("UPDATE edgent_turns SET status = 'waiting' WHERE status = 'pending'");
    sql.exec("DROP INDEX IF EXISTS edgent_turns_pending");
    sql.exec(WAITING_INDEX);
  },
  // 3: approvals (their table is created with the others); a message records the decision on its
  // call, and a turn may wait for an approval too
  (sql) => {
    addColumnsWhereMissing(sql, VERSIONED_COLUMNS.slice(0, 1));
    sql.exec("DROP INDEX IF EXISTS edgent_turns_waiting");
    sql.exec(WAITING_INDEX);
  },
  // 4: the session's incarnation
  (sql) => addColumnsWhereMissing(sql, VERSIONED_COLUMNS.slice(1, 2)),
  // 5: tracing (spans, a task's trace context) and turn metrics
  (sql) => {
    addColumnsWhereMissing(sql, VERSIONED_COLUMNS.slice(2, 4));
    sql.exec(TRACE_TABLES);
  },
];

/** The first shipped tables, with today's index of waiting turns. */
const TABLES = SESSION_SCHEMA.replace(/^CREATE INDEX IF NOT EXISTS edgent_turns_pending .*$/m, WAITING_INDEX);

const VERSION_TABLE =
  "CREATE TABLE IF NOT EXISTS edgent_schema (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);";

/**
 * The whole latest schema for an object that has no tables yet, in one step: the added
 * columns are part of each CREATE TABLE, so a new object (every delegated task gets one)
 * runs no ALTER TABLE.
 */
export const FRESH_SCHEMA = `${[...ADDED_COLUMNS, ...VERSIONED_COLUMNS].reduce(
  (schema, [table, column, definition]) => {
    const start = schema.indexOf(`CREATE TABLE IF NOT EXISTS ${table} (`);
    const end = schema.indexOf("\n);", start);
    if (start < 0 || end < 0) throw new Error(`schema has no table ${table}`);
    // some were added to the CREATE TABLE itself later on
    if (schema.slice(start, end).includes(`\n  ${column} `)) return schema;
    return `${schema.slice(0, end)},\n  ${column} ${definition}${schema.slice(end)}`;
  },
  TABLES,
)}
${TRACE_TABLES}
${VERSION_TABLE}
INSERT INTO edgent_schema (id, version) VALUES (1, ${MIGRATIONS.length});`;

/**
 * Brings a session object's tables to the latest schema: creates them all on a new object,
 * or runs the migrations an older one has not run yet. Two small reads on an up-to-date one.
 */
export function migrateSchema(sql: SqlStorage): void {
  const tables = new Set(
    sql
      .exec<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('edgent_session', 'edgent_schema')",
      )
      .toArray()
      .map((row) => row.name),
  );
  if (!tables.has("edgent_session")) {
    sql.exec(FRESH_SCHEMA);
    return;
  }
  const version = tables.has("edgent_schema")
    ? Number(sql.exec<{ version: number }>("SELECT version FROM edgent_schema WHERE id = 1").one().version)
    : 0;
  if (version >= MIGRATIONS.length) return;
  // tables added since the first release are created where they are missing
  sql.exec(TABLES);
  for (const migration of MIGRATIONS.slice(version)) migration(sql);
  sql.exec(VERSION_TABLE);
  sql.exec("INSERT OR REPLACE INTO edgent_schema (id, version) VALUES (1, ?)", MIGRATIONS.length);
}
