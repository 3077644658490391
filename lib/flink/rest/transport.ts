/**
 * How a request reaches a JobManager's REST endpoint. The Flink client speaks only to this
 * interface, so the same calls work over service DNS, a pod IP, or the API server's service proxy.
 */
import type { KubeClient } from "../../kube/client.ts";
import { ConnectionError } from "../../kube/errors.ts";
import { FlinkTimeoutError, FlinkUnreachableError } from "./errors.ts";
import { encodeMultipart, type MultipartFile } from "./multipart.ts";

export type QueryParams = Record<string, string | number | boolean | undefined>;

export interface RestRequest {
  /** Sent as JSON. Ignored when `multipart` is given. */
  body?: unknown;
  query?: QueryParams;
  timeoutMs: number;
  multipart?: MultipartFile;
  /** Aborts the call; the abort reason is rethrown as is. */
  signal?: AbortSignal;
}

/** Any HTTP answer, successful or not; interpreting the status is the client's job. */
export interface RestResponse {
  status: number;
  /** The body parsed as JSON, when it is JSON. */
  json?: unknown;
  text: string;
}

export interface RestTransport {
  /**
   * Sends one request. Resolves with whatever status the JobManager answered; rejects with
   * FlinkUnreachableError when nothing answered and FlinkTimeoutError when the deadline passed.
   */
  request(method: string, path: string, req: RestRequest): Promise<RestResponse>;
  /** Where requests go, for logs and error messages. */
  describe(): string;
}

/** Plain HTTP to a host:port the operator can reach itself (service DNS or a pod IP). */
export class DirectTransport implements RestTransport {
  readonly baseUrl: string;

  constructor(baseUrl: string, private readonly label?: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
  }

  describe(): string {
    return this.label ? `${this.baseUrl} (${this.label})` : this.baseUrl;
  }

  request(method: string, path: string, req: RestRequest): Promise<RestResponse> {
    const url = requestUrl(this.baseUrl, path, req.query);
    const { body, contentType } = encodeBody(req);
    const headers: Record<string, string> = { Accept: "application/json" };
    if (contentType) headers["Content-Type"] = contentType;
    return withDeadline(
      `${method} ${path}`,
      req,
      this.describe(),
      async (signal) => {
        let res: Response;
        try {
          res = await fetch(url, { method, headers, body, signal });
        } catch (err) {
          if (signal.aborted) throw err;
          throw new FlinkUnreachableError(
            `cannot connect to the JobManager REST endpoint`,
            this.describe(),
            err,
          );
        }
        return await readResponse(res, signal, this.describe());
      },
    );
  }
}

/** The part of KubeClient the proxy transport needs (kept narrow so tests can fake it). */
export type KubeFetcher = Pick<KubeClient, "fetch">;

/**
 * Goes through the API server's service proxy
 * (`/api/v1/namespaces/<ns>/services/<service>:<port>/proxy/<path>`), for an operator that can
 * reach the API server but not the pod network. Needs `services/proxy` RBAC: the API server
 * authorizes each proxied request with the verb of its HTTP method (get, create, patch, update,
 * delete) on that subresource.
 */
export class ApiServerProxyTransport implements RestTransport {
  constructor(
    private readonly kube: KubeFetcher,
    readonly namespace: string,
    readonly service: string,
    readonly port: number | string,
    /** `https`: the API server speaks TLS to the JobManager (REST SSL without client auth). */
    readonly scheme: "http" | "https" = "http",
  ) {}

  describe(): string {
    const scheme = this.scheme === "https" ? "https:" : "";
    return `API-server proxy to service ${this.namespace}/${scheme}${this.service}:${this.port}`;
  }

  request(method: string, path: string, req: RestRequest): Promise<RestResponse> {
    const scheme = this.scheme === "https" ? "https:" : "";
    const proxyPath = `/api/v1/namespaces/${encodeURIComponent(this.namespace)}/services/` +
      `${scheme}${encodeURIComponent(this.service)}:${encodeURIComponent(String(this.port))}` +
      `/proxy${path}`;
    const { body, contentType } = encodeBody(req);
    return withDeadline(`${method} ${path}`, req, this.describe(), async (signal) => {
      let res: Response;
      try {
        // KubeClient.fetch must hand byte bodies (multipart uploads) to fetch unchanged.
        res = await this.kube.fetch(method, proxyPath, {
          query: req.query,
          body,
          contentType,
          signal,
        });
      } catch (err) {
        if (signal.aborted) throw err;
        const what = err instanceof ConnectionError
          ? "cannot reach the Kubernetes API server"
          : "request through the API-server proxy failed";
        throw new FlinkUnreachableError(what, this.describe(), err);
      }
      const answer = await readResponse(res, signal, this.describe());
      const refusal = proxyRefusal(answer);
      if (refusal) throw new FlinkUnreachableError(refusal, this.describe());
      return answer;
    });
  }
}

