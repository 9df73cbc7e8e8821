import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Client } from "../support/client.ts";
import { LiveClient, streamTurn, UpgradeRefused } from "../support/live-client.ts";
import { startRuntime } from "../support/runtime.ts";
import { objectDatabases } from "../support/storage.ts";

const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

async function upgradeStatus(connecting: Promise<LiveClient>): Promise<number> {
  try {
    (await connecting).close();
    return 101;
  } catch (error) {
    if (error instanceof UpgradeRefused) return error.status;
    throw error;
  }
}

describe("storage of sessions that do not exist", () => {
  it("keeps nothing for any request that answers not found, and erases a deleted session's tables", async () => {
    const persistPath = mkdtempSync(join(tmpdir(), "edgent-storage-"));
    folders.push(persistPath);
    const runtime = await startRuntime({ vars: { EDGENT_DEV_MODE: "true" }, persistPath });
    const api = new Client(runtime.url);
    let kept: string;
    try {
      kept = await api.session();
      await api.say(kept, "a session that stays");
      const erased = await api.session();
      await api.say(erased, "a session that goes");
      expect((await api.delete(`/v1/sessions/${erased}`)).status).toBe(204);
      // another tenant's session is not found for dev2, and holds its data
      expect((await api.withToken("dev-token-2").get(`/v1/sessions/${kept}`)).status).toBe(404);

      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((await api.get(`/v1/sessions/absent-${i}`)).status);
      const absent = "absent-everything";
      statuses.push(
        (await api.get(`/v1/sessions/${absent}/messages`)).status,
        (await api.get(`/v1/sessions/${absent}/tasks`)).status,
        (await api.get(`/v1/sessions/${absent}/tasks/${crypto.randomUUID()}`)).status,
        (await api.get(`/v1/sessions/${kept}/tasks/${crypto.randomUUID()}`)).status,
        (await api.post(`/v1/sessions/${absent}/messages`, { content: "hello?" })).status,
        (await streamTurn(runtime.url, absent, { content: "hello?" })).status,
        (await api.post(`/v1/sessions/${absent}/ws-ticket`)).status,
        (await api.post(`/v1/sessions/${absent}/turns/${crypto.randomUUID()}/cancel`)).status,
        (await api.delete(`/v1/sessions/${absent}`)).status,
        await upgradeStatus(LiveClient.connect(runtime.url, absent)),
      );
      expect(statuses).toEqual(Array(statuses.length).fill(404));
      const forged =
        "eyJ0IjoiZGV2IiwicyI6ImFic2VudCIsImUiOjk5OTk5OTk5OTk5OTksIm4iOiJBQUFBQUFBQUFBQUFBQUFBQUFBQSJ9.AAAA";
      expect(await upgradeStatus(LiveClient.connect(runtime.url, "absent", { ticket: forged }))).toBe(401);

      // a session looked up before it exists can still be created at once
      expect((await api.get("/v1/sessions/later")).status).toBe(404);
      expect((await api.post("/v1/sessions", { agent: "assistant", sessionId: "later" })).status).toBe(201);
      expect((await api.say("later", "now it exists")).reply.content).toBe("now it exists");
    } finally {
      await runtime.dispose();
    }
    const withTables = objectDatabases(persistPath).filter((db) => db.tables.length > 0);
    // the kept session and "later": nothing else holds a table
    expect(withTables).toHaveLength(2);
  });
});
