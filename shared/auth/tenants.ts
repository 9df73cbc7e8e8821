/** Who a token speaks for: its tenant, and its label (recorded with the decisions it takes). */
export interface Identity {
  tenant: string;
  label: string;
}

/** The label of a token configured without one. */
export const DEFAULT_LABEL = "api";

/** Tokens accepted only when dev mode is on (`wrangler dev` via `npm run dev`, tests). */
export const DEV_TOKENS: Readonly<Record<string, string>> = {
  "dev-token": "dev",
  "dev-token-2": "dev2",
};

/**
 * The token → tenant map to accept: the configured tokens (EDGENT_TOKENS, validated by the
 * settings schema), plus the dev tokens in dev mode. Dev tokens are refused outside dev mode
 * even if configured.
 */
export function tenantTokens(
  configured: Readonly<Record<string, string | Identity>>,
  devMode: boolean,
): Map<string, Identity> {
  const tokens = new Map<string, Identity>();
  for (const [token, who] of Object.entries(configured)) {
    if (devMode || !(token in DEV_TOKENS)) {
      tokens.set(token, typeof who === "string" ? { tenant: who, label: DEFAULT_LABEL } : who);
    }
  }
  if (devMode) for (const [token, tenant] of Object.entries(DEV_TOKENS)) tokens.set(token, { tenant, label: token });
  return tokens;
}

/** Maps bearer tokens to tenants (and labels), comparing in constant time. */
export class TenantDirectory {
  private readonly digests: Promise<Array<{ digest: Uint8Array; who: Identity }>>;

  constructor(tokens: Map<string, Identity>) {
    this.digests = Promise.all([...tokens].map(async ([token, who]) => ({ digest: await sha256(token), who })));
  }

  /** The tenant a token belongs to, or null. */
  async resolve(token: string): Promise<string | null> {
    return (await this.identify(token))?.tenant ?? null;
  }

  /** Who a token speaks for, or null. Every entry is compared, so timing reveals nothing. */
  async identify(token: string): Promise<Identity | null> {
    const presented = await sha256(token);
    let found: Identity | null = null;
    for (const entry of await this.digests) {
      if (constantTimeEqual(presented, entry.digest)) found = entry.who;
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
