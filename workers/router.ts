import { app } from "./app";

export { ModelGateway } from "../durable-objects/model-gateway";
export { SessionAgent } from "../durable-objects/session-agent";

/** The Worker entry: every HTTP request goes through the router app. */
export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
