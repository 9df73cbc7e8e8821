import { z } from "zod";
import { defineTool, ToolError } from "./define";
import { DESTINATIONS, FLIGHTS, findDestinations, HOTELS } from "./travel-data";

const destinationId = z.string().min(1).max(16).describe("a destination id from find_destination, e.g. WAS-ST");

function destination(id: string) {
  const found = DESTINATIONS.find((d) => d.id === id);
  if (!found) throw new ToolError(`unknown destination '${id}'; use find_destination first`);
  return found;
}

/** Resolves a place name to destinations: several candidates mean the name is ambiguous. */
export const findDestination = defineTool({
  description:
    "Find the destinations a place name can mean. More than one candidate means the name is ambiguous: ask the user which one before searching or booking.",
  parameters: z.object({ query: z.string().min(1).max(100).describe("the place name the user gave") }),
  execute({ query }) {
    return { query, candidates: findDestinations(query).map(({ id, name, airport }) => ({ id, name, airport })) };
  },
});

/** Flights to a destination, cheapest first. */
export const searchFlights = defineTool({
  description: "Search flights to a destination, cheapest first.",
  parameters: z.object({ destinationId }),
  execute({ destinationId: id }) {
    const to = destination(id);
    const flights = FLIGHTS.filter((f) => f.destinationId === to.id).sort((a, b) => a.priceUsd - b.priceUsd);
    return { destination: to.name, flights };
  },
});

/** Hotels at a destination, best rated first. */
export const searchHotels = defineTool({
  description: "Search hotels at a destination, best rated first.",
  parameters: z.object({ destinationId }),
  execute({ destinationId: id }) {
    const at = destination(id);
    const hotels = HOTELS.filter((h) => h.destinationId === at.id).sort((a, b) => b.rating - a.rating);
    return { destination: at.name, hotels };
  },
});

/** Books a flight and a hotel: it spends the user's money, so a person approves every call first. */
export const book = defineTool({
  description:
    "Book a flight and a hotel at a destination. This spends money: it runs only after a person approves the call.",
  parameters: z.object({
    destinationId,
    flightId: z.string().min(1).max(16).describe("a flight id from search_flights"),
    hotelId: z.string().min(1).max(16).describe("a hotel id from search_hotels"),
    nights: z.number().int().min(1).max(30).describe("nights at the hotel"),
  }),
  needsApproval: true,
  limits: [{ arg: "nights", max: 14, over: "refuse" }],
  execute({ destinationId: id, flightId, hotelId, nights }, { memory, turnId }) {
    const to = destination(id);
    const flight = FLIGHTS.find((f) => f.id === flightId && f.destinationId === to.id);
    const hotel = HOTELS.find((h) => h.id === hotelId && h.destinationId === to.id);
    if (!flight || !hotel) throw new ToolError(`flight '${flightId}' or hotel '${hotelId}' is not at ${to.name}`);
    const totalUsd = flight.priceUsd + hotel.nightlyUsd * nights;
    const confirmation = `TRV-${turnId.slice(0, 8).toUpperCase()}`;
    const booking = { confirmation, destination: to.name, flight: flight.id, hotel: hotel.name, nights, totalUsd };
    memory.remember(`booking ${confirmation}`, JSON.stringify(booking));
    return booking;
  },
});

/** The trips booked in this session. */
export const myTrips = defineTool({
  description: "List the trips booked in this session.",
  parameters: z.object({}),
  execute(_args, { memory }) {
    return { trips: memory.recall("booking").map((fact) => JSON.parse(fact.value) as unknown) };
  },
});
