/**
 * Fixed data behind the research demo: a small corpus of sources of varying reliability, and
 * the offline synthesizer's "memory", which (like a model's) is sometimes wrong, so that the
 * fact checker has something real to catch. In code and deterministic.
 */

export interface Source {
  id: string;
  title: string;
  text: string;
  /** 0–1: how far the source can be trusted; the retriever filters out the weakest */
  reliability: number;
}

export const SOURCES: readonly Source[] = [
  {
    id: "S1",
    title: "Survey of the height of Mount Everest (2020)",
    text: "A joint Chinese and Nepali survey in 2020 measured the height of Mount Everest at 8,848.86 metres above sea level.",
    reliability: 0.95,
  },
  {
    id: "S2",
    title: "First ascent of Everest",
    text: "Tenzing Norgay and Edmund Hillary made the first confirmed ascent of Mount Everest on 29 May 1953.",
    reliability: 0.9,
  },
  {
    id: "S3",
    title: "Everest forum post",
    text: "Mount Everest is exactly 9,000 metres tall and nobody has measured it since 1950.",
    reliability: 0.15,
  },
  {
    id: "S4",
    title: "Climbing season on Everest",
    text: "Most climbers attempt Mount Everest in May, when the jet stream moves north and winds at the summit drop.",
    reliability: 0.8,
  },
  {
    id: "S5",
    title: "How honeybees communicate",
    text: "Honeybees perform a waggle dance to tell their nestmates the direction and distance of flowers.",
    reliability: 0.9,
  },
  {
    id: "S6",
    title: "Honeybee colonies",
    text: "A honeybee colony has one queen, thousands of female workers and, in summer, a few hundred male drones.",
    reliability: 0.85,
  },
  {
    id: "S7",
    title: "Great Barrier Reef facts",
    text: "The Great Barrier Reef stretches for about 2,300 kilometres along the coast of Queensland, Australia.",
    reliability: 0.9,
  },
  {
    id: "S8",
    title: "Coral bleaching",
    text: "Mass coral bleaching on the Great Barrier Reef follows marine heatwaves that raise sea temperatures.",
    reliability: 0.85,
  },
];

/** Claims the offline synthesizer "remembers" about a topic and adds to answers: not in any source. */
export const SYNTHESIZER_BELIEFS: ReadonlyArray<{ topic: string; claim: string }> = [
  { topic: "everest", claim: "Mount Everest grows about ten centimetres taller every year." },
  { topic: "reef", claim: "The Great Barrier Reef is the only living structure visible from the Moon." },
];

/** Words that carry no meaning for matching. */
export const STOPWORDS: ReadonlySet<string> = new Set(
  "a an and are as at be by did do does for from has have how in is it its of on or the their there this to was were what when where which who why with".split(
    " ",
  ),
);

/** The meaningful words of a text, lower case. */
export function contentWords(text: string): string[] {
  return (text.toLowerCase().match(/[a-z0-9][a-z0-9,.'-]*[a-z0-9]|[a-z0-9]/g) ?? [])
    .map((word) => word.replace(/[,.']+$/g, ""))
    .filter((word) => word.length > 2 && !STOPWORDS.has(word));
}
