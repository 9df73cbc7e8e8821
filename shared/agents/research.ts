import { factCheck, factCheckVerdictSchema } from "../guardrails/fact-check";
import type { OfflinePlaybook, TranscriptEntry } from "../models/playbook";
import { defineAgent } from "./define";
import { contentWords, SYNTHESIZER_BELIEFS } from "./research-data";
import { checkClaims, refineQuery, searchSources } from "./research-tools";

type ToolEntry = Extract<TranscriptEntry, { role: "tool" }>;

/** The newest user message's text. */
function asked(transcript: readonly TranscriptEntry[]): string {
  return (transcript.findLast((entry) => entry.role === "user") as { text: string } | undefined)?.text ?? "";
}

/** A playbook for an agent that calls one tool with the task, then reports its result. */
function oneTool(
  toolName: string,
  input: (task: string) => unknown,
  report: (output: unknown) => string,
): OfflinePlaybook {
  return ({ transcript, sinceUser }) => {
    const result = sinceUser.findLast((entry): entry is ToolEntry => entry.role === "tool");
    if (!result) return { call: [{ toolName, input: input(asked(transcript)) }] };
    return { say: result.isError ? `${toolName} failed: ${String(result.output)}` : report(result.output) };
  };
}

/** Turns a question into a search query. */
export const queryRefiner = defineAgent({
  name: "query-refiner",
  description: "Turns a research question into a precise keyword query.",
  instructions: "Rewrite the question as a keyword query with refine_query and reply with the query only.",
  tools: { refine_query: refineQuery },
  playbook: oneTool(
    "refine_query",
    (question) => ({ question }),
    (output) => (output as { query: string }).query,
  ),
});

/** Finds, ranks and filters sources for a query. */
export const retriever = defineAgent({
  name: "retriever",
  description: "Finds the most relevant reliable sources for a query (ranking and filtering built in).",
  instructions: 'Search with search_sources and reply with JSON {"sources":[...]} of what it returned, unchanged.',
  tools: { search_sources: searchSources },
  playbook: oneTool(
    "search_sources",
    (query) => ({ query, limit: 3 }),
    (output) => JSON.stringify({ sources: (output as { sources: unknown[] }).sources }),
  ),
});

/**
 * Writes an answer from sources. Offline it writes each source's finding with its id, and,
 * like a model, sometimes adds something it "remembers" that no source says.
 */
export const synthesizer = defineAgent({
  name: "synthesizer",
  description: "Writes a short answer to a question from the sources it is given, citing them.",
  instructions: "Answer the question in a few sentences using only the sources given; cite each source's id.",
  playbook: ({ transcript }) => {
    const task = asked(transcript);
    const json = task.slice(task.indexOf("{"));
    let sources: Array<{ id: string; text: string }> = [];
    try {
      sources = (JSON.parse(json) as { sources: typeof sources }).sources ?? [];
    } catch {
      return { say: "I was given no sources to answer from." };
    }
    if (sources.length === 0) return { say: "The sources say nothing about this." };
    const words = new Set(contentWords(task));
    const belief = SYNTHESIZER_BELIEFS.find((b) => words.has(b.topic) || task.toLowerCase().includes(b.topic));
    const findings = sources.map((source) => `${source.text.replace(/[.!?]+$/, "")} [${source.id}].`);
    return { say: [...findings, ...(belief ? [belief.claim] : [])].join(" ") };
  },
});

/** Checks an answer's claims against sources; any coordinator can use it through the `factCheck` guardrail. */
export const factChecker = defineAgent({
  name: "fact-checker",
  description: 'Checks an answer against its sources; replies JSON {"supported":[...],"unsupported":[...]}.',
  instructions:
    'You get JSON {"answer","sources"}. Check every claim of the answer against the sources with check_claims and reply with its JSON verdict only.',
  tools: { check_claims: checkClaims },
  outputSchema: factCheckVerdictSchema,
  playbook: oneTool(
    "check_claims",
    (task) => {
      try {
        return JSON.parse(task) as unknown;
      } catch {
        return { answer: task, sources: [] };
      }
    },
    (output) => JSON.stringify(output),
  ),
});

/** A delegate result's text, or null. */
function resultOf(entry: ToolEntry | undefined): string | null {
  const result = (entry?.output as { result?: unknown } | undefined)?.result;
  return entry && !entry.isError && typeof result === "string" ? result : null;
}

/**
 * The research coordinator's steps offline: refine the question, retrieve sources, have them
 * synthesized, and give the synthesis as the answer (which the fact check then judges).
 */
const researchPlaybook: OfflinePlaybook = ({ transcript, sinceUser }) => {
  const question = asked(transcript);
  const results = sinceUser.filter((entry): entry is ToolEntry => entry.role === "tool");
  const latest = results.at(-1);
  const delegate = (agent: string, task: string) => ({ call: [{ toolName: "delegate", input: { agent, task } }] });
  if (!latest) return delegate("query-refiner", question);
  const text = resultOf(latest);
  if (text === null) return { say: `The research could not be completed: ${JSON.stringify(latest.output)}` };
  const agent = (latest.output as { agent?: string }).agent;
  if (agent === "query-refiner") return delegate("retriever", text);
  if (agent === "retriever") return delegate("synthesizer", `Question: ${question}\nSources: ${text}`);
  return { say: text };
};

/** Answers research questions through specialists, and has every answer fact-checked before it stands. */
export const researcher = defineAgent({
  name: "researcher",
  description:
    "Research coordinator: refines the question, retrieves sources, has an answer synthesized, and fact-checks it.",
  instructions: [
    "You coordinate research. Delegate in order: query-refiner (the question), retriever (the refined query),",
    "synthesizer (the question and the retrieved sources, verbatim). Answer with the synthesizer's answer.",
    "A fact checker reviews your answer against the retrieved sources before the user sees it.",
  ].join("\n"),
  delegates: ["query-refiner", "retriever", "synthesizer"],
  guardrails: [factCheck({ checker: "fact-checker", sourcesFrom: ["retriever"], onUnsupported: "revise" })],
  playbook: researchPlaybook,
});

/** The research agents, coordinator first. */
export const RESEARCH_AGENTS = [researcher, queryRefiner, retriever, synthesizer, factChecker] as const;
