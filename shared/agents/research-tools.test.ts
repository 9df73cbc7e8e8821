import { describe, expect, it } from "vitest";
import { refineQuery, searchSources } from "./research-tools";

interface Found {
  sources: Array<{ id: string }>;
  filteredOut: string[];
}

describe("the retriever's search", () => {
  it("ranks by relevance and reliability and filters unreliable sources out", () => {
    const { query } = refineQuery.execute(
      { question: "How tall is Mount Everest and who first climbed it?" },
      {} as never,
    ) as { query: string };
    expect(query).toContain("height");
    const found = searchSources.execute({ query, limit: 3 }, {} as never) as Found;
    expect(found.sources.map((source) => source.id)).toEqual(["S2", "S1", "S4"]);
    expect(found.sources.map((source) => source.id)).not.toContain("S3");
    expect(found.filteredOut).toEqual(["S3"]);
  });

  it("returns nothing for a question the corpus does not cover", () => {
    const found = searchSources.execute({ query: "quantum chromodynamics", limit: 3 }, {} as never) as Found;
    expect(found.sources).toEqual([]);
  });
});
