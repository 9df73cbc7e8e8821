/** Longest tool result kept for the model (and in history); a longer one is cut, saying so. */
export const MAX_RESULT_CHARS = 32_768;

/** An MCP tool result as it arrives: content blocks and, perhaps, structured content. */
export interface McpCallResult {
  content?: readonly unknown[];
  structuredContent?: unknown;
  isError?: boolean;
}

/**
 * What the model is shown of a tool's result: the text of its content blocks, a short note
 * for binary blocks (images, audio, blobs are not put into the conversation), or the
 * structured content as JSON when there are no blocks; cut to MAX_RESULT_CHARS.
 */
export function resultText(result: McpCallResult): string {
  const blocks = result.content ?? [];
  let text: string;
  if (blocks.length > 0) text = blocks.map(blockText).join("\n");
  else if (result.structuredContent !== undefined) text = JSON.stringify(result.structuredContent);
  else text = "(no content)";
  if (text.length <= MAX_RESULT_CHARS) return text;
  return `${text.slice(0, MAX_RESULT_CHARS)}\n[${text.length - MAX_RESULT_CHARS} more characters cut]`;
}

/** Whether a server's error says it does not know the tool (it was removed or renamed). */
export function saysUnknownTool(message: string): boolean {
  return /\btool\b/i.test(message) && /\b(not found|unknown|no such)\b/i.test(message);
}

function blockText(block: unknown): string {
  if (typeof block !== "object" || block === null) return "";
  const part = block as Record<string, unknown>;
  switch (part.type) {
    case "text":
      return typeof part.text === "string" ? part.text : "";
    case "image":
    case "audio":
      return `[${part.type} ${String(part.mimeType ?? "")}, ${size(part.data)} not shown]`;
    case "resource_link":
      return `[resource link: ${String(part.name ?? "")} <${String(part.uri ?? "")}>]`;
    case "resource": {
      const resource = (part.resource ?? {}) as Record<string, unknown>;
      const uri = String(resource.uri ?? "");
      if (typeof resource.text === "string") return `[resource <${uri}>]\n${resource.text}`;
      return `[resource <${uri}> ${String(resource.mimeType ?? "")}, ${size(resource.blob)} not shown]`;
    }
    default:
      return `[${String(part.type)} content not shown]`;
  }
}

/** The decoded size of base64 data, roughly, in KB. */
function size(data: unknown): string {
  const bytes = typeof data === "string" ? Math.floor((data.length * 3) / 4) : 0;
  return `~${Math.max(1, Math.round(bytes / 1024))} KB`;
}
