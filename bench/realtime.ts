// Real-time figures for `npm run bench`: WebSocket turn round trip vs a bare DO echo, time to
// first delta vs done, and fan-out to many clients of one session.
import WebSocket from "ws";
import { AUTH, createSession, type LatencyStats, stats } from "./load.ts";

/** `path` on `base` as a ws: URL. */
export function wsUrl(base: URL, path: string): URL {
  const url = new URL(path, base);
  url.protocol = "ws:";
  return url;
}

/** Opens a socket and resolves once it is open (and, for Edgent, once `ready` arrived). */
export async function open(url: URL, waitReady: boolean): Promise<WebSocket> {
  const socket = new WebSocket(url, { headers: { authorization: AUTH.authorization } });
  await new Promise<void>((resolve, reject) => {
    if (waitReady) socket.once("message", () => resolve());
    else socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  return socket;
}

/** Sends `frame` and waits for the first reply that `done` accepts; returns the round trip in ms. */
export function roundTrip(socket: WebSocket, frame: string, done: (text: string) => boolean): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      if (!done(String(data))) return;
      socket.off("message", onMessage);
      resolve(performance.now() - t0);
    };
    socket.on("message", onMessage);
    socket.send(frame);
  });
}

/** p50 of a builtin turn over WebSocket (send to `turn completed`) vs a bare DO echo, interleaved. */
export async function wsRoundTrips(
  product: URL,
  baseline: URL,
  rounds: number,
): Promise<{ turn: LatencyStats; echo: LatencyStats }> {
  const sessionId = `ws-rtt-${crypto.randomUUID()}`;
  await createSession(product, "assistant", sessionId);
  const turnSocket = await open(wsUrl(product, `/v1/sessions/${sessionId}/ws?after=0`), true);
  const echoSocket = await open(wsUrl(baseline, `/sessions/echo-${crypto.randomUUID()}/ws`), false);
  const frame = JSON.stringify({ type: "message", content: "What is the status of my order?" });
  const completed = (text: string) => text.includes('"type":"turn"') && text.includes('"status":"completed"');
  const turns: number[] = [];
  const echoes: number[] = [];
  for (let i = 0; i < rounds + 20; i++) {
    const turn = await roundTrip(turnSocket, frame, completed);
    const echo = await roundTrip(echoSocket, frame, () => true);
    // the first rounds warm the code paths and are not counted
    if (i >= 20) {
      turns.push(turn);
      echoes.push(echo);
    }
  }
  turnSocket.close();
  echoSocket.close();
  return { turn: stats(turns), echo: stats(echoes) };
}

/** Time to the first `delta` and to `done` of streamed SSE turns (`/slow` 10 words, 10 ms apart). */
export async function streamTimings(
  product: URL,
  turns: number,
): Promise<{ firstDelta: LatencyStats; done: LatencyStats }> {
  const sessionId = `sse-${crypto.randomUUID()}`;
  await createSession(product, "assistant", sessionId);
  const firsts: number[] = [];
  const dones: number[] = [];
  for (let i = 0; i < turns; i++) {
    const t0 = performance.now();
    const response = await fetch(new URL(`/v1/sessions/${sessionId}/messages`, product), {
      method: "POST",
      headers: { ...AUTH, accept: "text/event-stream" },
      body: JSON.stringify({ content: "/slow 10 one two three four five six seven eight nine ten" }),
    });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = "";
    let first: number | undefined;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      if (first === undefined && text.includes("event: delta")) first = performance.now() - t0;
    }
    if (first === undefined || !text.includes("event: done")) throw new Error("stream ended without delta or done");
    firsts.push(first);
    dones.push(performance.now() - t0);
  }
  return { firstDelta: stats(firsts), done: stats(dones) };
}

/** Stored messages per second delivered to `clients` WebSockets of one session while `turns` turns run. */
export async function fanOut(
  product: URL,
  clients: number,
  turns: number,
): Promise<{ messagesPerSecond: number; framesPerSecond: number; delivered: number }> {
  const sessionId = `fan-${crypto.randomUUID()}`;
  await createSession(product, "assistant", sessionId);
  const sockets = await Promise.all(
    Array.from({ length: clients }, () => open(wsUrl(product, `/v1/sessions/${sessionId}/ws?after=0`), true)),
  );
  let messages = 0;
  let frames = 0;
  const expected = clients * turns * 2;
  let resolveAll: () => void = () => undefined;
  const allDelivered = new Promise<void>((resolve) => (resolveAll = resolve));
  for (const socket of sockets) {
    socket.on("message", (data) => {
      frames++;
      if (String(data).startsWith('{"type":"message"')) messages++;
      if (messages >= expected) resolveAll();
    });
  }
  const t0 = performance.now();
  for (let i = 0; i < turns; i++) {
    const response = await fetch(new URL(`/v1/sessions/${sessionId}/messages`, product), {
      method: "POST",
      headers: AUTH,
      body: JSON.stringify({ content: `broadcast ${i}` }),
    });
    await response.arrayBuffer();
  }
  await allDelivered;
  const seconds = (performance.now() - t0) / 1000;
  for (const socket of sockets) socket.close();
  return { messagesPerSecond: messages / seconds, framesPerSecond: frames / seconds, delivered: messages };
}
