import { describe, expect, it } from "vitest";
import type { ServerFrame } from "../../../shared/contracts/frames";
import type { Message, TurnResponse } from "../../../shared/contracts/message";
import { type NumberedFrame, TurnRecording } from "./turn-recording";

const delta = (text: string): ServerFrame => ({ type: "delta", turnId: "t", text });
const status = (value: "started" | "waiting" = "started"): ServerFrame => ({
  type: "turn",
  turnId: "t",
  status: value,
});
const stored = (seq: number, content: string): ServerFrame => ({
  type: "message",
  message: { seq, role: "assistant", content, turnId: "t", createdAt: "2026-01-01T00:00:00.000Z" } as Message,
});

function record(recording: TurnRecording, frames: ServerFrame[]): void {
  for (const frame of frames) recording.add(frame);
}

/** The text a reader of these frames shows for the step in flight. */
function text(frames: Array<ServerFrame | NumberedFrame>): string {
  return frames
    .map((entry) => ("frame" in entry ? entry.frame : entry))
    .flatMap((frame) => (frame.type === "delta" ? [frame.text] : []))
    .join("");
}

describe("TurnRecording", () => {
  it("numbers frames from 1 and gives a reader every frame after the one it names, deltas merged", () => {
    const recording = new TurnRecording("t", 10_000);
    record(recording, [status(), stored(1, "hi"), delta("a"), delta("b"), delta("c")]);
    expect(recording.since(0)).toEqual([
      { n: 1, frame: status() },
      { n: 2, frame: stored(1, "hi") },
      { n: 5, frame: delta("abc") },
    ]);
    // a reader that had the first delta gets the rest of the run, numbered as its last piece
    expect(recording.since(3)).toEqual([{ n: 5, frame: delta("bc") }]);
    expect(recording.since(4)).toEqual([{ n: 5, frame: delta("c") }]);
    expect(recording.since(5)).toEqual([]);
  });

  it("gives a follower what it missed, then each frame live, then the end", () => {
    const recording = new TurnRecording("t", 10_000);
    record(recording, [status(), delta("a")]);
    const heard: Array<NumberedFrame | null> = [];
    recording.follow(1, (entry) => heard.push(entry));
    recording.add(delta("b"));
    recording.end();
    recording.add(delta("late"));
    expect(heard).toEqual([{ n: 2, frame: delta("a") }, { n: 3, frame: delta("b") }, null]);
    expect(recording.followed).toBe(false);
  });

  it("ends a follower at once when the stream has ended, and reopens when the turn goes on", () => {
    const recording = new TurnRecording("t", 10_000);
    record(recording, [status(), status("waiting")]);
    recording.end();
    expect(recording.ended).toBe(true);
    const heard: Array<NumberedFrame | null> = [];
    recording.follow(1, (entry) => heard.push(entry));
    expect(heard).toEqual([{ n: 2, frame: status("waiting") }, null]);
    recording.add(status());
    expect(recording.ended).toBe(false);
    expect(recording.since(2)).toEqual([{ n: 3, frame: status() }]);
  });

  it("catches a client up on the step in flight: the turn's status, then its text since the last stored message", () => {
    const recording = new TurnRecording("t", 10_000);
    record(recording, [
      status(),
      stored(1, "q"),
      delta("calling"),
      stored(2, "calling"),
      delta("the "),
      delta("answer"),
    ]);
    expect(recording.catchUp()).toEqual([status(), delta("the answer")]);
    recording.add(stored(3, "the answer"));
    expect(recording.catchUp()).toEqual([status()]);
  });

  it("keeps the frames a step's escalation or discard came with, in order", () => {
    const recording = new TurnRecording("t", 10_000);
    const escalated: ServerFrame = { type: "event", turnId: "t", name: "escalated", data: {} };
    record(recording, [status(), stored(1, "q"), delta("local"), escalated, delta("central")]);
    expect(recording.catchUp()).toEqual([status(), delta("local"), escalated, delta("central")]);
  });

  it("keeps the last part of a turn that outgrows its cap, and says what is missing", () => {
    const recording = new TurnRecording("t", 400);
    record(recording, [status(), stored(1, "q")]);
    const words = Array.from({ length: 200 }, (_, i) => `w${i} `);
    for (const word of words) recording.add(delta(word));
    const all = words.join("");
    const read = recording.since(0);
    expect(recording.truncated).toBe(true);
    expect(read[0]?.frame).toEqual({ type: "truncated", turnId: "t", through: read[0]?.n });
    const kept = text(read);
    // the end of the text is kept, whole pieces only, and no more than the cap
    expect(all.endsWith(kept)).toBe(true);
    expect(kept.length).toBeGreaterThan(100);
    expect(kept.length).toBeLessThanOrEqual(400);
    // a reader past what was dropped reads on without a gap marker
    const last = read.at(-1) as NumberedFrame;
    recording.add(delta("end"));
    expect(recording.since(last.n)).toEqual([{ n: last.n + 1, frame: delta("end") }]);
    // the catch-up says the step's start is missing, then shows what is kept
    const catchUp = recording.catchUp();
    expect(catchUp.map((frame) => frame.type)).toEqual(["turn", "truncated", "delta"]);
    expect(text(catchUp)).toBe(text(recording.since(0)));
    expect(`${all}end`.endsWith(text(catchUp))).toBe(true);
  });

  it("keeps the latest frame even when it alone is over the cap", () => {
    const recording = new TurnRecording("t", 100);
    record(recording, [status(), stored(1, "q"), delta("x".repeat(300))]);
    expect(recording.since(0).map((entry) => entry.frame.type)).toEqual(["truncated", "delta"]);
    const done: ServerFrame = {
      type: "done",
      body: { turnId: "t", reply: { content: "y".repeat(300) } } as TurnResponse,
    };
    recording.add(done);
    expect(recording.since(0)).toEqual([
      { n: 3, frame: { type: "truncated", turnId: "t", through: 3 } },
      { n: 4, frame: done },
    ]);
  });

  it("numbers a recording made after a restart past any id of the earlier life", () => {
    const recording = new TurnRecording("t", 10_000, 1_700_000_000_000);
    recording.add(status());
    const read = recording.since(57);
    expect(read.map((entry) => entry.frame.type)).toEqual(["truncated", "turn"]);
    expect(read[1]?.n).toBe(1_700_000_000_001);
    expect(recording.since(1_700_000_000_000)).toEqual([{ n: 1_700_000_000_001, frame: status() }]);
  });
});
