/**
 * The certificates and keys REST TLS settings name, read from disk and kept while the files do
 * not change (same size and modification time), so a pass does not re-derive PBKDF2 keys. A
 * replaced file (a rotated Secret) is read again on the next call.
 */
import crypto from "node:crypto";
import { type RestSslSettings, RestTlsConfigError, type StoreRef } from "./rest_ssl_options.ts";
import { readStore, type StoreContents } from "./stores.ts";

export type RestTrustMaterial =
  | { readonly kind: "system" }
  /** CA certificates (PEM) and the SHA-256 fingerprints a verified chain must contain one of. */
  | { readonly kind: "cas"; readonly pems: readonly string[]; readonly sha256: ReadonlySet<string> }
  /** SHA-1 fingerprints (lower-case hex) of the server certificates to accept. */
  | { readonly kind: "fingerprints"; readonly sha1: ReadonlySet<string> };

export interface RestTlsMaterial {
  readonly trust: RestTrustMaterial;
  /** The client certificate chain and key (PEM), for mutual TLS. */
  readonly client?: { readonly cert: string; readonly key: string };
  /** Where trust and identity come from, for messages; never a secret. */
  readonly description: string;
}

interface CacheEntry {
  readonly stamp: string;
  readonly password: string | undefined;
  readonly keyPassword: string | undefined;
  readonly contents: StoreContents;
}

const cache = new Map<string, CacheEntry>();

export async function loadRestTls(settings: RestSslSettings): Promise<RestTlsMaterial> {
  const parts: string[] = [];
  let trust: RestTrustMaterial;
  if (settings.trust.kind === "system") {
    trust = { kind: "system" };
    parts.push("trusting the system's root certificates (no truststore configured)");
  } else {
    const store = await load(settings.trust.store, "truststore");
    if (settings.trust.kind === "fingerprint") {
      trust = { kind: "fingerprints", sha1: new Set(settings.trust.sha1) };
      parts.push(
        `trusting the server certificates of security.ssl.rest.cert.fingerprint ` +
          `(truststore ${settings.trust.store.path} from ${settings.trust.store.pathKey})`,
      );
    } else {
      trust = {
        kind: "cas",
        pems: store.certificates,
        sha256: new Set(store.certificates.map((pem) => fingerprint256(pem))),
      };
      parts.push(
        `trusting the ${store.certificates.length} certificate(s) of truststore ` +
          `${settings.trust.store.path} (from ${settings.trust.store.pathKey})`,
      );
    }
  }
  let client: RestTlsMaterial["client"];
  if (settings.keystore) {
    const store = await load(settings.keystore, "keystore");
    client = { cert: store.identity!.chain.join(""), key: store.identity!.key };
    parts.push(
      `client certificate from keystore ${settings.keystore.path} (from ${settings.keystore.pathKey})`,
    );
  }
  return { trust, client, description: parts.join("; ") };
}

async function load(ref: StoreRef, role: "truststore" | "keystore"): Promise<StoreContents> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(ref.path);
  } catch (err) {
    throw new RestTlsConfigError(
      `${ref.pathKey}: cannot read the ${role} ${ref.path} (${describeFsError(err)}); the ` +
        "operator reads it from its own file system: mount it there" +
        (role === "truststore" ? " or set OPERATOR_TRUSTSTORE_PATH" : ""),
    );
  }
  const key = `${role}\0${ref.path}\0${ref.type ?? ""}`;
  const stamp = `${info.size}\0${info.mtime?.getTime() ?? 0}`;
  const cached = cache.get(key);
  if (
    cached && cached.stamp === stamp && cached.password === ref.password &&
    cached.keyPassword === ref.keyPassword
  ) {
    return cached.contents;
  }
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(ref.path);
  } catch (err) {
    throw new RestTlsConfigError(
      `${ref.pathKey}: cannot read the ${role} ${ref.path} (${describeFsError(err)})`,
    );
  }
  const contents = readStore(bytes, ref, role);
  cache.set(key, { stamp, password: ref.password, keyPassword: ref.keyPassword, contents });
  return contents;
}

function describeFsError(err: unknown): string {
  if (err instanceof Deno.errors.NotFound) return "no such file";
  if (err instanceof Deno.errors.PermissionDenied || err instanceof Deno.errors.NotCapable) {
    return "permission denied";
  }
  return err instanceof Error ? err.message : String(err);
}

/** `AB:CD:…` SHA-256 fingerprint of a PEM certificate, as node:tls reports it. */
export function fingerprint256(pem: string): string {
  return new crypto.X509Certificate(pem).fingerprint256;
}
