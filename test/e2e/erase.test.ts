import { describe, expect, it } from "vitest";
import { useRuntime } from "../support/fixture.ts";
import { LiveClient, streamTurn } from "../support/live-client.ts";

// a stalled model call is never timed out here: only the erase can end it
const suite = useRuntime({ EDGENT_MODEL_FIRST_TOKEN_MS: "900000", EDGENT_MODEL_TIMEOUT_MS: "900000" });

describe("erasing a session", () => {
  it("erases at once while a turn streams, cancelling it and the turns queued behind it", async () => {
    const { api, runtime } = suite;
    const sessionId = await api.session();
    const watcher = await LiveClient.connect(runtime.url, sessionId);
    const streaming = streamTurn(runtime.url, sessionId, { content: "/slow 99999 never" });
    await watcher.waitFor((f) => f.type === "turn" && f.status === "started");
    const queued = api.post(`/v1/sessions/${sessionId}/messages`, { content: "queued behind" });
    const erased = await api.delete(`/v1/sessions/${sessionId}`);
    expect(erased.status).toBe(204);
    const { events } = await streaming;
    expect(events.some((e) => e.frame.type === "turn" && e.frame.status === "cancelled")).toBe(true);
    // whether it was queued or came after the erase, it finds no session
    expect((await queued).status).toBe(404);
    expect((await watcher.closed).code).toBe(1000);
    expect((await api.get(`/v1/sessions/${sessionId}`)).status).toBe(404);
  });
});
