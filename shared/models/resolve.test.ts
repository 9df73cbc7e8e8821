import { APICallError, RetryError } from "ai";
import { describe, expect, it } from "vitest";
import { classifyModelFailure } from "./failure";
import { parseModelName, resolveModel } from "./resolve";

describe("model names", () => {
  it("splits provider:model, keeping colons in the model id", () => {
    expect(parseModelName("openai:gpt-4o-mini")).toEqual({ provider: "openai", modelId: "gpt-4o-mini" });
    expect(parseModelName("openai:llama3.1:8b")).toEqual({ provider: "openai", modelId: "llama3.1:8b" });
    expect(parseModelName("workers-ai:@cf/meta/llama-3.1-8b-instruct")).toMatchObject({ provider: "workers-ai" });
  });

  it.each([["gpt-4o"], ["openai:"], [":model"], ["acme:model"]])("rejects %s", (name) => {
    expect(parseModelName(name)).toHaveProperty("error");
  });

  it("says which setting a provider is missing", () => {
    expect(resolveModel("openai:gpt-4o", {})).toEqual({ ok: false, error: expect.stringContaining("OPENAI_BASE_URL") });
    expect(resolveModel("workers-ai:@cf/x", {})).toEqual({ ok: false, error: expect.stringContaining("AI binding") });
    const openai = resolveModel("openai:gpt-4o", { OPENAI_BASE_URL: "http://127.0.0.1:1/v1" });
    expect(openai.ok && openai.model.modelId).toBe("gpt-4o");
    const builtin = resolveModel("builtin:echo", {});
    expect(builtin.ok && builtin.model.provider).toBe("builtin");
  });
});

describe("model failures", () => {
  const apiError = (statusCode: number | undefined) =>
    new APICallError({ message: "x", url: "http://m", requestBodyValues: {}, statusCode, isRetryable: true });

  it.each([
    [429, "model_unavailable"],
    [503, "model_unavailable"],
    [undefined, "model_unavailable"],
    [500, "model_error"],
    [400, "model_error"],
  ])("classifies HTTP %s as %s", (status, code) => {
    expect(classifyModelFailure(apiError(status), "openai:m")).toMatchObject({ code });
  });

  it("counts the attempts of a retried failure", () => {
    const error = new RetryError({
      message: "failed",
      reason: "maxRetriesExceeded",
      errors: [apiError(500), apiError(500), apiError(500)],
    });
    expect(classifyModelFailure(error, "openai:m")).toEqual({
      code: "model_error",
      message: "model 'openai:m' answered HTTP 500 after 3 attempts",
    });
  });
});
