import { app } from "./app";

export { SessionAgent } from "../durable-objects/session-agent";

/** The Worker entry: every HTTP request goes through the router app. */
export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
