import { describe, expect, it } from "vitest";
import { PII_DETECTORS } from "./pii";
import { SECRET_DETECTORS } from "./secrets";
import { StreamRedactor } from "./stream-redactor";

const DETECTORS = [...PII_DETECTORS, ...SECRET_DETECTORS];

/** Streams `text` in chunks of `size` and returns what is released, chunk by chunk and in all. */
function stream(text: string, size: number): { chunks: string[]; all: string } {
  const redactor = new StreamRedactor(DETECTORS);
  const chunks: string[] = [];
  for (let at = 0; at < text.length; at += size) chunks.push(redactor.push(text.slice(at, at + size)).text);
  chunks.push(redactor.flush().text);
  return { chunks, all: chunks.join("") };
}

describe("streamed redaction", () => {
  const text =
    "Reach me at jane.doe@example.com or +1 415 555 2671; card 4111 1111 1111 1111, IBAN GB82 WEST 1234 5698 7654 32, key sk-proj-abcdefghijklmnopqrstuvwxyz0123, Authorization: Bearer abcdefghijklmnop1234. Thanks!";
  const expected =
    "Reach me at [REDACTED:email] or [REDACTED:phone]; card [REDACTED:card], IBAN [REDACTED:iban], key [REDACTED:api_key], Authorization: Bearer [REDACTED:bearer_token]. Thanks!";

  it.each([1, 2, 3, 5, 7, 16, 1000])("redacts values split across chunks of %i characters", (size) => {
    const { chunks, all } = stream(text, size);
    expect(all).toBe(expected);
    // no chunk ever carries a piece of a value
    for (const raw of ["jane", "example.com", "555", "4111", "WEST", "abcdefghij", "1234."]) {
      expect(chunks.some((chunk) => chunk.includes(raw))).toBe(false);
    }
  });

  it("holds back only the last partial word of ordinary text", () => {
    const redactor = new StreamRedactor(DETECTORS);
    expect(redactor.push("The quick brown fo").text).toBe("The quick brown ");
    expect(redactor.push("x jumps").text).toBe("fox ");
    expect(redactor.flush().text).toBe("jumps");
  });

  it("holds a private key block until it ends, and redacts an unterminated one at the end", () => {
    const redactor = new StreamRedactor(DETECTORS);
    const released = [
      redactor.push("before -----BEGIN EC PRIV"),
      redactor.push("ATE KEY-----\nMHcCAQEE"),
      redactor.push("IIb\n-----END EC PRIVATE KEY----- after "),
      redactor.flush(),
    ].map((part) => part.text);
    expect(released.join("")).toBe("before [REDACTED:private_key] after ");
    const open = new StreamRedactor(DETECTORS);
    expect(open.push("x -----BEGIN PRIVATE KEY-----\nMIIE").text).toBe("x ");
    expect(open.flush().text).toBe("[REDACTED:private_key]");
  });
});
