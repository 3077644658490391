/**
 * A stand-in JobManager REST endpoint on 127.0.0.1 for the Flink REST client tests: routes answer
 * with recorded Flink JSON, and every request is kept so tests can assert what the client sent.
 */
import { DirectTransport } from "../../lib/flink/rest/transport.ts";
import { FlinkRestClient, type FlinkRestTimeouts } from "../../lib/flink/rest/client.ts";

export interface RecordedRequest {
  method: string;
  /** Path without query, e.g. `/v1/jobs/overview`. */
  path: string;
  query: URLSearchParams;
  contentType: string | null;
  bytes: Uint8Array;
  text: string;
  json?: unknown;
}

export interface Reply {
  status?: number;
  json?: unknown;
  text?: string;
  /** Answer only after this long (or at shutdown). */
  delayMs?: number;
}

type Route = Reply | ((req: RecordedRequest) => Reply);

export class FakeFlink {
  readonly requests: RecordedRequest[] = [];
  readonly #routes = new Map<string, Route>();
  readonly #delays = new Set<() => void>();
  #server: Deno.HttpServer<Deno.NetAddr> | undefined;

  /** Registers the answer for `METHOD /path` (path without the /v1 prefix, without query). */
  on(method: string, path: string, route: Route): this {
    this.#routes.set(`${method} /v1${path}`, route);
    return this;
  }

  get baseUrl(): string {
    const addr = this.#server!.addr;
    return `http://${addr.hostname}:${addr.port}`;
  }

  client(timeouts: Partial<FlinkRestTimeouts> = {}): FlinkRestClient {
    return new FlinkRestClient(new DirectTransport(this.baseUrl), timeouts);
  }

  /** The single request made to `METHOD /path`; fails the test when there is not exactly one. */
  only(method: string, path: string): RecordedRequest {
    const hits = this.requests.filter((r) => r.method === method && r.path === `/v1${path}`);
    if (hits.length !== 1) {
      throw new Error(`expected one ${method} /v1${path}, got ${hits.length}`);
    }
    return hits[0];
  }

  start(): this {
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      (req) => this.#handle(req),
    );
    return this;
  }

  async close(): Promise<void> {
    for (const release of this.#delays) release();
    await this.#server?.shutdown();
  }

  /** A slow answer that close() cuts short, so shutdown never waits for it. */
  #delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const release = () => {
        clearTimeout(timer);
        this.#delays.delete(release);
        resolve();
      };
      const timer = setTimeout(release, ms);
      this.#delays.add(release);
    });
  }

  async #handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const bytes = new Uint8Array(await req.arrayBuffer());
    const text = new TextDecoder().decode(bytes);
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    const recorded: RecordedRequest = {
      method: req.method,
      path: url.pathname,
      query: url.searchParams,
      contentType: req.headers.get("content-type"),
      bytes,
      text,
      json,
    };
    this.requests.push(recorded);
    const route = this.#routes.get(`${req.method} ${url.pathname}`);
    // Flink's own answer for an unknown URL.
    const reply: Reply = route === undefined
      ? { status: 404, json: { errors: ["Not found: " + url.pathname] } }
      : typeof route === "function"
      ? route(recorded)
      : route;
    if (reply.delayMs) await this.#delay(reply.delayMs);
    const body = reply.json !== undefined ? JSON.stringify(reply.json) : reply.text ?? "";
    return new Response(body || null, {
      status: reply.status ?? 200,
      headers: { "content-type": "application/json; charset=UTF-8" },
    });
  }
}

/** Runs `test` against a started fake and always shuts it down. */
export async function withFakeFlink(
  setup: (flink: FakeFlink) => void,
  test: (flink: FakeFlink) => Promise<void>,
): Promise<void> {
  const flink = new FakeFlink();
  setup(flink);
  flink.start();
  try {
    await test(flink);
  } finally {
    await flink.close();
  }
}
