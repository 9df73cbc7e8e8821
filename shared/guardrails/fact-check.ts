import { z } from "zod";
import type { Message } from "../contracts/message";
import { allow, block, defineGuardrail, redact, type TextGuardrail } from "./define";

/** What a fact-checking agent answers: the answer's claims the sources support, and those they do not. */
export const factCheckVerdictSchema = z.object({
  supported: z.array(z.string()),
  unsupported: z.array(z.string()),
});
export type FactCheckVerdict = z.infer<typeof factCheckVerdictSchema>;

/** What a fact-checking agent is asked: an answer and the sources it must stand on. */
export const factCheckTaskSchema = z.object({ answer: z.string(), sources: z.array(z.string()) });
export type FactCheckTask = z.infer<typeof factCheckTaskSchema>;

/** How the fact check treats an answer with unsupported claims. */
export interface FactCheckOptions {
  /** the agent that checks (default `fact-checker`) */
  checker?: string;
  /**
   * sub-agents whose `delegate` results are the sources (their `sources[].text` when they
   * answer JSON); by default every tool result of the turn that is not a delegate result
   */
  sourcesFrom?: readonly string[];
  /** `revise`: drop the unsupported claims and say so (default); `mark`: flag them; `block`: trip */
  onUnsupported?: "revise" | "mark" | "block";
}

/**
 * An output guardrail that has another agent check the turn's final answer against the
 * sources the turn retrieved, before the answer stands: usable by any agent whose answers
 * rest on tool or sub-agent results. An answer that cannot be checked is marked as such.
 */
export function factCheck(options: FactCheckOptions = {}): TextGuardrail {
  const checker = options.checker ?? "fact-checker";
  const mode = options.onUnsupported ?? "revise";
  return defineGuardrail({
    name: "fact_check",
    kind: "output",
    description: `Has '${checker}' check the final answer against the turn's sources; unsupported claims are ${mode === "revise" ? "removed" : mode === "mark" ? "marked" : "refused"}.`,
    stages: ["final"],
    async check(answer, context) {
      const sources = sourcesOf(context.messages, options.sourcesFrom);
      if (sources.length === 0 || !answer.trim()) return allow();
      const task: FactCheckTask = { answer, sources };
      const reply = await context.consult(checker, JSON.stringify(task));
      const verdict = reply.ok ? readVerdict(reply.reply) : null;
      if (!verdict) {
        const why = reply.ok ? "the checker's reply could not be read" : reply.error;
        return redact(`${answer}\n\n[Not fact-checked: ${why}.]`, { checked: false });
      }
      const unsupported = verdict.unsupported.filter((claim) => answer.includes(claim));
      const details = { supported: verdict.supported.length, unsupported: unsupported.length };
      if (unsupported.length === 0) return allow();
      if (mode === "block") return block(`${unsupported.length} claim(s) are not supported by the sources`, details);
      if (mode === "mark") {
        let marked = answer;
        for (const claim of unsupported) marked = marked.replace(claim, `${claim} [unsupported by the sources]`);
        return redact(marked, details);
      }
      let revised = answer;
      for (const claim of unsupported) revised = revised.replace(claim, "");
      revised = revised
        .replace(/[ \t]{2,}/g, " ")
        .replace(/\n{3,}/g, "\n\n")
        .trim();
      const note = `[Fact check: removed ${unsupported.length} claim(s) the sources do not support: ${unsupported.map((claim) => `"${claim}"`).join("; ")}]`;
      return redact(`${revised}\n\n${note}`, details);
    },
  });
}

/** The texts the answer must stand on: results of the named sub-agents, or of the turn's own tools. */
export function sourcesOf(messages: readonly Message[], from: readonly string[] | undefined): string[] {
  const sources: string[] = [];
  for (const message of messages) {
    if (message.role !== "tool" || message.isError) continue;
    if (message.toolName !== "delegate") {
      if (!from) sources.push(message.content);
      continue;
    }
    const result = readJson(message.content) as { agent?: unknown; result?: unknown } | null;
    if (!result || typeof result.agent !== "string" || typeof result.result !== "string") continue;
    if (!from?.includes(result.agent)) continue;
    const inner = readJson(result.result) as { sources?: Array<{ text?: unknown }> } | null;
    const texts = inner?.sources?.flatMap((source) => (typeof source.text === "string" ? [source.text] : []));
    sources.push(...(texts?.length ? texts : [result.result]));
  }
  return sources;
}

function readVerdict(text: string): FactCheckVerdict | null {
  const parsed = factCheckVerdictSchema.safeParse(readJson(text.trim().replace(/^```(?:json)?\s*|\s*```$/g, "")));
  return parsed.success ? parsed.data : null;
}

function readJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
