import type { Connection } from "agents";
import { ERROR_STATUS, type ErrorCode } from "../../../shared/errors";
import { LIVE_HEADERS, type SessionCaller } from "../../rpc";
import type { LiveDelivery, LiveState } from "./live-delivery";
import type { TicketBook } from "./tickets";

/**
 * Refuses a WebSocket upgrade before it is accepted: not an upgrade, not this tenant's
 * session, or a ticket already used; null when the upgrade may go ahead.
 */
export function refuseUpgrade(
  request: Request,
  owns: (caller: SessionCaller) => boolean,
  tickets: TicketBook,
): Response | null {
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return new Response(null, { status: 404 });
  const caller = {
    tenant: request.headers.get(LIVE_HEADERS.tenant) ?? "",
    sessionId: request.headers.get(LIVE_HEADERS.session) ?? "",
  };
  const nonce = request.headers.get(LIVE_HEADERS.ticket);
  // a ticket's holder learns nothing from the answer: a session gone since it was issued is a bad ticket too
  if (nonce !== null && !(owns(caller) && tickets.redeem(nonce))) {
    return refusal("unauthorized", "invalid, used or expired ticket");
  }
  if (!owns(caller)) return refusal("not_found", "session not found");
  return null;
}

/** Greets a new connection, resuming from `?after=` when the client gives it. */
export function openLive(
  live: LiveDelivery,
  connection: Connection<LiveState>,
  request: Request,
  sessionId: string,
): void {
  const after = new URL(request.url).searchParams.get("after");
  live.open(connection, sessionId, after !== null && /^\d{1,15}$/.test(after) ? Number(after) : null);
}

function refusal(code: ErrorCode, message: string): Response {
  return Response.json({ error: { code, message } }, { status: ERROR_STATUS[code] });
}
