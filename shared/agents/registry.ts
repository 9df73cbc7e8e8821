import { z } from "zod";
import { type AgentDefinition, defineAgent } from "./define";
import { HR_AGENTS } from "./hr";
import { RESEARCH_AGENTS } from "./research";
import { SUPPORT_AGENTS } from "./support";
import { calculator, currentTime, recall, remember } from "./tools";
import { travel } from "./travel";

/** The general-purpose default agent. */
export const assistant = defineAgent({
  name: "assistant",
  description: "A general assistant that can tell the time, calculate, and remember facts for the session.",
  instructions: [
    "You are a helpful, concise assistant.",
    "Use the calculator for any arithmetic instead of computing in your head.",
    "When the user tells you something worth keeping, store it with remember; use recall before saying you do not know.",
    "Use current_time for questions about the date or time.",
  ].join("\n"),
  tools: { current_time: currentTime, calculator, remember, recall },
});

/** A number-focused agent: never guesses a figure, always computes and keeps its working notes. */
export const analyst = defineAgent({
  name: "analyst",
  description: "Works through numeric questions with exact arithmetic and keeps working notes for the session.",
  instructions: [
    "You are a careful analyst. Never estimate a figure you can compute: use the calculator for every calculation.",
    "Record intermediate results and assumptions with remember so later questions can build on them; use recall to find them.",
    "Show the calculation you made in one line, then the answer.",
  ].join("\n"),
  tools: { calculator, remember, recall },
});

/** An agent for programs: it answers with JSON that matches a schema, or escalates until it does. */
export const extractor = defineAgent({
  name: "extractor",
  description: 'Answers with a JSON object {"answer": string, "sources"?: string[]} for programs to consume.',
  instructions: [
    'Reply with only a JSON object of the form {"answer": "...", "sources": ["..."]}; "sources" is optional.',
    "No prose, no code fences.",
  ].join("\n"),
  outputSchema: z.object({ answer: z.string().min(1), sources: z.array(z.string()).optional() }),
});

/** Every agent this deployment serves, by name. */
export const AGENTS: ReadonlyMap<string, AgentDefinition> = registry([
  assistant,
  analyst,
  extractor,
  ...SUPPORT_AGENTS,
  ...HR_AGENTS,
  travel,
  ...RESEARCH_AGENTS,
]);

/** Indexes agents by name, refusing a deployment whose delegates or fallbacks name no agent. */
export function registry(agents: readonly AgentDefinition[]): ReadonlyMap<string, AgentDefinition> {
  const byName = new Map(agents.map((agent) => [agent.name, agent]));
  if (byName.size !== agents.length) throw new Error("two agents share a name");
  for (const agent of agents) {
    const fallbacks = Object.values(agent.delegation).flatMap((policy) => (policy.fallback ? [policy.fallback] : []));
    for (const name of [...agent.delegates, ...fallbacks, ...(agent.fallback ? [agent.fallback] : [])]) {
      if (!byName.has(name)) throw new Error(`agent '${agent.name}' delegates to unknown agent '${name}'`);
    }
  }
  return byName;
}

/** Looks an agent up by name. */
export function findAgent(name: string): AgentDefinition | undefined {
  return AGENTS.get(name);
}
