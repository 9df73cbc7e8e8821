import type { Fact, FactMemory } from "../../../shared/agents/define";

type Row = Record<string, SqlStorageValue>;

/** Facts the agent's tools remember in the session's SQL memory. */
export class SessionFacts implements FactMemory {
  constructor(private readonly sql: SqlStorage) {}

  remember(key: string, value: string): Fact {
    const updatedAt = new Date().toISOString();
    this.sql.exec(
      "INSERT INTO edgent_facts (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
      key,
      value,
      updatedAt,
    );
    return { key, value, updatedAt };
  }

  recall(query?: string): Fact[] {
    const rows = query?.trim()
      ? this.sql.exec<Row>(
          "SELECT * FROM edgent_facts WHERE key LIKE ?1 ESCAPE '\\' OR value LIKE ?1 ESCAPE '\\' ORDER BY updated_at DESC LIMIT 50",
          `%${query.trim().replace(/[\\%_]/g, "\\$&")}%`,
        )
      : this.sql.exec<Row>("SELECT * FROM edgent_facts ORDER BY updated_at DESC LIMIT 50");
    return rows.toArray().map((row) => ({
      key: String(row.key),
      value: String(row.value),
      updatedAt: String(row.updated_at),
    }));
  }
}
