import { describe, expect, it } from "vitest";
import type { ServerFrame } from "../../../shared/contracts/frames";
import type { TurnResponse } from "../../../shared/contracts/message";
import { edgentEncoder } from "../../../shared/protocols/frame-encoder";
import { ENDED_KEPT, ENDED_KEPT_MS, readRecording, TurnStreams } from "./turn-streams";

const delta = (text: string): ServerFrame => ({ type: "delta", turnId: "t", text });
const started: ServerFrame = { type: "turn", turnId: "t", status: "started" };
const body = { turnId: "t", status: "completed" } as TurnResponse;

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Array<{ id: string; frame: ServerFrame }>> {
  const text = await new Response(stream).text();
  return text
    .split("\n\n")
    .filter(Boolean)
    .map((event) => ({
      id: /^id: (.*)$/m.exec(event)?.[1] ?? "",
      frame: JSON.parse(/^data: (.*)$/m.exec(event)?.[1] ?? "null") as ServerFrame,
    }));
}

const none = { emit: () => undefined };

describe("TurnStreams", () => {
  it("gives a reader that joins late the frames so far, then the live ones, then the turn's end", async () => {
    const streams = new TurnStreams(10_000);
    const sink = streams.sink("t", none);
    sink.emit(started);
    sink.emit(delta("a"));
    sink.emit(delta("b"));
    const recording = streams.get("t");
    if (!recording) throw new Error("nothing held");
    const { stream } = readRecording(recording, 0, edgentEncoder());
    sink.emit(delta("c"));
    streams.settle("t", { status: "completed", response: body }, "s");
    // deltas recorded back to back are kept as one; the live one follows; ids number every frame
    expect(await readAll(stream)).toEqual([
      { id: "t:1", frame: started },
      { id: "t:3", frame: delta("ab") },
      { id: "t:4", frame: delta("c") },
      { id: "t:5", frame: { type: "done", body } },
    ]);
  });

  it("passes every frame on after recording it", () => {
    const heard: ServerFrame[] = [];
    const streams = new TurnStreams(10_000);
    streams.sink("t", { emit: (frame) => heard.push(frame) }).emit(started);
    expect(heard).toEqual([started]);
    expect(streams.get("t")?.since(0)).toEqual([{ n: 1, frame: started }]);
  });

  it("ends a turn that never ran with its refusal, and one that ran with nothing more", () => {
    const streams = new TurnStreams(10_000);
    streams.open("a");
    streams.settle("a", { status: "superseded" }, "s");
    expect(
      streams
        .get("a")
        ?.since(0)
        .map((entry) => entry.frame.type),
    ).toEqual(["error"]);
    streams.sink("b", none).emit({ type: "error", error: { code: "model_error", message: "x", turnId: "b" } });
    streams.settle("b", { status: "failed", failure: { code: "model_error", message: "x", turnId: "b" } }, "s");
    streams.settle("b", { status: "failed", failure: { code: "model_error", message: "x", turnId: "b" } }, "s");
    expect(
      streams
        .get("b")
        ?.since(0)
        .map((entry) => entry.frame.type),
    ).toEqual(["error"]);
  });

  it("keeps the last few ended turns' streams for a while, and the running one always", () => {
    const streams = new TurnStreams(10_000);
    streams.sink("running", none).emit(started);
    const ended = Array.from({ length: ENDED_KEPT + 2 }, (_, i) => `ended-${i}`);
    for (const turnId of ended) {
      streams.sink(turnId, none).emit(started);
      streams.settle(turnId, { status: "completed", response: { ...body, turnId } }, "s");
    }
    expect(ended.filter((turnId) => streams.get(turnId))).toEqual(ended.slice(-ENDED_KEPT));
    expect(streams.get("running")).toBeDefined();
    expect(streams.get(ended.at(-1) as string, Date.now() + ENDED_KEPT_MS + 1)).toBeUndefined();
    expect(streams.get("running", Date.now() + ENDED_KEPT_MS + 1)).toBeDefined();
  });

  it("catches a connecting client up on the turns under way only", () => {
    const streams = new TurnStreams(10_000);
    const done = streams.sink("done", none);
    done.emit({ type: "turn", turnId: "done", status: "started" });
    streams.settle("done", { status: "completed", response: { ...body, turnId: "done" } }, "s");
    streams.open("queued");
    const running = streams.sink("t", none);
    running.emit(started);
    running.emit(delta("par"));
    running.emit(delta("tial"));
    expect(streams.catchUp()).toEqual([started, delta("partial")]);
  });

  it("says whether anyone reads a turn's stream", () => {
    const streams = new TurnStreams(10_000);
    const recording = streams.open("t");
    expect(streams.followed("t")).toBe(false);
    const { stream } = readRecording(recording, 0, edgentEncoder());
    expect(streams.followed("t")).toBe(true);
    streams.settle("t", { status: "completed", response: body }, "s");
    expect(streams.followed("t")).toBe(false);
    void stream.cancel();
  });
});