/** The URL of a request: the base, the path and the query parameters that are set. */
export function requestUrl(baseUrl: string, path: string, query: QueryParams | undefined): URL {
  const url = new URL(baseUrl + path);
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined) url.searchParams.set(k, String(v));
  }
  return url;
}

export function encodeBody(
  req: RestRequest,
): { body?: string | Uint8Array<ArrayBuffer>; contentType?: string } {
  if (req.multipart) {
    const { body, contentType } = encodeMultipart(req.multipart);
    return { body, contentType };
  }
  if (req.body === undefined) return {};
  return { body: JSON.stringify(req.body), contentType: "application/json" };
}

async function readResponse(
  res: Response,
  signal: AbortSignal,
  via: string,
): Promise<RestResponse> {
  let text: string;
  try {
    text = await res.text();
  } catch (err) {
    if (signal.aborted) throw err;
    // A connection that breaks while the body is read is as good as no answer.
    throw new FlinkUnreachableError("connection to the JobManager broke", via, err);
  }
  return { status: res.status, json: jsonOf(text), text };
}

/** A response body as JSON, or undefined when it is empty or not JSON. */
export function jsonOf(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Runs `call` under the request's timeout and the caller's abort signal, turning the timeout into
 * FlinkTimeoutError. Covers reading the body too, since a stalled JobManager can hang there.
 */
export async function withDeadline<T>(
  what: string,
  req: RestRequest,
  via: string,
  call: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const deadline = AbortSignal.timeout(req.timeoutMs);
  const signal = req.signal ? AbortSignal.any([req.signal, deadline]) : deadline;
  try {
    return await call(signal);
  } catch (err) {
    if (req.signal?.aborted) throw req.signal.reason ?? err;
    if (deadline.aborted) throw new FlinkTimeoutError(what, req.timeoutMs, via);
    throw err;
  }
}

/** Messages the API server uses when its proxy could not reach any backend. */
const PROXY_UNREACHABLE_SIGNATURES = [
  "no endpoints available",
  "error trying to reach service",
  "dial tcp",
  "connection refused",
  "no route to host",
  "i/o timeout",
  "error dialing backend",
];

/**
 * The API server, not Flink, answered: a Kubernetes Status object (Flink never sends one), or a
 * bare 502/503 carrying a dial error. Returns a message describing why, or undefined when the
 * answer came from Flink.
 */
export function proxyRefusal(res: RestResponse): string | undefined {
  const body = res.json as { kind?: unknown; apiVersion?: unknown; message?: unknown } | undefined;
  const isStatus = typeof body === "object" && body !== null && !Array.isArray(body) &&
    body.kind === "Status" && body.apiVersion === "v1";
  if (isStatus) {
    if (res.status < 400) return undefined;
    const message = typeof body.message === "string" ? body.message : `HTTP ${res.status}`;
    if (res.status === 401 || res.status === 403) {
      return `the API server refused the service proxy (HTTP ${res.status}: ${message}); ` +
        `the operator needs RBAC for services/proxy in this namespace`;
    }
    if (res.status === 404) return `the API server found no such service: ${message}`;
    return `the API server could not proxy to the JobManager (HTTP ${res.status}): ${message}`;
  }
  const flinkShaped = typeof body === "object" && body !== null && "errors" in body;
  if ((res.status === 502 || res.status === 503) && !flinkShaped) {
    const low = res.text.toLowerCase();
    if (PROXY_UNREACHABLE_SIGNATURES.some((s) => low.includes(s))) {
      return `the API server could not proxy to the JobManager (HTTP ${res.status}): ${
        res.text.slice(0, 300)
      }`;
    }
  }
  return undefined;
}
