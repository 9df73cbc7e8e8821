import type { Context, MiddlewareHandler } from "hono";
import { isLoopbackHost } from "../../shared/auth/loopback";
import { type Identity, TenantDirectory, tenantTokens } from "../../shared/auth/tenants";
import { EdgentError, fromFailure } from "../../shared/errors";
import { settingsOf } from "../../shared/settings";
import type { RouterEnv } from "../env";

// the directory is rebuilt only when the configuration changes (a new deploy or secret)
let cached: { key: string; directory: TenantDirectory } | undefined;

function directoryFor(env: Env, url: string): TenantDirectory {
  const loaded = settingsOf(env).require(["EDGENT_DEV_MODE", "EDGENT_TOKENS"]);
  // a broken token configuration answers 503 naming the variable: no token can be trusted
  if (!loaded.ok) throw fromFailure(loaded.failure);
  const { EDGENT_DEV_MODE, EDGENT_TOKENS } = loaded.settings;
  // dev tokens need dev mode AND a loopback host, so a var flipped on a deployed worker is not enough
  const devMode = EDGENT_DEV_MODE === "true" && isLoopbackHost(new URL(url).hostname);
  const key = `${devMode}\u0000${env.EDGENT_TOKENS ?? ""}`;
  if (cached?.key === key) return cached.directory;
  const directory = new TenantDirectory(tenantTokens(EDGENT_TOKENS, devMode));
  cached = { key, directory };
  return directory;
}

/** The tenant of the request's `Authorization: Bearer <token>`, or a 401. */
export async function authenticate(c: Context<RouterEnv>): Promise<string> {
  return (await identify(c)).tenant;
}

/** Who the request's `Authorization: Bearer <token>` speaks for, or a 401. */
export async function identify(c: Context<RouterEnv>): Promise<Identity> {
  const header = c.req.header("authorization") ?? "";
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new EdgentError("unauthorized", "missing bearer token (Authorization: Bearer <token>)");
  const who = await directoryFor(c.env, c.req.url).identify(match[1] as string);
  if (!who) throw new EdgentError("unauthorized", "invalid bearer token");
  return who;
}

/** Requires a bearer token and sets the caller's tenant and the token's label. */
export const requireTenant: MiddlewareHandler<RouterEnv> = async (c, next) => {
  const who = await identify(c);
  c.set("tenant", who.tenant);
  c.set("label", who.label);
  await next();
};
