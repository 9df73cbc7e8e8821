import { connect, createServer, type Server, type Socket } from "node:net";

interface Pair {
  client: Socket;
  upstream: Socket;
  /** bytes are dropped both ways, the sockets stay open: a dead but unclosed connection */
  holed: boolean;
}

/** A TCP proxy on loopback in front of a server, that can kill, refuse or silence connections. */
export class TcpProxy {
  private readonly pairs = new Set<Pair>();
  private refusing = false;
  /** connections it has taken, refused ones included */
  accepted = 0;

  private constructor(
    private readonly server: Server,
    readonly url: URL,
    private readonly target: URL,
  ) {}

  /** Starts a proxy to `target`'s host and port. */
  static async start(target: URL): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = createServer((client) => proxy?.accept(client));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("the proxy has no port");
    proxy = new TcpProxy(server, new URL(`http://127.0.0.1:${address.port}`), target);
    return proxy;
  }

  private accept(client: Socket): void {
    this.accepted++;
    if (this.refusing) return void client.destroy();
    const upstream = connect(Number(this.target.port), this.target.hostname);
    const pair: Pair = { client, upstream, holed: false };
    this.pairs.add(pair);
    client.on("data", (data) => pair.holed || upstream.write(data));
    upstream.on("data", (data) => pair.holed || client.write(data));
    const end = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on("close", end);
      socket.on("error", end);
    }
  }

  /** Kills every open connection, as a network failure would (no WebSocket close frame). */
  drop(): void {
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
  }

  /** While on, new connections are closed as soon as they are made. */
  refuse(on: boolean): void {
    this.refusing = on;
  }

  /** Open connections stop carrying bytes but stay open (a half-dead network path). */
  blackhole(): void {
    for (const pair of this.pairs) pair.holed = true;
  }

  async close(): Promise<void> {
    this.drop();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
