import { DurableObject } from "cloudflare:workers";

/** Bindings of the baseline worker (a benchmark fixture, not part of the product). */
interface BaselineEnv {
  BASELINE: DurableObjectNamespace<BaselineStore>;
}

/** The cheapest useful Durable Object: one SQLite insert per request. */
export class BaselineStore extends DurableObject<BaselineEnv> {
  constructor(ctx: DurableObjectState, env: BaselineEnv) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS hits (id INTEGER PRIMARY KEY, body TEXT NOT NULL, at INTEGER NOT NULL)",
    );
  }

  /** Accepts a hibernatable WebSocket that echoes every frame. */
  override async fetch(_request: Request): Promise<Response> {
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    this.ctx.acceptWebSocket(server);
    return new Response(null, { status: 101, webSocket: client });
  }

  override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): void {
    ws.send(message);
  }

  async insert(body: string): Promise<{ id: number }> {
    const row = this.ctx.storage.sql
      .exec<{ id: number }>("INSERT INTO hits (body, at) VALUES (?, ?) RETURNING id", body, Date.now())
      .one();
    return { id: row.id };
  }
}

/**
 * Routes POST /sessions/:key/messages to the object named :key, like the product's router,
 * and GET /sessions/:key/ws to that object's WebSocket echo.
 */
export default {
  async fetch(request, env) {
    const key = new URL(request.url).pathname.split("/")[2] ?? "default";
    if (request.headers.get("upgrade") === "websocket") return env.BASELINE.getByName(key).fetch(request);
    const body = await request.text();
    return Response.json(await env.BASELINE.getByName(key).insert(body));
  },
} satisfies ExportedHandler<BaselineEnv>;
