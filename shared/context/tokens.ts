/** Fixed per-message overhead for role and framing, in tokens. */
export const MESSAGE_OVERHEAD_TOKENS = 4;

/**
 * Estimates the tokens of a text: ~4 characters a token, the usual rule for English
 * with BPE tokenizers. Budgets are enforced with this estimate; real providers report
 * their exact usage separately.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Estimated tokens of one message in a model context. */
export function estimateMessageTokens(content: string): number {
  return estimateTokens(content) + MESSAGE_OVERHEAD_TOKENS;
}

/** Cuts a text to about `maxTokens`, saying how much was left out. */
export function truncateToTokens(text: string, maxTokens: number): string {
  const maxChars = Math.max(0, maxTokens * 4);
  if (text.length <= maxChars) return text;
  const marker = `…[truncated ${text.length - maxChars} chars]`;
  return text.slice(0, Math.max(0, maxChars - marker.length)) + marker;
}
