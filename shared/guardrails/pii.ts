import { type Detector, patternDetector, type Span } from "./detect";

/** Whether a digit string passes the Luhn checksum that every payment card number carries. */
export function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let digit = digits.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return false;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** Card brands by number prefix and length: a Luhn-valid number outside them is not a card. */
const CARD_BRANDS: ReadonlyArray<{ prefix: RegExp; lengths: readonly number[] }> = [
  { prefix: /^4/, lengths: [13, 16, 19] }, // Visa
  { prefix: /^(5[1-5]|2(2[2-9][1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720))/, lengths: [16] }, // Mastercard
  { prefix: /^3[47]/, lengths: [15] }, // American Express
  { prefix: /^(6011|64[4-9]|65)/, lengths: [16, 19] }, // Discover
  { prefix: /^35(2[89]|[3-8]\d)/, lengths: [16, 19] }, // JCB
  { prefix: /^3(0[0-5]|[689])/, lengths: [14, 16] }, // Diners Club
  { prefix: /^62/, lengths: [16, 17, 18, 19] }, // UnionPay
];

/** Whether digits are a payment card number: a known brand's prefix and length, and the Luhn check. */
export function isCardNumber(digits: string): boolean {
  const brand = CARD_BRANDS.some((b) => b.prefix.test(digits) && b.lengths.includes(digits.length));
  return brand && luhn(digits);
}

/** IBAN lengths by country (ISO 13616 registry). */
const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BR: 29,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MR: 27,
  MT: 31,
  MU: 30,
  NL: 18,
  NO: 15,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  SA: 24,
  SC: 31,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
};

/** Whether a compact IBAN (no spaces) has its country's length and passes the mod-97 check. */
export function isIban(compact: string): boolean {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(compact)) return false;
  if (IBAN_LENGTHS[compact.slice(0, 2)] !== compact.length) return false;
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const code = char.charCodeAt(0);
    const value = code >= 65 ? String(code - 55) : char;
    for (const digit of value) remainder = (remainder * 10 + (digit.charCodeAt(0) - 48)) % 97;
  }
  return remainder === 1;
}

/** Email addresses. */
export const emailDetector = patternDetector(
  "email",
  /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,24}(?![A-Za-z0-9-])/g,
  { chars: /[A-Za-z0-9._%+@-]/, maxLength: 254, hint: /@/ },
);

const digitCount = (text: string) => text.replace(/\D/g, "").length;

/**
 * Phone numbers in international form (`+` and 8–15 digits) or North American form
 * (`(415) 555-2671`, `415-555-2671`, `415.555.2671`). Bare digit runs are left alone: they
 * are as often order ids, amounts or dates.
 */
export const phoneDetector = patternDetector(
  "phone",
  /(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,5}(?![\w])|(?<![\w.-])(?:\(\d{3}\) ?|\d{3}[-. ])\d{3}[-. ]\d{4}(?![\w-])/g,
  {
    valid: (match) => (match.startsWith("+") ? digitCount(match) >= 8 && digitCount(match) <= 15 : true),
    chars: /[\d ().+-]/,
    maxLength: 24,
    hint: /\d{3}/,
  },
);

/** Payment card numbers, spaced or dashed or not, that pass a brand and Luhn check. */
export const cardDetector = patternDetector("card", /(?<![\w.-])(?:\d[ -]?){12,18}\d(?![\w-])/g, {
  valid: (match) => isCardNumber(match.replace(/[ -]/g, "")),
  chars: /[\d -]/,
  maxLength: 23,
  hint: /\d{4}/,
});

/** IBANs of registered countries, spaced in fours or not, that pass the mod-97 check. */
export const ibanDetector: Detector = {
  label: "iban",
  find(text) {
    const spans: Span[] = [];
    if (!/[A-Z]{2}\d{2}/.test(text)) return spans;
    for (const match of text.matchAll(/(?<![A-Za-z0-9])([A-Z]{2})\d{2}/g)) {
      const length = IBAN_LENGTHS[match[1] as string];
      if (!length) continue;
      // take the country's number of characters, allowing one space between them
      let compact = "";
      let end = match.index;
      while (end < text.length && compact.length < length) {
        const char = text[end] as string;
        if (/[A-Z0-9]/.test(char)) compact += char;
        else if (!(char === " " && compact.length > 0 && /[A-Z0-9]/.test(text[end + 1] ?? ""))) break;
        end++;
      }
      if (compact.length !== length || /[A-Za-z0-9]/.test(text[end] ?? "")) continue;
      if (isIban(compact)) spans.push({ start: match.index, end, replacement: "[REDACTED:iban]", label: "iban" });
    }
    return spans;
  },
  openFrom(text) {
    const run = /[A-Z][A-Z0-9 ]*$/.exec(text);
    if (!run || run[0].length === 0 || run[0].length > 42) return text.length;
    return run.index;
  },
};

/** Personal data: emails, phone numbers, card numbers, IBANs. */
export const PII_DETECTORS: readonly Detector[] = [emailDetector, cardDetector, ibanDetector, phoneDetector];
