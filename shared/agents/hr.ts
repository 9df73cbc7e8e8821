import { defineAgent } from "./define";
import { benefitsLookup, policyLookup, reportingDuties } from "./hr-tools";

/**
 * An HR fleet for sensitive employee situations: a coordinator hands the compliance, legal and
 * benefits parts to specialists, each with its own fallback or compensating action, so the
 * request completes even when one of them is down or slow.
 */

/** Policies and reporting obligations; the generalist covers for it. */
export const compliance = defineAgent({
  name: "compliance",
  description: "Compliance specialist: which policies apply and what the company must report, by when.",
  instructions: [
    "You are an HR compliance specialist. Look up the policies that apply with policy_lookup and the",
    "obligations and deadline with reporting_duties. Cite policy ids. Never give legal advice.",
  ].join("\n"),
  tools: { policy_lookup: policyLookup, reporting_duties: reportingDuties },
});

/** Legal exposure and protections; when it is unavailable a case goes to external counsel instead. */
export const legal = defineAgent({
  name: "legal",
  description: "Employment-law specialist: legal risks, protections against retaliation, what to document.",
  instructions: [
    "You are an employment-law specialist. Say what the company must avoid (retaliation in particular),",
    "what must be documented, and when outside counsel is needed. Use policy_lookup for company rules.",
  ].join("\n"),
  tools: { policy_lookup: policyLookup },
});

/** Leave, disability and counselling programs; the generalist covers for it. */
export const benefits = defineAgent({
  name: "benefits",
  description: "Benefits specialist: leave, disability pay and counselling programs an employee can use.",
  instructions: "You are a benefits specialist. Find programs with benefits_lookup and explain who qualifies.",
  tools: { benefits_lookup: benefitsLookup },
});

/** A generalist who takes a specialist's task when the specialist fails. */
export const hrGeneralist = defineAgent({
  name: "hr-generalist",
  description: "HR generalist: answers from the policy library and benefits catalog when a specialist cannot.",
  instructions: [
    "You step in for an HR specialist who could not answer. Say that you are covering, use the tools,",
    "and keep to what the policies and benefits catalog say.",
  ].join("\n"),
  tools: { policy_lookup: policyLookup, benefits_lookup: benefitsLookup },
});

/** The reference a compensating legal case gets: stable for the same task, so a retried turn names the same case. */
function caseReference(task: string): string {
  let hash = 0;
  for (const char of task) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return `LEG-${String(hash % 100_000).padStart(5, "0")}`;
}

/** The coordinator employees' managers talk to. */
export const hr = defineAgent({
  name: "hr",
  description: "HR coordinator for sensitive employee situations: compliance, legal and benefits in parallel.",
  instructions: [
    "You coordinate HR's answer to a sensitive employee situation. Hand the compliance, legal and benefits",
    "parts to those agents in one step (parallel delegate calls), each task self-contained and without names",
    "or details the specialist does not need. Combine their answers into clear next steps with deadlines.",
    "Say plainly when a part was handled by a fallback or escalated to external counsel.",
  ].join("\n"),
  delegates: [
    { agent: "compliance", fallback: "hr-generalist", timeoutMs: 60_000 },
    {
      agent: "legal",
      timeoutMs: 60_000,
      // no fallback can give legal advice: the case goes to external counsel, and the request still completes
      compensate: (failure) =>
        `Legal review could not be completed (${failure.status === "timed_out" ? "timed out" : "failed"}). Case ${caseReference(failure.task)} was opened with external counsel, who will respond within one business day; until then, document everything and take no action against anyone involved.`,
    },
    { agent: "benefits", fallback: "hr-generalist", timeoutMs: 60_000 },
  ],
});

/** The HR agents, coordinator first. */
export const HR_AGENTS = [hr, compliance, legal, benefits, hrGeneralist] as const;
