import { describe, expect, it } from "vitest";
import { type IdentifiedSseEvent, readIdentifiedSse, readSse, type SseEvent } from "./sse";

/** A byte stream that delivers `text` in the given pieces. */
function streamOf(pieces: string[]): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const piece of pieces) controller.enqueue(bytes.encode(piece));
      controller.close();
    },
  });
}

async function read(pieces: string[]): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for await (const event of readSse(streamOf(pieces))) events.push(event);
  return events;
}

describe("readSse", () => {
  it.each([
    ["named events", ['event: delta\ndata: {"a":1}\n\n'], [{ event: "delta", data: '{"a":1}' }]],
    [
      "unnamed events as message",
      ["data: x\n\ndata: y\n\n"],
      [
        { event: "message", data: "x" },
        { event: "message", data: "y" },
      ],
    ],
    [
      "an event split anywhere",
      ["ev", "ent: turn\nda", 'ta: {"b"', ":2}\n", "\n"],
      [{ event: "turn", data: '{"b":2}' }],
    ],
    [
      "CRLF and CR line ends",
      ["data: a\r\n\r\ndata: b\r\rdata: c\r", "\n\r\n"],
      [
        { event: "message", data: "a" },
        { event: "message", data: "b" },
        { event: "message", data: "c" },
      ],
    ],
    ["multi-line data joined with newlines", ["data: one\ndata: two\n\n"], [{ event: "message", data: "one\ntwo" }]],
    [
      "comments and unknown fields skipped",
      [": keep-alive\nid: 7\nretry: 10\ndata: z\n\n"],
      [{ event: "message", data: "z" }],
    ],
    ["no space after the colon", ["data:tight\n\n"], [{ event: "message", data: "tight" }]],
    [
      "an event cut off before its blank line as nothing",
      ["data: a\n\ndata: [DONE]\n"],
      [{ event: "message", data: "a" }],
    ],
    ["blank lines alone dispatch nothing", ["\n\n\n"], []],
  ])("reads %s", async (_name, pieces, expected) => {
    expect(await read(pieces)).toEqual(expected);
  });

  it("reads characters whose bytes are split across chunks", async () => {
    const bytes = new TextEncoder().encode("data: \u00e9t\u00e9 \u{1f600}\n\n");
    const pieces = [bytes.slice(0, 7), bytes.slice(7, 13), bytes.slice(13)];
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const piece of pieces) controller.enqueue(piece);
        controller.close();
      },
    });
    const events: SseEvent[] = [];
    for await (const event of readSse(stream)) events.push(event);
    expect(events).toEqual([{ event: "message", data: "\u00e9t\u00e9 \u{1f600}" }]);
  });
});

describe("readIdentifiedSse", () => {
  it("gives each event the stream's last event id: set by an id field, kept across events, NUL ids ignored", async () => {
    const events: IdentifiedSseEvent[] = [];
    const pieces = [
      "data: a\n\nevent: delta\nid: t:1\ndata: b\n\ndata: c\n\nid: t:3\0\ndata: d\n\nid: t:4\ndata: e\n\n",
    ];
    for await (const event of readIdentifiedSse(streamOf(pieces))) events.push(event);
    expect(events).toEqual([
      { event: "message", data: "a", lastEventId: "" },
      { event: "delta", data: "b", lastEventId: "t:1" },
      { event: "message", data: "c", lastEventId: "t:1" },
      { event: "message", data: "d", lastEventId: "t:1" },
      { event: "message", data: "e", lastEventId: "t:4" },
    ]);
  });
});
