import { describe, expect, it } from "vitest";
import type { ServerFrame } from "../../../shared/contracts/frames";
import { edgentEncoder } from "../../../shared/protocols/frame-encoder";
import { TurnRecording, TurnStreams } from "./turn-streams";

const delta = (text: string): ServerFrame => ({ type: "delta", turnId: "t", text });
const started: ServerFrame = { type: "turn", turnId: "t", status: "started" };

async function readAll(stream: ReadableStream<Uint8Array>): Promise<ServerFrame[]> {
  const text = await new Response(stream).text();
  return text
    .split("\n\n")
    .filter(Boolean)
    .map((event) => JSON.parse(event.split("\ndata: ")[1] as string) as ServerFrame);
}

describe("TurnStreams", () => {
  it("gives a reader that joins late the frames so far, then the live ones, then the end", async () => {
    const streams = new TurnStreams();
    const recording = new TurnRecording();
    streams.track(recording);
    recording.emit(started);
    recording.emit(delta("a"));
    recording.emit(delta("b"));
    const joined = streams.join(edgentEncoder());
    if (!joined) throw new Error("nothing to join");
    recording.emit(delta("c"));
    recording.end();
    // deltas recorded back to back are kept as one; the live one follows
    expect(await readAll(joined)).toEqual([started, delta("ab"), delta("c")]);
  });

  it("has nothing to join when no turn runs, or once it ended", () => {
    const streams = new TurnStreams();
    expect(streams.join(edgentEncoder())).toBeNull();
    const recording = new TurnRecording();
    streams.track(recording);
    expect(streams.join(edgentEncoder())).not.toBeNull();
    recording.end();
    expect(streams.join(edgentEncoder())).toBeNull();
  });

  it("joins the latest turn, and an earlier turn ending does not forget it", () => {
    const streams = new TurnStreams();
    const first = new TurnRecording();
    const second = new TurnRecording();
    streams.track(first);
    streams.track(second);
    first.end();
    second.emit(started);
    expect(streams.join(edgentEncoder())).not.toBeNull();
  });

  it("does not offer a recording that grew past its bound", () => {
    const streams = new TurnStreams();
    const recording = new TurnRecording();
    streams.track(recording);
    for (let i = 0; i < 10_001; i++) recording.emit({ type: "event", turnId: "t", name: "n", data: { i } });
    expect(streams.join(edgentEncoder())).toBeNull();
  });
});
