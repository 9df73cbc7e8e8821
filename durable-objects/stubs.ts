// The one place where Durable Object stubs are cast to their RPC interfaces. The runtime's
// generated stub types cannot express `unknown` tool inputs in results, so every caller goes
// through these functions and sees only the interface its role may call.
import { gatewayObjectName, gatewayShard } from "../shared/models/gateway-shards";
import { settingsOf } from "../shared/settings";
import type { GatewayApi, MetricsApi, SessionApi, TaskHost, TaskParent } from "./rpc";

/** The session id of the object a task's sub-agent runs in. Client session ids cannot contain ':'. */
export function taskSessionId(taskId: string): string {
  return `task:${taskId}`;
}

/** A session's object, as the router calls it; the tenant is part of its name, so tenants never share one. */
export function sessionApi(env: Env, tenant: string, sessionId: string): SessionApi {
  return env.SESSIONS.getByName(`${tenant}:${sessionId}`) as unknown as SessionApi;
}

/** A task's sub-agent object, named after the task so every delivery of it reaches the same one. */
export function taskHost(env: Env, task: { tenant: string; taskId: string }): TaskHost {
  return env.SESSIONS.getByName(`${task.tenant}:${taskSessionId(task.taskId)}`) as unknown as TaskHost;
}

/** The object of the session that delegated a task. */
export function taskParent(env: Env, task: { tenant: string; parentSessionId: string }): TaskParent {
  return env.SESSIONS.getByName(`${task.tenant}:${task.parentSessionId}`) as unknown as TaskParent;
}

/** The tenant's model gateway for a session: its shard of it when EDGENT_GATEWAY_SHARDS > 1. */
export function gatewayApi(env: Env, tenant: string, sessionId: string): GatewayApi {
  const shard = gatewayShard(sessionId, settingsOf(env).values.EDGENT_GATEWAY_SHARDS);
  return env.GATEWAYS.getByName(gatewayObjectName(tenant, shard)) as unknown as GatewayApi;
}

/** Every shard of the tenant's model gateway (one unless EDGENT_GATEWAY_SHARDS > 1), for its totals. */
export function gatewayShards(env: Env, tenant: string): GatewayApi[] {
  return Array.from(
    { length: settingsOf(env).values.EDGENT_GATEWAY_SHARDS },
    (_, shard) => env.GATEWAYS.getByName(gatewayObjectName(tenant, shard)) as unknown as GatewayApi,
  );
}

/** The tenant's metrics object. */
export function metricsApi(env: Env, tenant: string): MetricsApi {
  return env.METRICS.getByName(tenant) as unknown as MetricsApi;
}
