/** Tokens accepted only when dev mode is on (`wrangler dev` via `npm run dev`, tests). */
export const DEV_TOKENS: Readonly<Record<string, string>> = {
  "dev-token": "dev",
  "dev-token-2": "dev2",
};

const TENANT_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Settings the tenant directory is built from. */
export interface TenantDirectoryOptions {
  /** JSON object of bearer token → tenant, from the EDGENT_TOKENS secret */
  tokensJson: string | undefined;
  /** accept the well-known dev tokens; never set in a deployed worker */
  devMode: boolean;
}

/** Result of reading the token configuration. */
export type TokenConfig = { ok: true; tokens: Map<string, string> } | { ok: false; error: string };

/** Reads the token → tenant map; dev tokens are refused outside dev mode even if configured. */
export function parseTokenConfig(options: TenantDirectoryOptions): TokenConfig {
  const tokens = new Map<string, string>();
  if (options.tokensJson?.trim()) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(options.tokensJson);
    } catch {
      return { ok: false, error: "EDGENT_TOKENS is not valid JSON" };
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      return { ok: false, error: "EDGENT_TOKENS must be a JSON object of token to tenant" };
    }
    for (const [token, tenant] of Object.entries(parsed)) {
      if (typeof tenant !== "string" || !TENANT_PATTERN.test(tenant)) {
        return { ok: false, error: "EDGENT_TOKENS has a tenant that is not 1-64 chars of [A-Za-z0-9_-]" };
      }
      if (token.length < 8) return { ok: false, error: "EDGENT_TOKENS has a token shorter than 8 chars" };
      if (!options.devMode && token in DEV_TOKENS) continue;
      tokens.set(token, tenant);
    }
  }
  if (options.devMode) {
    for (const [token, tenant] of Object.entries(DEV_TOKENS)) tokens.set(token, tenant);
  }
  return { ok: true, tokens };
}

/** Maps bearer tokens to tenants, comparing in constant time. */
export class TenantDirectory {
  private readonly digests: Promise<Array<{ digest: Uint8Array; tenant: string }>>;

  constructor(tokens: Map<string, string>) {
    this.digests = Promise.all([...tokens].map(async ([token, tenant]) => ({ digest: await sha256(token), tenant })));
  }

  /** The tenant a token belongs to, or null. Every entry is compared, so timing reveals nothing. */
  async resolve(token: string): Promise<string | null> {
    const presented = await sha256(token);
    let found: string | null = null;
    for (const entry of await this.digests) {
      if (constantTimeEqual(presented, entry.digest)) found = entry.tenant;
    }
    return found;
  }
}

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/** Compares two equal-length digests without an early exit. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}
