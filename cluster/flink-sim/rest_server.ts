import https from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { Buffer } from "node:buffer";
import type { SimRestTls } from "./rest_tls.ts";

/** How long a closing listener waits for the requests in flight. */
export const SHUTDOWN_GRACE_MS = 1_000;

/** What `open` returns a handle for: Deno's HTTP server, or the node:https one for TLS. */
interface Listener {
  shutdown(): Promise<void>;
}

/**
 * The JobManager's HTTP listener, which fault injection can take down and bring back. Each
 * opening has its own abort signal: handlers waiting on it (injected delays, hangs) are released
 * when the listener closes, so a graceful shutdown never waits on them. With `tls` it serves
 * HTTPS (rest_tls.ts), asking for a client certificate when the configuration says so.
 */
export class RestServer {
  #server: Listener | undefined;
  #generation: AbortController | undefined;
  /** Ends each request in flight with a dropped connection (close with `dropInFlight`). */
  readonly #inFlight = new Set<(dropped: Response) => void>();

  constructor(
    readonly hostname: string,
    readonly port: number,
    private readonly handler: (request: Request, closing: AbortSignal) => Promise<Response>,
    private readonly tls?: SimRestTls,
  ) {}

  get listening(): boolean {
    return this.#server !== undefined;
  }

  get url(): string {
    return `${this.tls ? "https" : "http"}://${this.hostname}:${this.port}`;
  }

  /** Binds and listens; throws like Deno.serve (e.g. AddrInUse). */
  open(): void {
    if (this.#server) return;
    const generation = new AbortController();
    if (this.tls) {
      this.#server = this.#openTls(this.tls, generation.signal);
      this.#generation = generation;
      return;
    }
    this.#server = Deno.serve({
      hostname: this.hostname,
      port: this.port,
      onListen: () => {},
      onError: (err) =>
        new Response(JSON.stringify({ errors: ["Internal server error.", String(err)] }), {
          status: 500,
          headers: { "content-type": "application/json; charset=UTF-8" },
        }),
    }, (request) => this.#serveDroppable(request, generation.signal));
    this.#generation = generation;
  }

  #openTls(tls: SimRestTls, closing: AbortSignal): Listener {
    // node:https reports a busy port asynchronously; bind once synchronously to fail like
    // Deno.serve does.
    Deno.listen({ hostname: this.hostname, port: this.port }).close();
    const sockets = new Set<Socket>();
    const server = https.createServer({
      cert: tls.cert,
      key: tls.key,
      ...(tls.mutual
        ? {
          requestCert: true,
          rejectUnauthorized: true,
          ...(tls.clientCas ? { ca: [...tls.clientCas] } : {}),
        }
        : {}),
    }, (req: IncomingMessage, res: ServerResponse) => {
      void this.#serveNode(req, res, closing);
    });
    server.on("connection", (socket: Socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });
    server.on("tlsClientError", () => {}); // a refused client certificate: the client sees it
    server.listen(this.port, this.hostname);
    return {
      shutdown: () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          for (const socket of sockets) socket.destroy();
        }),
    };
  }

  async #serveNode(req: IncomingMessage, res: ServerResponse, closing: AbortSignal): Promise<void> {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
          headers.append(name, v);
        }
      }
      const method = req.method ?? "GET";
      const request = new Request(`${this.url}${req.url ?? "/"}`, {
        method,
        headers,
        body: method === "GET" || method === "HEAD" ? undefined : Buffer.concat(chunks),
      });
      const response = await this.handler(request, closing);
      const body = Buffer.from(await response.arrayBuffer());
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(body);
    } catch (err) {
      res.writeHead(500, { "content-type": "application/json; charset=UTF-8" });
      res.end(JSON.stringify({ errors: ["Internal server error.", String(err)] }));
    }
  }

  async #serveDroppable(request: Request, closing: AbortSignal): Promise<Response> {
    const dropped = Promise.withResolvers<Response>();
    this.#inFlight.add(dropped.resolve);
    try {
      return await Promise.race([this.handler(request, closing), dropped.promise]);
    } finally {
      this.#inFlight.delete(dropped.resolve);
    }
  }

  /**
   * Stops listening; in-flight requests that wait on the signal are released first. With
   * `dropInFlight` (the process ends) each request still in flight loses its connection, as the
   * kernel resets a dead process's: its client fails at once instead of waiting for its timeout
   * (a session job's jar run waits up to 10 min). Either way the close waits at most
   * SHUTDOWN_GRACE_MS, so a process never stays half-alive, refusing connections while its
   * container never exits, for a handler that waits on a timer the process cleared.
   */
  async close(opts: { dropInFlight?: boolean } = {}): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    this.#generation?.abort();
    this.#generation = undefined;
    if (opts.dropInFlight) {
      for (const drop of [...this.#inFlight]) drop(droppedConnection());
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      server.shutdown().catch(() => {}),
      new Promise<void>((resolve) => timer = setTimeout(resolve, SHUTDOWN_GRACE_MS)),
    ]);
    clearTimeout(timer);
  }
}

/**
 * A response whose body fails before its first byte: Deno's server then breaks the connection,
 * and the client's read fails as on a reset (the status line may have gone out already).
 */
function droppedConnection(): Response {
  return new Response(
    new ReadableStream({
      start(controller) {
        controller.error(new Error("connection dropped: the simulated process ended"));
      },
    }),
  );
}

/** Sleeps, resolving early when the signal aborts; leaves no timer behind either way. */
export function sleepUnless(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
