import { describe, expect, it } from "vitest";
import { edgentEncoder } from "./frame-encoder";

describe("Edgent's SSE encoding", () => {
  it("keeps the event line first, then the id, then the data, so readers that find events by their first line still do", () => {
    const frame = { type: "delta", turnId: "t-1", text: "hi" } as const;
    expect(edgentEncoder().encode(frame, "t-1:4")).toBe(`event: delta\nid: t-1:4\ndata: ${JSON.stringify(frame)}\n\n`);
    expect(edgentEncoder().encode(frame)).toBe(`event: delta\ndata: ${JSON.stringify(frame)}\n\n`);
  });
});
