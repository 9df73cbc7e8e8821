/**
 * Fixed data behind the travel demo: destinations (some share a name, as real ones do),
 * flights and hotels. In code and deterministic, so the demo and its tests behave the same
 * everywhere; a real deployment would call its booking providers.
 */

export interface Destination {
  id: string;
  name: string;
  /** what people call it, lower case */
  aliases: readonly string[];
  airport: string;
}

export interface Flight {
  id: string;
  destinationId: string;
  from: string;
  to: string;
  departs: string;
  priceUsd: number;
}

export interface Hotel {
  id: string;
  destinationId: string;
  name: string;
  rating: number;
  nightlyUsd: number;
}

export const DESTINATIONS: readonly Destination[] = [
  {
    id: "WAS-DC",
    name: "Washington, DC",
    aliases: ["washington", "washington dc", "washington d.c.", "dc"],
    airport: "DCA",
  },
  { id: "WAS-ST", name: "Washington State", aliases: ["washington", "washington state", "seattle"], airport: "SEA" },
  { id: "PAR-FR", name: "Paris, France", aliases: ["paris", "paris france"], airport: "CDG" },
  { id: "PAR-TX", name: "Paris, Texas", aliases: ["paris", "paris texas"], airport: "PRX" },
  { id: "LIS", name: "Lisbon", aliases: ["lisbon", "lisboa"], airport: "LIS" },
];

export const FLIGHTS: readonly Flight[] = [
  { id: "UA-512", destinationId: "WAS-DC", from: "SFO", to: "DCA", departs: "2026-06-04T07:05", priceUsd: 342 },
  { id: "AA-118", destinationId: "WAS-DC", from: "SFO", to: "DCA", departs: "2026-06-04T13:40", priceUsd: 298 },
  { id: "AS-331", destinationId: "WAS-ST", from: "SFO", to: "SEA", departs: "2026-06-04T08:10", priceUsd: 189 },
  { id: "DL-2207", destinationId: "WAS-ST", from: "SFO", to: "SEA", departs: "2026-06-04T17:25", priceUsd: 214 },
  { id: "AF-83", destinationId: "PAR-FR", from: "SFO", to: "CDG", departs: "2026-06-04T15:30", priceUsd: 1_120 },
  { id: "AA-3315", destinationId: "PAR-TX", from: "SFO", to: "PRX", departs: "2026-06-04T09:00", priceUsd: 455 },
  { id: "TP-238", destinationId: "LIS", from: "SFO", to: "LIS", departs: "2026-06-04T18:45", priceUsd: 980 },
];

export const HOTELS: readonly Hotel[] = [
  { id: "H-DC-1", destinationId: "WAS-DC", name: "The Capitol Inn", rating: 4.4, nightlyUsd: 289 },
  { id: "H-DC-2", destinationId: "WAS-DC", name: "Potomac Suites", rating: 4.1, nightlyUsd: 219 },
  { id: "H-ST-1", destinationId: "WAS-ST", name: "Pike Place Lodge", rating: 4.6, nightlyUsd: 245 },
  { id: "H-ST-2", destinationId: "WAS-ST", name: "Rainier View Hotel", rating: 4.2, nightlyUsd: 178 },
  { id: "H-PF-1", destinationId: "PAR-FR", name: "Hôtel des Arts", rating: 4.5, nightlyUsd: 310 },
  { id: "H-PT-1", destinationId: "PAR-TX", name: "Lamar Avenue Motel", rating: 3.9, nightlyUsd: 95 },
  { id: "H-LI-1", destinationId: "LIS", name: "Alfama Terrace", rating: 4.7, nightlyUsd: 160 },
];

/** Destinations a query names: an exact alias wins; otherwise any whose name or alias contains it. */
export function findDestinations(query: string): Destination[] {
  const wanted = normalize(query);
  if (!wanted) return [];
  const exact = DESTINATIONS.filter((d) => d.aliases.includes(wanted) || normalize(d.name) === wanted);
  if (exact.length > 0) return exact;
  return DESTINATIONS.filter((d) => [d.name, ...d.aliases].some((alias) => normalize(alias).includes(wanted)));
}

function normalize(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9. ]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}
