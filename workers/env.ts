/** Per-request values the router's middleware and routes share. */
export interface RouterVariables {
  requestId: string;
  tenant: string;
  /** the label of the caller's token (`api` when it has none) */
  label: string;
  sessionId?: string;
  turnId?: string;
  errorCode?: string;
  /** errors are answered in OpenAI's envelope (set on the OpenAI-compatible routes only) */
  errorStyle?: "openai";
  /** the request's W3C trace and the router's span in it */
  trace?: { traceId: string; spanId: string; sampled: boolean; traceparent: string };
}

/** The hono environment of the router app. */
export interface RouterEnv {
  Bindings: Env;
  Variables: RouterVariables;
}
