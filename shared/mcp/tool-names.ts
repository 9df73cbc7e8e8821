/** An MCP server's name as agents and settings refer to it: it prefixes its tools' names. */
export const MCP_SERVER_NAME = /^[a-z][a-z0-9-]{0,23}$/;

/** Longest tool name model providers accept (OpenAI's function names, and most others). */
export const MAX_TOOL_NAME = 64;

/** Between a server's name and its tool's: server names cannot contain `_`, so it is unambiguous. */
export const NAMESPACE_SEPARATOR = "__";

const SAFE = /^[A-Za-z0-9_-]+$/;

/**
 * The name a model sees for tool `tool` of MCP server `server`: `<server>__<tool>`. A tool
 * name with characters providers refuse (MCP allows `.` and longer names), or one that would
 * make the whole longer than 64 characters, is made safe and shortened, with a hash of the
 * original appended so that two such tools still get different names, the same every time.
 */
export function namespacedToolName(server: string, tool: string): string {
  const prefix = `${server}${NAMESPACE_SEPARATOR}`;
  if (SAFE.test(tool) && prefix.length + tool.length <= MAX_TOOL_NAME) return prefix + tool;
  const suffix = `_${fnv1a(tool)}`;
  const room = MAX_TOOL_NAME - prefix.length - suffix.length;
  return prefix + tool.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, room) + suffix;
}

/** The server a namespaced tool name belongs to, if it has the shape of one. */
export function serverOfToolName(name: string): string | null {
  const at = name.indexOf(NAMESPACE_SEPARATOR);
  if (at <= 0) return null;
  const server = name.slice(0, at);
  return MCP_SERVER_NAME.test(server) ? server : null;
}

/** 32-bit FNV-1a of the UTF-16 code units, as 8 hex digits: short, stable, no crypto needed. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, "0");
}
