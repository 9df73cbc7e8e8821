import { z } from "zod";
import { defineTool } from "./define";

/**
 * The runtime's question tool: offer it as `ask_user` and the model asks instead of guessing.
 * The turn ends with status `input_required` and the question as its reply; the user's next
 * message continues the task with the answer in context. Nothing else of that step runs.
 */
export const askUser = defineTool({
  description:
    "Ask the user a clarifying question when the request is ambiguous or lacks something you need, instead of guessing. Ask before doing anything with side effects. The turn ends with your question; the user's answer arrives as their next message.",
  parameters: z.object({
    question: z.string().min(1).max(2_000).describe("the question, specific enough to answer in a few words"),
  }),
  execute: () => ({ asked: true, note: "the question was put to the user; their answer is their next message" }),
});
