/**
 * Fixed data behind the HR demo agents: policies, reporting obligations, legal protections and
 * benefit programs. Deterministic so the demo and its tests behave the same everywhere; a real
 * deployment would query its policy library, case system and benefits provider instead.
 */

/** A section of the company's written policies. */
export interface PolicySection {
  id: string;
  title: string;
  text: string;
  keywords: readonly string[];
}

export const POLICIES: readonly PolicySection[] = [
  {
    id: "POL-HAR-2",
    title: "Harassment and discrimination: reporting",
    text: "Any manager who learns of possible harassment must report it to HR within 24 hours, even if the employee asks them not to. Retaliation against anyone who reports is prohibited.",
    keywords: ["harassment", "discrimination", "report", "manager", "retaliation", "complaint"],
  },
  {
    id: "POL-HAR-4",
    title: "Harassment investigations",
    text: "HR opens a confidential investigation within 3 business days, interviews both parties and witnesses, and documents findings. Interim measures (schedule or reporting-line changes) may protect the reporter during the investigation.",
    keywords: ["investigation", "harassment", "confidential", "interim", "witness"],
  },
  {
    id: "POL-LEA-1",
    title: "Medical and family leave",
    text: "Employees may request leave for their own serious health condition or to care for a family member. Requests go to HR; medical details are shared only with the benefits team.",
    keywords: ["leave", "medical", "family", "health", "absence", "sick"],
  },
  {
    id: "POL-ACC-3",
    title: "Workplace accommodations",
    text: "HR works with the employee to find a reasonable accommodation for a disability or health condition, documents the interactive process, and reviews it every six months.",
    keywords: ["accommodation", "disability", "health", "adjustment", "remote"],
  },
];

/** What a kind of situation obliges the company to do, and by when. */
export interface ReportingDuty {
  situation: string;
  duties: readonly string[];
  deadlineHours: number;
}

export const REPORTING_DUTIES: readonly ReportingDuty[] = [
  {
    situation: "harassment",
    duties: ["notify HR case management", "preserve messages and records", "offer interim protective measures"],
    deadlineHours: 24,
  },
  {
    situation: "medical",
    duties: ["keep medical details confidential", "route the request to benefits", "document accommodations"],
    deadlineHours: 72,
  },
  {
    situation: "safety",
    duties: ["notify security and HR at once", "record the incident", "assess the risk to others"],
    deadlineHours: 1,
  },
];

/** A benefit program an employee may use. */
export interface BenefitProgram {
  id: string;
  name: string;
  summary: string;
  keywords: readonly string[];
}

export const BENEFITS: readonly BenefitProgram[] = [
  {
    id: "BEN-FMLA",
    name: "Family and medical leave",
    summary: "Up to 12 weeks of job-protected leave per year; health coverage continues during leave.",
    keywords: ["leave", "medical", "family", "fmla", "care", "sick"],
  },
  {
    id: "BEN-STD",
    name: "Short-term disability",
    summary: "60% of base pay for up to 26 weeks after a 7-day waiting period, with a doctor's certification.",
    keywords: ["disability", "pay", "medical", "income", "illness"],
  },
  {
    id: "BEN-EAP",
    name: "Employee assistance program",
    summary: "Free, confidential counselling (6 sessions per issue) and legal and financial consultations, 24/7.",
    keywords: ["counselling", "counseling", "stress", "support", "mental", "confidential", "harassment"],
  },
];

/** Where to look a text's words up, ranked by how many keywords it shares. */
export function rankByKeywords<T extends { keywords: readonly string[] }>(items: readonly T[], text: string): T[] {
  const words = new Set(text.toLowerCase().match(/[a-z]+/g) ?? []);
  return items
    .map((item) => ({ item, score: item.keywords.filter((keyword) => words.has(keyword)).length }))
    .filter(({ score }) => score > 0)
    .sort((a, b) => b.score - a.score)
    .map(({ item }) => item);
}
