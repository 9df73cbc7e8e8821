import { describe, expect, it } from "vitest";
import { uiChatRequestSchema } from "../contracts/ui-chat";
import { planUiTurn } from "./ui-chat-request";

const body = (messages: unknown[]) => uiChatRequestSchema.parse({ id: "c", messages, trigger: "submit-message" });
const user = (parts: unknown[]) => ({ id: "u", role: "user", parts });

describe("planUiTurn", () => {
  it("runs the last message's text, whatever history the client sends with it", () => {
    const history = [
      user([{ type: "text", text: "old" }]),
      { id: "a", role: "assistant", parts: [{ type: "step-start" }] },
    ];
    const plan = planUiTurn(
      body([
        ...history,
        user([
          { type: "text", text: "new " },
          { type: "text", text: "one" },
        ]),
      ]),
    );
    expect(plan).toEqual({ ok: true, content: "new one" });
  });

  it.each([
    [[{ id: "a", role: "assistant", parts: [{ type: "text", text: "x" }] }], "validation_failed", "messages: "],
    [[user([{ type: "file", mediaType: "image/png", url: "data:," }])], "unsupported", "messages.0.parts.0: "],
    [[user([{ type: "text", text: "" }])], "validation_failed", "messages.0.parts: "],
    [[user([{ type: "text", text: "\ud800" }])], "validation_failed", "messages.0.parts: "],
  ])("refuses %j", (messages, code, prefix) => {
    const plan = planUiTurn(body(messages));
    expect(plan).toMatchObject({ ok: false, code });
    expect(!plan.ok && plan.message.startsWith(prefix)).toBe(true);
  });
});
