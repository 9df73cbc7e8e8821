import type { Attributes, AttributeValue } from "../contracts/trace";

/** Longest text an attribute carries: content (when captured) and reasons are cut to it. */
export const MAX_CONTENT_CHARS = 4_096;
const MAX_TEXT_CHARS = 256;
/** Most events one span keeps; more are counted in `edgent.events.dropped`. */
export const MAX_EVENTS = 64;

/** Keys whose values are never recorded, whatever the content setting. */
const SECRET = /token|secret|password|passwd|authorization|api[-_]?key|cookie|credential/i;
/**
 * Keys whose values are conversation content, recorded only when content capture is on. A
 * `reason` may be free text the model wrote (the escalate tool's argument) or repeat it.
 */
const CONTENT = new Set([
  "content",
  "text",
  "input",
  "output",
  "args",
  "arguments",
  "result",
  "question",
  "answer",
  "prompt",
  "reply",
  "messages",
  "reason",
]);

/** A text cut to `max` characters, marked when cut. */
export function clip(text: string, max = MAX_CONTENT_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A value as JSON text for a content attribute (tool arguments, results), cut to size. */
export function jsonText(value: unknown): string {
  if (typeof value === "string") return clip(value);
  try {
    return clip(JSON.stringify(value) ?? "null");
  } catch {
    return "(not serialisable)";
  }
}

/**
 * A turn event's data as span event attributes, whatever the event (escalations, gateway
 * events, guardrail and approval decisions alike): numbers and booleans as they are, short
 * texts clipped, content only when captured, secrets never.
 */
export function eventAttributes(data: Record<string, unknown>, content: boolean): Attributes {
  const attributes: Attributes = {};
  for (const [key, value] of Object.entries(data)) {
    if (SECRET.test(key)) continue;
    const isContent = CONTENT.has(key);
    if (isContent && !content) continue;
    const max = isContent ? MAX_CONTENT_CHARS : MAX_TEXT_CHARS;
    const attribute = toAttribute(value, max, content);
    if (attribute !== undefined) attributes[key] = attribute;
  }
  return attributes;
}

function toAttribute(value: unknown, max: number, content: boolean): AttributeValue | undefined {
  if (typeof value === "string") return clip(value, max);
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "boolean") return value;
  if (Array.isArray(value) && value.every((item) => typeof item === "string")) {
    return value.slice(0, 32).map((item) => clip(item, max));
  }
  if (Array.isArray(value) && value.every((item) => typeof item === "number")) return value.slice(0, 32);
  // nested structures may hold anything: only with content capture on, as JSON
  if (content && value !== null && typeof value === "object") return clip(JSON.stringify(value), max);
  return undefined;
}

/** The `gen_ai.provider.name` of an Edgent model name (`openai:gpt-4o-mini` → `openai`). */
export function providerOf(model: string): string {
  const colon = model.indexOf(":");
  return colon > 0 ? model.slice(0, colon) : model;
}
