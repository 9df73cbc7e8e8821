import type { Context } from "hono";
import type { z } from "zod";
import { EdgentError } from "../shared/errors";

/** Largest accepted request body. */
export const MAX_BODY_BYTES = 64 * 1024;

/** Largest body of the protocol routes, whose clients send a conversation's whole transcript. */
export const MAX_TRANSCRIPT_BODY_BYTES = 1024 * 1024;

/** Reads and validates a JSON body: 415 if not JSON, 413 if too large, 400 if malformed or invalid. */
export async function readJson<Schema extends z.ZodType>(
  c: Context,
  schema: Schema,
  limit = MAX_BODY_BYTES,
): Promise<z.output<Schema>> {
  const contentType = c.req.header("content-type") ?? "";
  if (!/^application\/([\w.+-]*\+)?json\b/i.test(contentType.trim())) {
    throw new EdgentError("unsupported_media_type", "the body must be JSON (Content-Type: application/json)");
  }
  const text = await readText(c.req.raw, limit);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new EdgentError("bad_request", "the body is not valid JSON");
  }
  return validate(schema, raw, "body");
}

/** Validates a value against a schema, naming the first offending field in the error. */
export function validate<Schema extends z.ZodType>(schema: Schema, value: unknown, what: string): z.output<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.length ? issue.path.join(".") : what;
  throw new EdgentError("validation_failed", `${field}: ${issue?.message ?? "invalid"}`);
}

/** Reads a body as UTF-8 text: 413 (payload_too_large) past `limit` bytes, 400 if it is not UTF-8. */
export async function readText(request: Request, limit: number): Promise<string> {
  const length = request.headers.get("content-length");
  const declared = length === null ? Number.NaN : Number(length);
  if (declared > limit) throw tooLarge(limit);
  if (!request.body) return "";
  // a declared length within the limit is enforced by the runtime: read it in one native call
  if (Number.isInteger(declared)) return decodeUtf8(new Uint8Array(await request.arrayBuffer()));
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return decodeUtf8(bytes);
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new EdgentError("bad_request", "the body is not valid UTF-8");
  }
}

function tooLarge(limit: number): EdgentError {
  return new EdgentError("payload_too_large", `the body is larger than ${limit / 1024} KiB`);
}
