import { type Detector, patternDetector, type Span } from "./detect";

/** Characters API keys and tokens are made of. */
const TOKEN_CHARS = /[A-Za-z0-9_.~+/=-]/;

/** API keys and tokens by their well-known shapes. */
const KEY_SHAPES: ReadonlyArray<[label: string, pattern: RegExp, hint: RegExp]> = [
  // OpenAI-style and Anthropic-style keys (sk-..., sk-proj-..., sk-ant-...)
  ["api_key", /(?<![\w-])sk-(?:[A-Za-z0-9]+-)*[A-Za-z0-9_-]{20,}(?![\w-])/g, /sk-/],
  // AWS access key ids
  ["aws_key", /(?<![A-Z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Z0-9])/g, /A[KS]IA/],
  // GitHub tokens
  [
    "github_token",
    /(?<![\w])(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})(?![\w])/g,
    /gh[pousr]_|github_pat_/,
  ],
  // Slack tokens
  ["slack_token", /(?<![\w-])xox[abposr]-[A-Za-z0-9-]{10,}(?![\w-])/g, /xox/],
  // Stripe secret and restricted keys
  ["stripe_key", /(?<![\w])(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}(?![\w])/g, /_(?:live|test)_/],
  // Google API keys
  ["google_key", /(?<![\w-])AIza[0-9A-Za-z_-]{35}(?![\w-])/g, /AIza/],
  // JSON Web Tokens
  ["jwt", /(?<![\w-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}(?![\w-])/g, /eyJ/],
];

const keyDetectors = KEY_SHAPES.map(([label, pattern, hint]) =>
  patternDetector(label, pattern, { chars: TOKEN_CHARS, maxLength: 512, hint }),
);

/** `Authorization: Bearer <token>`: the token is replaced, the word Bearer stays. */
const bearerDetector: Detector = {
  // a token does not end with a full stop: that ends the sentence
  ...patternDetector("bearer_token", /\bBearer\s+([A-Za-z0-9._~+/=-]{15,}[A-Za-z0-9_~+/=-])/gi, {
    group: 1,
    hint: /bearer/i,
  }),
  openFrom(text) {
    const open = /\bBearer(?:\s+[A-Za-z0-9._~+/=-]*)?$/i.exec(text) ?? /\bB(?:e(?:a(?:r(?:e)?)?)?)?$/i.exec(text);
    return open ? open.index : text.length;
  },
};

/** `password=...`, `api_key: "..."` and the like: the value is replaced. */
const assignmentDetector: Detector = {
  ...patternDetector(
    "credential",
    /\b(?:api[_-]?key|secret(?:[_-]?key)?|access[_-]?token|auth[_-]?token|password|passwd|client[_-]?secret)\s*[:=]\s*["']?([^\s"',;]{8,})/gi,
    { group: 1, hint: /key|secret|token|passw/i },
  ),
  openFrom(text) {
    const open =
      /\b(?:api[_-]?key|secret(?:[_-]?key)?|access[_-]?token|auth[_-]?token|password|passwd|client[_-]?secret)\s*(?:[:=]\s*["']?[^\s"',;]*)?$/i.exec(
        text,
      );
    return open ? open.index : text.length;
  },
};

const PEM_BEGIN = /-----BEGIN ([A-Z0-9 ]*PRIVATE KEY)-----/g;

/** PEM private key blocks, BEGIN to END; an unterminated one is held until it ends or the text does. */
const pemDetector: Detector = {
  label: "private_key",
  find(text) {
    const spans: Span[] = [];
    if (!text.includes("-----BEGIN")) return spans;
    for (const begin of text.matchAll(PEM_BEGIN)) {
      const endMarker = `-----END ${begin[1]}-----`;
      const end = text.indexOf(endMarker, begin.index);
      // an unterminated block is redacted to the end of the text: never let half a key out
      const stop = end < 0 ? text.length : end + endMarker.length;
      spans.push({ start: begin.index, end: stop, replacement: "[REDACTED:private_key]", label: "private_key" });
    }
    return spans;
  },
  openFrom(text) {
    let open = text.length;
    for (const begin of text.matchAll(PEM_BEGIN)) {
      if (text.indexOf(`-----END ${begin[1]}-----`, begin.index) < 0) open = Math.min(open, begin.index);
    }
    // a BEGIN marker still arriving
    const partial = /-{1,5}(?:B(?:E(?:G(?:I(?:N(?: [A-Z0-9 ]*-{0,5})?)?)?)?)?)?$/.exec(text);
    return partial ? Math.min(open, partial.index) : open;
  },
};

/** Secrets: API-key-shaped strings, bearer tokens, credential assignments, PEM private keys. */
export const SECRET_DETECTORS: readonly Detector[] = [pemDetector, bearerDetector, assignmentDetector, ...keyDetectors];
