import { AIChatAgent } from "@cloudflare/ai-chat";
import { routeAgentRequest } from "agents";
import { convertToModelMessages, streamText } from "ai";
import { BuiltinModel } from "../../shared/models/builtin";

/** Bindings of the peer worker (a benchmark fixture, not part of the product). */
interface PeerEnv {
  ChatAgent: DurableObjectNamespace<ChatAgent>;
}

// Edgent's offline model: answers at once and counts input tokens with Edgent's own rule
// (~4 characters a token, 4 a message), so both systems' input tokens compare like for like.
const model = new BuiltinModel("builtin");

/** The package README's quick start, with the mock model in place of Workers AI. */
export class ChatAgent extends AIChatAgent {
  override async onChatMessage() {
    const result = streamText({
      model,
      messages: await convertToModelMessages(this.messages),
    });

    // the one addition to the README: the model's input tokens ride on the reply's metadata,
    // where the benchmark's client reads them. Sent at the step's end because AIChatAgent
    // replaces the metadata of the final `finish` chunk with its own `{ finishReason }`; every
    // reply here is one step, so the step's usage is the turn's.
    return result.toUIMessageStreamResponse({
      messageMetadata: ({ part }) =>
        part.type === "finish-step" ? { inputTokens: part.usage.inputTokens ?? 0 } : undefined,
    });
  }
}

/** Routes /agents/chat-agent/:name (WebSocket and /get-messages) to its agent, as the SDK does. */
export default {
  async fetch(request, env) {
    return (await routeAgentRequest(request, env)) ?? new Response("Not found", { status: 404 });
  },
} satisfies ExportedHandler<PeerEnv>;
