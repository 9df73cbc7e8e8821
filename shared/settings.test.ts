import { describe, expect, it } from "vitest";
import { DELEGATION_SETTINGS, MODEL_SETTINGS, parseSettings, settingsOf } from "./settings";

describe("settings", () => {
  it("gives every setting its default when unset or empty", () => {
    const { values, problems } = parseSettings({ EDGENT_MODEL_MAX_RETRIES: "", EDGENT_BUDGET_PERIOD: " " });
    expect(problems.size).toBe(0);
    expect(values).toMatchObject({
      EDGENT_DEV_MODE: "false",
      EDGENT_DEFAULT_MODEL: "builtin:echo",
      EDGENT_DEFAULT_CENTRAL_MODEL: "builtin:central",
      EDGENT_AGENT_MODELS: {},
      EDGENT_MODEL_MAX_RETRIES: 2,
      EDGENT_BUDGET_PERIOD: "day",
      EDGENT_DELEGATION_MAX_DEPTH: 3,
      EDGENT_DELEGATION_MAX_FANOUT: 64,
      EDGENT_TASK_TIMEOUT_MS: 120_000,
      EDGENT_TASK_RETRY_BASE_SECONDS: 2,
      EDGENT_DELEGATION_TRANSPORT: "queue",
      EDGENT_TURN_WAIT_MS: 25_000,
      EDGENT_TASK_DEAD_LETTER_QUEUE: "edgent-tasks-dlq",
    });
  });

  it("reads numbers, choices and JSON objects", () => {
    const { values, problems } = parseSettings({
      EDGENT_DELEGATION_MAX_DEPTH: "5",
      EDGENT_DELEGATION_TRANSPORT: "direct",
      EDGENT_AGENT_MODELS: '{"assistant":"openai:gpt-4o-mini"}',
      EDGENT_AGENT_MAX_STEPS: '{"assistant":1}',
      EDGENT_MODEL_SPECS: '{"builtin:echo":{"contextWindow":700}}',
    });
    expect(problems.size).toBe(0);
    expect(values.EDGENT_DELEGATION_MAX_DEPTH).toBe(5);
    expect(values.EDGENT_DELEGATION_TRANSPORT).toBe("direct");
    expect(values.EDGENT_AGENT_MODELS).toEqual({ assistant: "openai:gpt-4o-mini" });
    expect(values.EDGENT_AGENT_MAX_STEPS).toEqual({ assistant: 1 });
    expect(values.EDGENT_MODEL_SPECS).toEqual({ "builtin:echo": { contextWindow: 700 } });
  });

  it.each([
    ["EDGENT_DELEGATION_MAX_DEPTH", "99", "whole number from 1 to 16"],
    ["EDGENT_MODEL_TIMEOUT_MS", "1.5", "whole number"],
    ["EDGENT_MODEL_MAX_RETRIES", "two", "whole number"],
    ["EDGENT_DELEGATION_TRANSPORT", "carrier-pigeon", "one of queue, direct"],
    ["EDGENT_BUDGET_PERIOD", "week", "one of hour, day, month"],
    ["EDGENT_AGENT_MODELS", "{not json", "not valid JSON"],
    ["EDGENT_AGENT_MAX_STEPS", '{"assistant":0}', "step count"],
    ["EDGENT_MODEL_SPECS", '{"x":{"inputPerMillion":-1}}', "JSON object of model name"],
    ["EDGENT_MODEL_SPECS", "[]", "JSON object"],
    ["EDGENT_FALLBACK_MODELS", '{"a":1}', "model to fallback model"],
    ["EDGENT_MCP_SERVERS", '{"docs":{"url":"http://mcp.example.com/mcp"}}', "https URL (http only for localhost)"],
    ["EDGENT_MCP_SERVERS", '{"docs":{"url":"ftp://mcp.example.com/"}}', "at 'docs.url'"],
    ["EDGENT_MCP_SERVERS", '{"Docs_1":{"url":"https://mcp.example.com/"}}', "MCP server names"],
    ["EDGENT_MCP_SERVERS", '{"docs":{"url":"https://mcp.example.com/","token":"x"}}', "at 'docs'"],
    ["EDGENT_MCP_HEADERS", '{"docs":{"mcp-session-id":"x"}}', "the MCP client sets itself"],
    ["EDGENT_MCP_HEADERS", '{"docs":{"authorization":"Bearer a\\nb"}}', "printable ASCII"],
    ["EDGENT_AGENT_MCP_SERVERS", '{"assistant":"docs"}', "list of MCP server names"],
    ["EDGENT_MCP_ALLOWED_ORIGINS", "https://app.example.com/path", "list of origins"],
  ])("names %s when its value %j cannot be used, instead of a silent default", (name, raw, message) => {
    const settings = parseSettings({ [name]: raw });
    const problem = settings.problem([name as keyof typeof settings.values]);
    expect(problem).toMatch(new RegExp(`^${name} `));
    expect(problem).toContain(message);
  });

  it("spoils only the settings that need the bad variable", () => {
    const settings = parseSettings({ EDGENT_TASK_TIMEOUT_MS: "0" });
    expect(settings.problem(MODEL_SETTINGS)).toBeNull();
    expect(settings.require(DELEGATION_SETTINGS)).toEqual({
      ok: false,
      failure: { code: "misconfigured", message: expect.stringContaining("EDGENT_TASK_TIMEOUT_MS") },
    });
    expect(parseSettings({ EDGENT_AGENT_MODELS: "[" }).require(MODEL_SETTINGS, "model_misconfigured")).toMatchObject({
      ok: false,
      failure: { code: "model_misconfigured" },
    });
  });

  it.each([
    ["false", "off"],
    ["ON", "off"],
    ["on", "on"],
    ["", "on"],
  ])("turns spans off when EDGENT_TRACING is %j, unless it is a value it knows", (raw, tracing) => {
    const settings = parseSettings({ EDGENT_TRACING: raw });
    expect(settings.values.EDGENT_TRACING).toBe(tracing);
    expect(settings.problem(["EDGENT_TRACING"]) !== null).toBe(tracing === "off");
  });

  it("reads MCP servers, their secret headers and the agents that use them", () => {
    const { values, problems } = parseSettings({
      EDGENT_MCP_SERVERS:
        '{"docs":{"url":"https://mcp.example.com/mcp"},"local":{"url":"http://127.0.0.1:3000/mcp","timeoutMs":500}}',
      EDGENT_MCP_HEADERS: '{"docs":{"Authorization":"Bearer secret"}}',
      EDGENT_AGENT_MCP_SERVERS: '{"assistant":["docs","local"]}',
      EDGENT_MCP_ALLOWED_ORIGINS: "https://app.example.com, http://localhost:5173",
    });
    expect(problems.size).toBe(0);
    expect(values.EDGENT_MCP_SERVERS.local).toEqual({ url: "http://127.0.0.1:3000/mcp", timeoutMs: 500 });
    expect(values.EDGENT_MCP_HEADERS.docs).toEqual({ Authorization: "Bearer secret" });
    expect(values.EDGENT_AGENT_MCP_SERVERS.assistant).toEqual(["docs", "local"]);
    expect(values.EDGENT_MCP_TIMEOUT_MS).toBe(10_000);
    expect(values.EDGENT_MCP_TOOLS_TTL_MS).toBe(300_000);
    expect(values.EDGENT_MCP_ALLOWED_ORIGINS).toEqual(["https://app.example.com", "http://localhost:5173"]);
  });

  it("never repeats a secret header's value in the problem it reports", () => {
    const settings = parseSettings({ EDGENT_MCP_HEADERS: '{"docs":{"authorization":"Bearer s3cret\\u0001"}}' });
    expect(settings.problem(["EDGENT_MCP_HEADERS"])).not.toContain("s3cret");
  });

  it("parses an environment once", () => {
    const env = { EDGENT_TURN_WAIT_MS: "300" };
    expect(settingsOf(env)).toBe(settingsOf(env));
    expect(settingsOf(env).values.EDGENT_TURN_WAIT_MS).toBe(300);
  });
});
