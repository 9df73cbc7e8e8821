import { describe, expect, it } from "vitest";
import { redactText } from "./detect";
import { SECRET_DETECTORS } from "./secrets";

const redact = (text: string) => redactText(text, SECRET_DETECTORS);

describe("secret redaction", () => {
  it.each([
    ["key sk-proj-abcdefghijklmnopqrstuvwxyz0123 here", "key [REDACTED:api_key] here", ["api_key"]],
    ["aws AKIAIOSFODNN7EXAMPLE done", "aws [REDACTED:aws_key] done", ["aws_key"]],
    [`token ghp_${"a1B2".repeat(9)} ok`, "token [REDACTED:github_token] ok", ["github_token"]],
    [
      "Authorization: Bearer abcdefghijklmnop1234.xyz",
      "Authorization: Bearer [REDACTED:bearer_token]",
      ["bearer_token"],
    ],
    ['config password = "hunter2hunter2" end', 'config password = "[REDACTED:credential]" end', ["credential"]],
    ["stripe sk_live_51HabcdefghijklmnOP", "stripe [REDACTED:stripe_key]", ["stripe_key"]],
    [
      "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nIBAAKCAQ\n-----END RSA PRIVATE KEY----- after",
      "[REDACTED:private_key] after",
      ["private_key"],
    ],
    ["-----BEGIN PRIVATE KEY-----\nMIIEow unterminated", "[REDACTED:private_key]", ["private_key"]],
  ])("redacts %j", (text, expected, found) => {
    expect(redact(text)).toEqual({ text: expected, found });
  });

  it.each([
    "the sk- prefix marks OpenAI keys",
    "ask-me-anything is a format, task-force-alpha a team",
    "a Bearer of good news",
    "the password is long and secret",
    "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
  ])("leaves ordinary text alone: %j", (text) => {
    expect(redact(text)).toEqual({ text, found: [] });
  });
});
