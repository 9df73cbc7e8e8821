import type { MiddlewareHandler } from "hono";
import { TenantDirectory, parseTokenConfig } from "../../shared/auth/tenants";
import { EdgentError } from "../../shared/errors";
import { log } from "../../shared/log";
import type { RouterEnv } from "../env";

// the directory is rebuilt only when the configuration changes (a new deploy or secret)
let cached: { key: string; directory: TenantDirectory } | undefined;

function directoryFor(env: Env): TenantDirectory {
  const devMode = env.EDGENT_DEV_MODE === "true";
  const key = `${devMode}\u0000${env.EDGENT_TOKENS ?? ""}`;
  if (cached?.key === key) return cached.directory;
  const config = parseTokenConfig({ tokensJson: env.EDGENT_TOKENS, devMode });
  if (!config.ok) log({ event: "notice", level: "error", message: `token configuration rejected: ${config.error}` });
  const directory = new TenantDirectory(config.ok ? config.tokens : new Map());
  cached = { key, directory };
  return directory;
}

/** Requires `Authorization: Bearer <token>` and sets the caller's tenant. */
export const requireTenant: MiddlewareHandler<RouterEnv> = async (c, next) => {
  const header = c.req.header("authorization") ?? "";
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new EdgentError("unauthorized", "missing bearer token (Authorization: Bearer <token>)");
  const tenant = await directoryFor(c.env).resolve(match[1] as string);
  if (!tenant) throw new EdgentError("unauthorized", "invalid bearer token");
  c.set("tenant", tenant);
  await next();
};
