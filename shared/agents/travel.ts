import type { OfflinePlaybook, TranscriptEntry } from "../models/playbook";
import { askUser } from "./ask-user";
import { defineAgent } from "./define";
import { book, findDestination, myTrips, searchFlights, searchHotels } from "./travel-tools";

type ToolEntry = Extract<TranscriptEntry, { role: "tool" }>;

/** The place a request names: what follows its last " to ", or the whole request. */
function placeIn(request: string): string {
  const at = request.toLowerCase().lastIndexOf(" to ");
  return (at >= 0 ? request.slice(at + 4) : request).replace(/[.!?]+$/, "").trim();
}

/**
 * How the travel agent works on the builtin model: resolve the place, ask when it is
 * ambiguous, search flights and hotels, book the cheapest flight and best hotel (which waits
 * for approval), and report. A real model reads the same tools and instructions.
 */
export const travelPlaybook: OfflinePlaybook = ({ transcript, sinceUser }) => {
  const users = transcript.flatMap((entry, index) => (entry.role === "user" ? [index] : []));
  const last = users.at(-1);
  if (last === undefined) return null;
  const text = (transcript[last] as { text: string }).text;
  // the user's message answers the question the agent asked in its previous turn
  const previous = transcript.slice((users.at(-2) ?? -1) + 1, last);
  const answering = previous.some((e) => e.role === "assistant" && e.calls.some((c) => c.toolName === "ask_user"));
  const query = answering ? text.trim() : placeIn(text);
  const results = sinceUser.filter((entry): entry is ToolEntry => entry.role === "tool");
  const latest = results.at(-1);
  if (!latest) return { call: [{ toolName: "find_destination", input: { query } }] };
  const output = (name: string) =>
    results.findLast((entry) => entry.toolName === name)?.output as Record<string, unknown>;
  switch (latest.toolName) {
    case "find_destination": {
      const candidates = (output("find_destination")?.candidates ?? []) as Array<{ id: string; name: string }>;
      if (candidates.length === 0) return { say: `I could not find a destination called "${query}".` };
      if (candidates.length > 1) {
        const names = candidates.map((c) => c.name).join(" or ");
        return { call: [{ toolName: "ask_user", input: { question: `Which ${query} do you mean: ${names}?` } }] };
      }
      const destinationId = (candidates[0] as { id: string }).id;
      return {
        call: [
          { toolName: "search_flights", input: { destinationId } },
          { toolName: "search_hotels", input: { destinationId } },
        ],
      };
    }
    case "search_flights":
    case "search_hotels": {
      const flight = (output("search_flights")?.flights as Array<{ id: string; destinationId: string }>)?.[0];
      const hotel = (output("search_hotels")?.hotels as Array<{ id: string }>)?.[0];
      if (!flight || !hotel) return { say: "I found no flight or hotel there, so I booked nothing." };
      const input = { destinationId: flight.destinationId, flightId: flight.id, hotelId: hotel.id, nights: 3 };
      return { call: [{ toolName: "book", input }] };
    }
    case "book": {
      if (latest.isError) return { say: `I did not book anything: ${String(latest.output)}` };
      const booked = latest.output as {
        confirmation: string;
        destination: string;
        flight: string;
        hotel: string;
        totalUsd: number;
      };
      return {
        say: `Booked your trip to ${booked.destination}: flight ${booked.flight} and ${booked.hotel}, $${booked.totalUsd} in total. Confirmation ${booked.confirmation}.`,
      };
    }
    default:
      return null;
  }
};

/** Books trips; asks when a request is ambiguous, and books only with a person's approval. */
export const travel = defineAgent({
  name: "travel",
  description:
    "Plans and books trips: finds flights and hotels, asks when a destination is ambiguous, books with approval.",
  instructions: [
    "You book trips. First resolve the destination with find_destination.",
    "If it returns more than one candidate, ask the user which one they mean with ask_user. Never guess a destination.",
    "Then search flights and hotels in one step, and book the cheapest flight with the best-rated hotel for 3 nights unless the user said otherwise.",
    "Booking spends money: a person approves it first. If the booking is rejected, say that nothing was booked and why.",
  ].join("\n"),
  tools: {
    find_destination: findDestination,
    search_flights: searchFlights,
    search_hotels: searchHotels,
    book,
    my_trips: myTrips,
    ask_user: askUser,
  },
  playbook: travelPlaybook,
});
