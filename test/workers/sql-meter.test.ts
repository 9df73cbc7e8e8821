import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { SqlMeter } from "../../durable-objects/session/storage/sql-meter";

describe("SQL meter (inside workerd)", () => {
  it("counts the rows workerd's own cursors count, and starts again after each take", async () => {
    await runInDurableObject(env.SESSIONS.getByName(`dev:meter-${crypto.randomUUID()}`), (_i, state) => {
      const raw = state.storage.sql;
      const meter = new SqlMeter(raw);
      const { sql } = meter;
      sql.exec("CREATE TABLE meter_t (id INTEGER PRIMARY KEY, v TEXT)");
      meter.take();

      // the same statements straight on the storage, to compare with what the meter says
      const statements: Array<[string, ...unknown[]]> = [
        ["INSERT INTO meter_t (v) VALUES (?), (?), (?)", "a", "b", "c"],
        ["UPDATE meter_t SET v = 'x' WHERE id > 1"],
        ["SELECT * FROM meter_t"],
      ];
      let read = 0;
      let written = 0;
      for (const [query, ...bindings] of statements) {
        const cursor = raw.exec(query, ...bindings);
        cursor.toArray();
        read += cursor.rowsRead;
        written += cursor.rowsWritten;
      }
      raw.exec("DELETE FROM meter_t");
      for (const [query, ...bindings] of statements) sql.exec(query, ...bindings).toArray();

      const footprint = meter.take();
      expect(written).toBeGreaterThanOrEqual(5);
      expect(footprint.rowsRead).toBe(read);
      expect(footprint.rowsWritten).toBe(written);
      expect(footprint.databaseBytes).toBe(raw.databaseSize);
      expect(meter.take()).toMatchObject({ rowsRead: 0, rowsWritten: 0 });
    });
  });

  it("counts rows a cursor reads after exec returned, and many statements in a row", async () => {
    await runInDurableObject(env.SESSIONS.getByName(`dev:meter-${crypto.randomUUID()}`), (_i, state) => {
      const meter = new SqlMeter(state.storage.sql);
      const { sql } = meter;
      sql.exec("CREATE TABLE meter_u (id INTEGER PRIMARY KEY)");
      for (let i = 0; i < 200; i++) sql.exec("INSERT INTO meter_u (id) VALUES (?)", i);
      meter.take();
      const cursor = sql.exec("SELECT id FROM meter_u");
      for (let i = 0; i < 100; i++) sql.exec("INSERT INTO meter_u (id) VALUES (?)", 1_000 + i);
      // iterated after a hundred other statements were noted (SQLite steps it lazily: it sees them)
      const rows = [...cursor].length;
      expect(rows).toBe(300);
      const footprint = meter.take();
      expect(footprint.rowsWritten).toBe(100);
      expect(footprint.rowsRead).toBeGreaterThanOrEqual(rows);
    });
  });
});
