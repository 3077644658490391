/**
 * The JobManager's HTTP listener, which fault injection can take down and bring back. Each
 * opening has its own abort signal: handlers waiting on it (injected delays, hangs) are released
 * when the listener closes, so a graceful shutdown never waits on them.
 */
export class RestServer {
  #server: Deno.HttpServer | undefined;
  #generation: AbortController | undefined;

  constructor(
    readonly hostname: string,
    readonly port: number,
    private readonly handler: (request: Request, closing: AbortSignal) => Promise<Response>,
  ) {}

  get listening(): boolean {
    return this.#server !== undefined;
  }

  get url(): string {
    return `http://${this.hostname}:${this.port}`;
  }

  /** Binds and listens; throws like Deno.serve (e.g. AddrInUse). */
  open(): void {
    if (this.#server) return;
    const generation = new AbortController();
    this.#server = Deno.serve({
      hostname: this.hostname,
      port: this.port,
      onListen: () => {},
      onError: (err) =>
        new Response(JSON.stringify({ errors: ["Internal server error.", String(err)] }), {
          status: 500,
          headers: { "content-type": "application/json; charset=UTF-8" },
        }),
    }, (request) => this.handler(request, generation.signal));
    this.#generation = generation;
  }

  /** Stops listening; in-flight requests that wait on the signal are released first. */
  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    this.#generation?.abort();
    this.#generation = undefined;
    await server.shutdown().catch(() => {});
  }
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
