import { app } from "./app";
import { consumeTasks } from "./tasks";

export { ModelGateway } from "../durable-objects/model-gateway";
export { SessionAgent } from "../durable-objects/session-agent";
export { TenantMetrics } from "../durable-objects/tenant-metrics";

/** The Worker entry: HTTP requests go through the router app; task queue batches to sub-agents. */
export default {
  fetch: app.fetch,
  queue: consumeTasks,
} satisfies ExportedHandler<Env>;
