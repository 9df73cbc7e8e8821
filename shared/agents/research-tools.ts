import { z } from "zod";
import { factCheckTaskSchema } from "../guardrails/fact-check";
import { defineTool } from "./define";
import { contentWords, SOURCES } from "./research-data";

/** Sources below this reliability are filtered out, whatever their score. */
const MIN_RELIABILITY = 0.5;

/** Turns a question into search keywords: its meaningful words, with common synonyms added. */
export const refineQuery = defineTool({
  description: "Turn a research question into a keyword query for the source search.",
  parameters: z.object({ question: z.string().min(1).max(2_000).describe("the user's question") }),
  execute({ question }) {
    const synonyms: Record<string, string[]> = {
      tall: ["height"],
      high: ["height"],
      climbed: ["ascent"],
      bees: ["honeybees"],
    };
    const words = contentWords(question);
    const query = [...new Set(words.flatMap((word) => [word, ...(synonyms[word] ?? [])]))].join(" ");
    return { question, query };
  },
});

/** Ranks sources by how many query words they share, weighted by reliability, and filters weak ones out. */
export const searchSources = defineTool({
  description:
    "Search the source corpus. Results are ranked by relevance and reliability; unreliable and irrelevant sources are filtered out.",
  parameters: z.object({
    query: z.string().min(1).max(2_000).describe("keywords"),
    limit: z.number().int().min(1).max(10).default(3).describe("most sources to return"),
  }),
  execute({ query, limit }) {
    const wanted = new Set(contentWords(query));
    const ranked = SOURCES.map((source) => {
      const words = new Set(contentWords(`${source.title} ${source.text}`));
      const shared = [...wanted].filter((word) => words.has(word)).length;
      return { source, relevance: wanted.size === 0 ? 0 : shared / wanted.size };
    })
      .filter(({ source, relevance }) => relevance >= 0.2 && source.reliability >= MIN_RELIABILITY)
      .sort((a, b) => b.relevance * b.source.reliability - a.relevance * a.source.reliability)
      .slice(0, limit);
    return {
      sources: ranked.map(({ source, relevance }) => ({
        id: source.id,
        title: source.title,
        text: source.text,
        score: Math.round(relevance * source.reliability * 100) / 100,
      })),
      filteredOut: SOURCES.filter((source) => source.reliability < MIN_RELIABILITY).map((source) => source.id),
    };
  },
});

/** Splits an answer into claims and says which ones some source supports. */
export const checkClaims = defineTool({
  description:
    "Check each sentence of an answer against the sources: a claim is supported when one source contains its numbers and most of its words.",
  parameters: factCheckTaskSchema,
  execute({ answer, sources }) {
    const claims = answer
      .split(/(?<=[.!?])\s+/)
      .map((sentence) => sentence.trim())
      .filter((sentence) => contentWords(sentence).length >= 2);
    const supported: string[] = [];
    const unsupported: string[] = [];
    for (const claim of claims) (isSupported(claim, sources) ? supported : unsupported).push(claim);
    return { supported, unsupported };
  },
});

function isSupported(claim: string, sources: readonly string[]): boolean {
  const words = contentWords(claim.replace(/\[[^\]]*\]/g, ""));
  const numbers = words.filter((word) => /\d/.test(word));
  return sources.some((source) => {
    const have = new Set(contentWords(source));
    if (!numbers.every((number) => have.has(number))) return false;
    return words.filter((word) => have.has(word)).length / words.length >= 0.6;
  });
}
