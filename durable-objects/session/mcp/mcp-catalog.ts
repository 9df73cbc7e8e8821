import type { Tool } from "@modelcontextprotocol/client";
import { type AgentDefinition, ToolError } from "../../../shared/agents/define";
import type { Failure } from "../../../shared/errors";
import { log } from "../../../shared/log";
import { resultText, saysUnknownTool } from "../../../shared/mcp/call-result";
import { compileInputSchema } from "../../../shared/mcp/json-schema";
import { type McpServerConfig, mcpServersFor } from "../../../shared/mcp/servers";
import { namespacedToolName, serverOfToolName } from "../../../shared/mcp/tool-names";
import type { LoadedSettings } from "../../../shared/settings";
import { McpConnection, McpFailure } from "./mcp-connection";
import type { McpProblem, McpToolSource, McpToolset, RemoteTool } from "./remote-tools";

/** A server whose listing failed is not asked again for this long (turns go on without its tools). */
export const RETRY_AFTER_FAILURE_MS = 10_000;
/** Tools offered per server at most, and description length: each costs context on every model call. */
const MAX_TOOLS_PER_SERVER = 128;
const MAX_DESCRIPTION_CHARS = 2_048;

interface Listing {
  tools: RemoteTool[];
  schemaText: string;
  at: number;
}

interface Entry {
  /** the configuration it was made for: a changed one starts over */
  key: string;
  connection: McpConnection;
  listing?: Listing;
  failure?: { at: number; error: string };
}

/**
 * The MCP servers of one session's object: a connection per server, and each server's tool
 * list, reused for its TTL, listed again sooner when a call shows it is out of date (the
 * server does not know a tool, or the model called one that is not listed). A server that
 * cannot be listed is a problem reported for the turn, which goes on without its tools (or
 * with those of its last list) and is not asked again for RETRY_AFTER_FAILURE_MS.
 */
export class McpCatalog {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The MCP tools of an agent's turns, none if it uses no server, or why its settings cannot be used. */
  forAgent(
    agent: AgentDefinition,
    settings: LoadedSettings,
  ): { ok: true; source?: McpToolSource } | { ok: false; failure: Failure } {
    const resolved = mcpServersFor(agent, settings);
    if (!resolved.ok) return resolved;
    return resolved.servers.length === 0 ? { ok: true } : { ok: true, source: this.source(resolved.servers) };
  }

  /** The tools of `servers`, for one agent's turns. */
  source(servers: readonly McpServerConfig[]): McpToolSource {
    return {
      tools: (signal) => this.toolsFor(servers, signal),
      missing: (toolName) => {
        const server = serverOfToolName(toolName);
        if (server && servers.some((config) => config.name === server)) this.forget(server);
      },
    };
  }

  /** Lists the server again at the next turn. */
  forget(server: string): void {
    const listing = this.entries.get(server)?.listing;
    if (listing) listing.at = Number.NEGATIVE_INFINITY;
  }

  /** Closes every connection. */
  async close(): Promise<void> {
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(entries.map((entry) => entry.connection.close()));
  }

  private async toolsFor(servers: readonly McpServerConfig[], signal: AbortSignal): Promise<McpToolset> {
    const listed = await Promise.all(servers.map((config) => this.listing(config, signal)));
    const tools: RemoteTool[] = [];
    const problems: McpProblem[] = [];
    const texts: string[] = [];
    for (const [index, { listing, error }] of listed.entries()) {
      if (listing) {
        tools.push(...listing.tools);
        texts.push(listing.schemaText);
      }
      if (error)
        problems.push({ server: (servers[index] as McpServerConfig).name, error, stale: listing !== undefined });
    }
    return { tools, problems, schemaText: texts.join("") };
  }

  private async listing(config: McpServerConfig, signal: AbortSignal): Promise<{ listing?: Listing; error?: string }> {
    const entry = this.entry(config);
    const now = this.now();
    const { listing, failure } = entry;
    if (listing && now - listing.at < config.ttlMs) return { listing };
    if (failure && now - failure.at < RETRY_AFTER_FAILURE_MS)
      return { ...(listing ? { listing } : {}), error: failure.error };
    try {
      entry.listing = this.build(entry, config, await entry.connection.listTools(signal));
      entry.failure = undefined;
      return { listing: entry.listing };
    } catch (error) {
      const message = error instanceof McpFailure ? error.message : `MCP server '${config.name}' could not be listed`;
      // a cancelled turn says nothing about the server
      if (!(error instanceof McpFailure && error.kind === "cancelled")) entry.failure = { at: now, error: message };
      return { ...(listing ? { listing } : {}), error: message };
    }
  }

  private entry(config: McpServerConfig): Entry {
    const key = JSON.stringify([config.url, config.headers, config.timeoutMs, [...(config.tools ?? [])].sort()]);
    let entry = this.entries.get(config.name);
    if (entry?.key !== key) {
      void entry?.connection.close();
      entry = { key, connection: new McpConnection(config) };
      this.entries.set(config.name, entry);
    }
    return entry;
  }

  private build(entry: Entry, config: McpServerConfig, listed: readonly Tool[]): Listing {
    const tools: RemoteTool[] = [];
    const names = new Set<string>();
    for (const tool of listed) {
      if (config.tools && !config.tools.has(tool.name)) continue;
      const name = namespacedToolName(config.name, tool.name);
      const compiled = compileInputSchema(tool.inputSchema);
      const reason = !compiled.ok
        ? compiled.error
        : names.has(name)
          ? `its name is taken by another tool (${name})`
          : tools.length >= MAX_TOOLS_PER_SERVER
            ? `the server lists more than ${MAX_TOOLS_PER_SERVER} tools`
            : null;
      if (reason !== null || !compiled.ok) {
        log({
          event: "notice",
          level: "warn",
          message: "MCP tool not offered",
          server: config.name,
          tool: tool.name,
          reason: reason ?? undefined,
        });
        continue;
      }
      names.add(name);
      const { $schema: _dialect, ...parameters } = compiled.schema;
      tools.push({
        name,
        server: config.name,
        description: (tool.description || tool.title || `Tool ${tool.name} of MCP server ${config.name}.`).slice(
          0,
          MAX_DESCRIPTION_CHARS,
        ),
        parameters,
        check: compiled.check,
        call: (args, signal) => this.call(entry, config, tool, args, signal),
      });
    }
    const schemaText = JSON.stringify(
      tools.map(({ name, description, parameters }) => ({ name, description, parameters })),
    );
    return { tools, schemaText, at: this.now() };
  }

  private async call(
    entry: Entry,
    config: McpServerConfig,
    tool: Tool,
    args: unknown,
    signal: AbortSignal | undefined,
  ): Promise<string> {
    let result: Awaited<ReturnType<McpConnection["callTool"]>>;
    try {
      result = await entry.connection.callTool(tool, args as Record<string, unknown>, signal);
    } catch (error) {
      if (!(error instanceof McpFailure)) throw new ToolError(`MCP server '${config.name}' could not be called`);
      if (error.kind === "unknown_tool") this.forget(config.name);
      throw new ToolError(error.message);
    }
    const text = resultText(result);
    if (result.isError) {
      if (saysUnknownTool(text)) this.forget(config.name);
      throw new ToolError(text);
    }
    return text;
  }
}
