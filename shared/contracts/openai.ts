// The OpenAI Chat Completions wire format, as far as Edgent speaks it. Requests are read
// loosely (clients send fields this runtime ignores); what Edgent cannot honour is refused by
// shared/protocols/openai-request.ts with a clear 400.
import { z } from "zod";
import { turnResponseSchema } from "./message";

/** A part of a message's content: text, or a kind Edgent refuses (images, audio, files). */
const contentPartSchema = z.looseObject({ type: z.string(), text: z.string().optional() });

/** One message of a chat completion request. */
export const openAiMessageSchema = z.looseObject({
  role: z.enum(["system", "developer", "user", "assistant", "tool", "function"]),
  content: z.union([z.string(), z.array(contentPartSchema), z.null()]).optional(),
  name: z.string().optional(),
  tool_calls: z.array(z.unknown()).optional(),
  tool_call_id: z.string().optional(),
});
export type OpenAiMessage = z.infer<typeof openAiMessageSchema>;

/** Body of POST /v1/chat/completions. `model` names one of the tenant's agents. */
export const chatCompletionRequestSchema = z
  .looseObject({
    model: z.string().min(1).max(64).describe("an agent's name (GET /v1/models)"),
    messages: z.array(openAiMessageSchema).min(1).max(10_000),
    stream: z.boolean().nullish(),
    stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
    n: z.number().int().nullish(),
    tools: z.array(z.unknown()).nullish(),
    tool_choice: z.unknown().optional(),
    functions: z.array(z.unknown()).nullish(),
    function_call: z.unknown().optional(),
    logprobs: z.boolean().nullish(),
    top_logprobs: z.number().int().nullish(),
    audio: z.unknown().optional(),
    modalities: z.array(z.string()).nullish(),
    response_format: z.looseObject({ type: z.string() }).nullish(),
    prediction: z.unknown().optional(),
    web_search_options: z.unknown().optional(),
  })
  .meta({ id: "ChatCompletionRequest" });
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;

/** Token counts in OpenAI's names. */
export const completionUsageSchema = z.object({
  prompt_tokens: z.number().int().nonnegative(),
  completion_tokens: z.number().int().nonnegative(),
  total_tokens: z.number().int().nonnegative(),
});
export type CompletionUsage = z.infer<typeof completionUsageSchema>;

/** What Edgent adds to a completion: which session and turn answered, and which model. */
export const edgentCompletionInfoSchema = z.object({
  sessionId: z.string().optional(),
  turnId: z.string(),
  status: turnResponseSchema.shape.status,
  answeredBy: z.object({ model: z.string(), tier: z.enum(["local", "central"]) }),
});

/** Response of POST /v1/chat/completions (not streamed). */
export const chatCompletionSchema = z
  .object({
    id: z.string(),
    object: z.literal("chat.completion"),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(
      z.object({
        index: z.number().int(),
        message: z.object({ role: z.literal("assistant"), content: z.string(), refusal: z.null() }),
        finish_reason: z.enum(["stop", "length"]),
        logprobs: z.null(),
      }),
    ),
    usage: completionUsageSchema,
    edgent: edgentCompletionInfoSchema,
  })
  .meta({ id: "ChatCompletion" });
export type ChatCompletion = z.infer<typeof chatCompletionSchema>;

/** One `data:` event of a streamed completion; the stream ends with `data: [DONE]`. */
export const chatCompletionChunkSchema = z
  .object({
    id: z.string(),
    object: z.literal("chat.completion.chunk"),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(
      z.object({
        index: z.number().int(),
        delta: z.object({ role: z.literal("assistant").optional(), content: z.string().optional() }),
        finish_reason: z.enum(["stop", "length"]).nullable(),
      }),
    ),
    /** only on the last chunk (with empty `choices`), when `stream_options.include_usage` is set */
    usage: completionUsageSchema.nullish(),
  })
  .meta({ id: "ChatCompletionChunk" });
export type ChatCompletionChunk = z.infer<typeof chatCompletionChunkSchema>;

/** An agent as a model. */
export const openAiModelSchema = z
  .object({ id: z.string(), object: z.literal("model"), created: z.number().int(), owned_by: z.string() })
  .meta({ id: "Model" });
export type OpenAiModel = z.infer<typeof openAiModelSchema>;

/** Response of GET /v1/models. */
export const openAiModelListSchema = z.object({ object: z.literal("list"), data: z.array(openAiModelSchema) });
export type OpenAiModelList = z.infer<typeof openAiModelListSchema>;

/** OpenAI's error envelope, used by the OpenAI-compatible routes (and in-band in their streams). */
export const openAiErrorSchema = z
  .object({
    error: z.object({
      message: z.string(),
      type: z.string(),
      /** Edgent's error code (shared/errors.ts), or `model_not_found` */
      code: z.string().nullable(),
      /** the request field at fault, when one is */
      param: z.string().nullable(),
    }),
  })
  .meta({ id: "OpenAIError" });
export type OpenAiError = z.infer<typeof openAiErrorSchema>;
