// Secrets and optional bindings are not in wrangler.toml, so `wrangler types` cannot see them.
interface Env {
  /** JSON object of bearer token → tenant (`wrangler secret put EDGENT_TOKENS`) */
  EDGENT_TOKENS?: string;
  /** key that signs WebSocket tickets (`wrangler secret put EDGENT_TICKET_SECRET`); derived from EDGENT_TOKENS when unset, random in dev mode without either */
  EDGENT_TICKET_SECRET?: string;
  /** key for the OpenAI-compatible endpoint (`wrangler secret put OPENAI_API_KEY`) */
  OPENAI_API_KEY?: string;
  /** JSON of MCP server name → {header: value} sent with every request to it (`wrangler secret put EDGENT_MCP_HEADERS`) */
  EDGENT_MCP_HEADERS?: string;
  /** JSON of model name → {inputPerMillion, outputPerMillion, contextWindow}, over the built-in table */
  EDGENT_MODEL_SPECS?: string;
  /** headers of OTLP trace export, `key1=value1,key2=value2` (`wrangler secret put OTEL_EXPORTER_OTLP_HEADERS`) */
  OTEL_EXPORTER_OTLP_HEADERS?: string;
  /** full OTLP traces URL, overriding OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string;
  /** Workers AI, when `[ai]` is enabled in wrangler.toml */
  AI?: Ai;
}
