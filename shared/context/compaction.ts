/** Instructions that start with this marker ask a model for a summary (the builtin model looks for it). */
export const COMPACTION_MARKER = "[edgent:compact]";

/** What a model is told when it folds older history into the rolling summary. */
export const COMPACTION_INSTRUCTIONS = `${COMPACTION_MARKER} You maintain the running summary of a conversation between a user and an assistant.
Merge the previous summary with the new messages into one concise summary. Keep facts, names, numbers, decisions and open questions; drop pleasantries.
Answer with the summary only.`;
