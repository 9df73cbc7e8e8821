import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";

/** One Durable Object's SQLite database in a persisted runtime's folder. */
export interface ObjectDatabase {
  file: string;
  bytes: number;
  /** tables it holds (the runtime's own and the agents SDK's) */
  tables: string[];
}

/**
 * The SQLite databases of one Durable Object class under a runtime's persist folder (read
 * after the runtime is disposed, so workerd has let go of them).
 */
export function objectDatabases(persistPath: string, className = "edgent-SessionAgent"): ObjectDatabase[] {
  const folder = join(persistPath, "do", className);
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return [];
  }
  return names
    .filter((name) => name.endsWith(".sqlite") && name !== "metadata.sqlite")
    .map((name) => {
      const file = join(folder, name);
      const db = new DatabaseSync(file, { readOnly: true });
      try {
        const tables = db
          .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
          .all()
          .map((row) => String(row.name));
        const wal = `${file}-wal`;
        const bytes = statSync(file).size + (safeSize(wal) ?? 0);
        return { file, bytes, tables };
      } finally {
        db.close();
      }
    });
}

function safeSize(file: string): number | null {
  try {
    return statSync(file).size;
  } catch {
    return null;
  }
}
