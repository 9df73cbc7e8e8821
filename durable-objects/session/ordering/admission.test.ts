import { describe, expect, it } from "vitest";
import { type Admission, type AdmissionInput, admit } from "./admission";

const same = { requestHash: "h1" };
const other = { requestHash: "h2" };

describe("admit", () => {
  it.each<[string, AdmissionInput, Admission]>([
    [
      "a first request on an idle session",
      { prior: null, busy: false, policy: "enqueue" },
      { kind: "queue", interrupt: false },
    ],
    [
      "a request while busy, enqueue",
      { prior: null, busy: true, policy: "enqueue" },
      { kind: "queue", interrupt: false },
    ],
    ["a request while busy, reject", { prior: null, busy: true, policy: "reject" }, { kind: "refuse" }],
    [
      "a request while busy, interrupt",
      { prior: null, busy: true, policy: "interrupt" },
      { kind: "queue", interrupt: true },
    ],
    ["reject on an idle session", { prior: null, busy: false, policy: "reject" }, { kind: "queue", interrupt: false }],
    [
      "interrupt on an idle session",
      { prior: null, busy: false, policy: "interrupt" },
      { kind: "queue", interrupt: false },
    ],
    [
      "a keyed first request",
      { requestHash: "h1", prior: null, busy: false, policy: "enqueue" },
      { kind: "queue", interrupt: false },
    ],
    [
      "a retry with the same body",
      { requestHash: "h1", prior: same, busy: false, policy: "enqueue" },
      { kind: "replay" },
    ],
    [
      "a retry with the same body while busy, reject",
      { requestHash: "h1", prior: same, busy: true, policy: "reject" },
      { kind: "replay" },
    ],
    [
      "a retry with the same body while busy, interrupt",
      { requestHash: "h1", prior: same, busy: true, policy: "interrupt" },
      { kind: "replay" },
    ],
    [
      "a retry with another body",
      { requestHash: "h1", prior: other, busy: false, policy: "enqueue" },
      { kind: "conflict" },
    ],
    [
      "a retry with another body while busy, reject",
      { requestHash: "h1", prior: other, busy: true, policy: "reject" },
      { kind: "conflict" },
    ],
  ])("%s", (_name, input, expected) => {
    expect(admit(input)).toEqual(expected);
  });
});
