/** Per-request values the router's middleware and routes share. */
export interface RouterVariables {
  requestId: string;
  tenant: string;
  sessionId?: string;
  turnId?: string;
  errorCode?: string;
  /** the request's W3C trace and the router's span in it */
  trace?: { traceId: string; spanId: string; sampled: boolean; traceparent: string };
}

/** The hono environment of the router app. */
export interface RouterEnv {
  Bindings: Env;
  Variables: RouterVariables;
}
