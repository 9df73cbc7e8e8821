import { type AgentDefinition, defineAgent } from "./define";
import { calculator, currentTime, recall, remember } from "./tools";

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

/** Every agent this deployment serves, by name. */
export const AGENTS: ReadonlyMap<string, AgentDefinition> = new Map([assistant].map((agent) => [agent.name, agent]));

/** Looks an agent up by name. */
export function findAgent(name: string): AgentDefinition | undefined {
  return AGENTS.get(name);
}
