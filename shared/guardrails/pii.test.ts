import { describe, expect, it } from "vitest";
import { redactText } from "./detect";
import { isCardNumber, isIban, luhn, PII_DETECTORS } from "./pii";

const redact = (text: string) => redactText(text, PII_DETECTORS);

describe("Luhn, card and IBAN checks", () => {
  it.each([
    ["4111111111111111", true],
    ["4111111111111112", false],
    ["79927398713", true],
    ["79927398710", false],
    ["", false],
  ])("luhn(%s) is %s", (digits, valid) => {
    expect(luhn(digits)).toBe(valid);
  });

  it.each([
    ["4111111111111111", true], // Visa test number
    ["5555555555554444", true], // Mastercard
    ["378282246310005", true], // American Express
    ["6011111111111117", true], // Discover
    ["1234567812345670", false], // passes Luhn, but no card brand starts with 1
    ["4111111111111", false], // Visa prefix, Luhn fails at this length
  ])("isCardNumber(%s) is %s", (digits, valid) => {
    expect(isCardNumber(digits)).toBe(valid);
  });

  it.each([
    ["GB82WEST12345698765432", true],
    ["DE89370400440532013000", true],
    ["NL91ABNA0417164300", true],
    ["GB82WEST12345698765431", false], // one digit off: mod-97 fails
    ["DE8937040044053201300", false], // a digit short for Germany
    ["ZZ89370400440532013000", false], // no such country
  ])("isIban(%s) is %s", (iban, valid) => {
    expect(isIban(iban)).toBe(valid);
  });
});

describe("PII redaction", () => {
  it.each([
    ["write to jane.doe+news@example.co.uk today", "write to [REDACTED:email] today", ["email"]],
    ["call +1 415 555 2671 or (415) 555-2671", "call [REDACTED:phone] or [REDACTED:phone]", ["phone", "phone"]],
    ["card 4111 1111 1111 1111, exp 12/29", "card [REDACTED:card], exp 12/29", ["card"]],
    ["card 4111-1111-1111-1111.", "card [REDACTED:card].", ["card"]],
    ["pay to GB82 WEST 1234 5698 7654 32 please", "pay to [REDACTED:iban] please", ["iban"]],
    ["IBAN DE89370400440532013000", "IBAN [REDACTED:iban]", ["iban"]],
  ])("redacts %j", (text, expected, found) => {
    expect(redact(text)).toEqual({ text: expected, found });
  });

  it.each([
    "order 123456789012 shipped on 2024-05-17",
    "order id 1234567812345670 is on its way", // Luhn-valid, but no card brand
    "the total was $1,234,567.89 for 4111 units",
    "ticket 4111111111111112 is open", // a Visa-like id that fails Luhn
    "ORD-4111111111111111 and SKU-5555555555554444", // ids that embed card-like digits
    "invoice INV-1005 of 2025-04-20, 49900 cents",
    "version 10.0.19045.3803 and build 22631",
    "temperatures between -12 and +15 degrees",
    "GB82WEST12345698765431 is not a valid IBAN",
    "meet at 10:30, room 4-112, phone ext. 5523",
    "ISBN 978-3-16-148410-0 and DOI 10.1000/182",
  ])("leaves ordinary numbers alone: %j", (text) => {
    expect(redact(text)).toEqual({ text, found: [] });
  });
});
