/**
 * HTTPS to a JobManager the way Flink's RestClient does it: one connection per request with
 * `Connection: close`, the server's chain verified against the configured trust, but not its
 * host name — the operator dials pod IPs and `<cluster-id>-rest.<namespace>` names that the
 * JobManager's certificate (FKO's examples: `*.flink.svc`, `<name>-rest`) need not carry, and
 * Flink's client never checked them either. Because Deno also trusts its built-in roots next to
 * the configured CAs, a verified chain must in addition contain one of the truststore's own
 * certificates. With `security.ssl.rest.cert.fingerprint` only the listed server certificates
 * pass. Mutual TLS presents the keystore's certificate.
 *
 * Built on node:tls rather than fetch: fetch offers neither turning off the host-name check nor
 * a look at the verified chain.
 */
import tls from "node:tls";
import net from "node:net";
import { Buffer } from "node:buffer";
import { FlinkUnreachableError } from "../errors.ts";
import {
  encodeBody,
  jsonOf,
  requestUrl,
  type RestRequest,
  type RestResponse,
  type RestTransport,
  withDeadline,
} from "../transport.ts";
import type { RestTlsMaterial } from "./rest_tls_material.ts";

/** The TLS handshake failed or the server's certificate is not trusted: no answer from Flink. */
export class FlinkTlsError extends FlinkUnreachableError {
  constructor(message: string, via: string, cause?: unknown) {
    super(message, via, cause);
    this.name = "FlinkTlsError";
  }
}

/** How long an answer may be: Flink's own client aggregates at most 100 MB. */
const MAX_RESPONSE_BYTES = 100 * 1024 * 1024;

export class TlsTransport implements RestTransport {
  constructor(
    readonly host: string,
    readonly port: number,
    private readonly material: RestTlsMaterial,
    private readonly label?: string,
  ) {}

  get baseUrl(): string {
    const host = this.host.includes(":") ? `[${this.host}]` : this.host;
    return `https://${host}:${this.port}`;
  }

  describe(): string {
    return this.label ? `${this.baseUrl} (${this.label})` : this.baseUrl;
  }

  request(method: string, path: string, req: RestRequest): Promise<RestResponse> {
    const url = requestUrl(this.baseUrl, path, req.query);
    const { body, contentType } = encodeBody(req);
    const payload = body === undefined
      ? new Uint8Array(0)
      : typeof body === "string"
      ? new TextEncoder().encode(body)
      : body;
    const head = [
      `${method} ${url.pathname}${url.search} HTTP/1.1`,
      `Host: ${url.host}`,
      "Accept: application/json",
      ...(contentType ? [`Content-Type: ${contentType}`] : []),
      ...(body !== undefined || method !== "GET" ? [`Content-Length: ${payload.length}`] : []),
      "Connection: close",
      "",
      "",
    ].join("\r\n");
    return withDeadline(
      `${method} ${path}`,
      req,
      this.describe(),
      (signal) => this.#exchange(new TextEncoder().encode(head), payload, signal),
    );
  }

  #exchange(head: Uint8Array, payload: Uint8Array, signal: AbortSignal): Promise<RestResponse> {
    const via = this.describe();
    return new Promise<RestResponse>((resolve, reject) => {
      const trust = this.material.trust;
      const socket = tls.connect({
        host: this.host,
        port: this.port,
        // SNI carries names only, never addresses.
        ...(net.isIP(this.host) ? {} : { servername: this.host }),
        ...(trust.kind === "cas" ? { ca: [...trust.pems] } : {}),
        ...(this.material.client ? this.material.client : {}),
        rejectUnauthorized: trust.kind !== "fingerprints",
        checkServerIdentity: () => undefined,
        ALPNProtocols: ["http/1.1"],
      });
      const chunks: Buffer[] = [];
      let received = 0;
      let connected = false;
      let secured = false;
      let settled = false;
      const finish = (err: Error | undefined, value?: RestResponse) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener("abort", onAbort);
        socket.destroy();
        if (err) reject(err);
        else resolve(value!);
      };
      const onAbort = () => finish(signal.reason ?? new Error("aborted"));
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });

      socket.on("connect", () => connected = true);
      socket.on("secureConnect", () => {
        secured = true;
        const problem = untrusted(socket, this.material);
        if (problem) {
          return finish(new FlinkTlsError(`${problem}; ${this.material.description}`, via));
        }
        socket.write(head);
        if (payload.length > 0) socket.write(payload);
      });
      socket.on("data", (chunk: Buffer) => {
        received += chunk.length;
        if (received > MAX_RESPONSE_BYTES) {
          return finish(new FlinkUnreachableError("the JobManager's answer is too large", via));
        }
        chunks.push(chunk);
        // A server that keeps the connection open despite `Connection: close` has answered
        // once the announced body is in.
        const whole = Buffer.concat(chunks);
        if (isComplete(whole)) done();
      });
      const done = () => {
        if (received === 0) {
          // A server that refuses the client certificate may just close the connection.
          return finish(
            new FlinkUnreachableError(
              "the JobManager closed the connection without answering" +
                (this.material.client
                  ? " (it may have refused the client certificate)"
                  : " (it may ask for a client certificate: security.ssl.rest.authentication-enabled)"),
              via,
            ),
          );
        }
        try {
          finish(undefined, parseResponse(Buffer.concat(chunks)));
        } catch (err) {
          finish(new FlinkUnreachableError("the JobManager's answer is not HTTP", via, err));
        }
      };
      socket.on("end", done);
      socket.on("close", () => {
        if (secured) done();
        else finish(new FlinkUnreachableError("the JobManager closed the connection", via));
      });
      socket.on("error", (err: Error) => {
        if (!connected && !secured) {
          return finish(
            new FlinkUnreachableError("cannot connect to the JobManager REST endpoint", via, err),
          );
        }
        // Under TLS 1.3 the server judges the client certificate after the client's handshake
        // is done: its refusal arrives as an alert before any answer.
        const refusedAfterHandshake = received === 0 && /alert|certificate/i.test(err.message);
        if (!secured || refusedAfterHandshake) {
          return finish(
            new FlinkTlsError(
              `TLS handshake with the JobManager failed (${tlsHint(err, this.material)}); ` +
                this.material.description,
              via,
              err,
            ),
          );
        }
        finish(new FlinkUnreachableError("connection to the JobManager broke", via, err));
      });
    });
  }
}

