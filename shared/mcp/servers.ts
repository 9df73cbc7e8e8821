import type { AgentDefinition } from "../agents/define";
import type { Failure } from "../errors";
import { type LoadedSettings, MCP_CLIENT_SETTINGS } from "../settings";

/** An MCP server as a turn reaches it: where, with which headers, how long it may take. */
export interface McpServerConfig {
  name: string;
  url: string;
  /** from the EDGENT_MCP_HEADERS secret; never logged */
  headers: Readonly<Record<string, string>>;
  timeoutMs: number;
  /** how long its tool list is reused before it is listed again */
  ttlMs: number;
  /** only these tools (names on the server); all when absent */
  tools?: ReadonlySet<string>;
}

/**
 * The MCP servers an agent uses: those its definition names, plus those
 * EDGENT_AGENT_MCP_SERVERS adds for it (with every tool). A server no setting defines, or an
 * MCP setting that cannot be read, is a configuration error (503), not a silent omission;
 * an agent that uses no server is not held up by MCP settings it does not need.
 */
export function mcpServersFor(
  agent: AgentDefinition,
  loaded: LoadedSettings,
): { ok: true; servers: McpServerConfig[] } | { ok: false; failure: Failure } {
  const misconfigured = (message: string) => ({
    ok: false as const,
    failure: { code: "misconfigured" as const, message },
  });
  // every turn needs this one to know whether it uses MCP at all
  const listed = loaded.problem(["EDGENT_AGENT_MCP_SERVERS"]);
  if (listed) return misconfigured(listed);
  const settings = loaded.values;
  const uses = [...agent.mcpServers];
  for (const server of settings.EDGENT_AGENT_MCP_SERVERS[agent.name] ?? []) {
    if (!uses.some((use) => use.server === server)) uses.push({ server });
  }
  if (uses.length === 0) return { ok: true, servers: [] };
  const problem = loaded.problem(MCP_CLIENT_SETTINGS);
  if (problem) return misconfigured(problem);
  const servers: McpServerConfig[] = [];
  for (const use of uses) {
    const defined = settings.EDGENT_MCP_SERVERS[use.server];
    if (!defined) {
      return misconfigured(
        `agent '${agent.name}' uses MCP server '${use.server}', which EDGENT_MCP_SERVERS does not define`,
      );
    }
    servers.push({
      name: use.server,
      url: defined.url,
      headers: settings.EDGENT_MCP_HEADERS[use.server] ?? {},
      timeoutMs: defined.timeoutMs ?? settings.EDGENT_MCP_TIMEOUT_MS,
      ttlMs: settings.EDGENT_MCP_TOOLS_TTL_MS,
      ...(use.tools ? { tools: new Set(use.tools) } : {}),
    });
  }
  return { ok: true, servers };
}
