// Edgent's typed client, imported as `edgent/client`. It runs in browsers,
// Workers and Node (fetch and WebSocket only); its types are the server's zod contracts.
export type { AgentSummary } from "../shared/contracts/agents";
export type { ClientFrame, FrameError, ServerFrame, TurnStatus } from "../shared/contracts/frames";
export type { Message, MessagePage, TurnCancelled, TurnResponse } from "../shared/contracts/message";
export type { OnBusy } from "../shared/contracts/on-busy";
export type { CreateSessionBody, SessionCreated, SessionInfo, Usage, WsTicket } from "../shared/contracts/session";
export type { PendingTurn, TaskDetailPage, TaskView } from "../shared/contracts/task";
export type { TenantUsage, UsageLine } from "../shared/contracts/usage";
export type { ErrorCode } from "../shared/errors";
export { EdgentClient, type EdgentClientOptions, type SendOptions } from "./edgent-client";
export { type ApiErrorDetails, EdgentApiError } from "./errors";
export { LiveSession, type LiveSessionOptions, type LiveStatus } from "./live-session";
export { type IdentifiedSseEvent, readIdentifiedSse, readSse, type SseEvent } from "./sse";