/** Why the verified peer is not one the configuration trusts, or undefined. */
function untrusted(socket: tls.TLSSocket, material: RestTlsMaterial): string | undefined {
  const trust = material.trust;
  if (trust.kind === "system") return undefined;
  const leaf = socket.getPeerCertificate(true) as tls.DetailedPeerCertificate | undefined;
  if (!leaf || !leaf.raw) return "the JobManager presented no certificate";
  if (trust.kind === "fingerprints") {
    const sha1 = (leaf.fingerprint ?? "").replace(/:/g, "").toLowerCase();
    return trust.sha1.has(sha1)
      ? undefined
      : `the JobManager's certificate (SHA-1 ${sha1}) is not one of ` +
        "security.ssl.rest.cert.fingerprint";
  }
  const seen = new Set<unknown>();
  for (let cert: tls.DetailedPeerCertificate | undefined = leaf; cert && !seen.has(cert);) {
    seen.add(cert);
    if (trust.sha256.has(cert.fingerprint256)) return undefined;
    cert = cert.issuerCertificate;
  }
  return "the JobManager's certificate chain does not lead to a certificate of the truststore";
}

function tlsHint(err: Error, material: RestTlsMaterial): string {
  const text = err.message;
  if (/CertificateRequired|certificate required|alert.*certificate/i.test(text)) {
    return material.client
      ? `the JobManager refused the client certificate: ${text}`
      : `the JobManager asks for a client certificate (security.ssl.rest.authentication-enabled): ${text}`;
  }
  if (/UnknownIssuer|verify|self.signed|unable to get/i.test(text)) {
    return `the JobManager's certificate is not signed by a trusted CA: ${text}`;
  }
  return text;
}

/** True when `bytes` hold a whole response with a Content-Length or chunked body. */
function isComplete(bytes: Buffer): boolean {
  const end = bytes.indexOf("\r\n\r\n");
  if (end < 0) return false;
  const head = bytes.subarray(0, end).toString("latin1").toLowerCase();
  const length = /\r\ncontent-length:\s*(\d+)/.exec(head);
  if (length) return bytes.length - (end + 4) >= Number(length[1]);
  if (/\r\ntransfer-encoding:[^\r]*chunked/.test(head)) {
    return bytes.subarray(bytes.length - 5).toString("latin1") === "0\r\n\r\n";
  }
  return false;
}

/** An HTTP/1.1 response read to the end of the connection. */
export function parseResponse(bytes: Buffer): RestResponse {
  const end = bytes.indexOf("\r\n\r\n");
  if (end < 0) throw new Error("incomplete response head");
  const headLines = bytes.subarray(0, end).toString("latin1").split("\r\n");
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(headLines[0]);
  if (!status) throw new Error(`bad status line ${JSON.stringify(headLines[0].slice(0, 80))}`);
  const headers = new Map<string, string>();
  for (const line of headLines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon > 0) {
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
  }
  let body = bytes.subarray(end + 4);
  if (/\bchunked\b/i.test(headers.get("transfer-encoding") ?? "")) body = dechunk(body);
  else if (headers.has("content-length")) {
    body = body.subarray(0, Number(headers.get("content-length")));
  }
  const text = new TextDecoder().decode(body);
  return { status: Number(status[1]), json: jsonOf(text), text };
}

function dechunk(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset < data.length) {
    const lineEnd = data.indexOf("\r\n", offset);
    if (lineEnd < 0) throw new Error("bad chunk");
    const size = parseInt(data.subarray(offset, lineEnd).toString("latin1").split(";")[0], 16);
    if (!Number.isFinite(size)) throw new Error("bad chunk size");
    if (size === 0) break;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}
