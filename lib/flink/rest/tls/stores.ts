/**
 * Reads the key and trust stores REST TLS names into PEM, which is what the TLS stack takes.
 *
 * Supported: JKS (keytool, cert-manager `keystores.jks`), PKCS12 (keytool, OpenSSL, cert-manager
 * `keystores.pkcs12` in either profile) and PEM files (certificates; for a keystore also the
 * private key, unencrypted or as an `ENCRYPTED PRIVATE KEY` opened with the key password). As with
 * Java's default `keystore.type.compat`, a store typed JKS or PKCS12 is read in whichever of the
 * two formats it has; an unset type means: recognise the file. Other types (JCEKS, BCFKS, PKCS11,
 * ...) are refused naming the type key.
 */
import crypto from "node:crypto";
import { Buffer } from "node:buffer";
import { DerError, readNode } from "./der.ts";
import { looksLikeJks, parseJks } from "./jks.ts";
import { decodePem, encodePem, isPem } from "./pem.ts";
import {
  decryptPrivateKeyInfo,
  looksLikePkcs12,
  parsePkcs12,
  type RawStore,
  StoreFormatError,
  StorePasswordError,
} from "./pkcs12.ts";
import { RestTlsConfigError, type StoreRef } from "./rest_ssl_options.ts";

export const SUPPORTED_STORE_TYPES = ["JKS", "PKCS12", "PEM"] as const;

export interface StoreContents {
  /** Every certificate in the store, PEM. */
  readonly certificates: readonly string[];
  /** With a private key: the key (PKCS#8 PEM) and its chain, leaf first. */
  readonly identity?: { readonly key: string; readonly chain: readonly string[] };
}

type Format = "JKS" | "PKCS12" | "PEM";

/**
 * Parses a store's bytes. `role` says what it is for: a keystore must hold a private key with
 * its certificate, a truststore at least one certificate.
 */
export function readStore(
  bytes: Uint8Array,
  ref: StoreRef,
  role: "truststore" | "keystore",
): StoreContents {
  const format = formatOf(bytes, ref);
  let raw: RawStore;
  try {
    raw = format === "JKS"
      ? parseJks(bytes, ref.password, role === "keystore" ? ref.keyPassword : undefined)
      : format === "PKCS12"
      ? parsePkcs12(bytes, ref.password)
      : parsePem(new TextDecoder().decode(bytes), ref.keyPassword ?? ref.password);
  } catch (err) {
    if (err instanceof StorePasswordError) {
      const key = err.which === "key" && ref.keyPasswordKey ? ref.keyPasswordKey : ref.passwordKey;
      throw new RestTlsConfigError(
        `${key} does not open the ${role} ${ref.path} (${format}: ${err.message}); set the ` +
          "password the store was written with",
      );
    }
    if (err instanceof StoreFormatError || err instanceof DerError) {
      throw new RestTlsConfigError(
        `${ref.pathKey}: ${ref.path} cannot be read as ${format} (${err.message}); ` +
          `supported: ${SUPPORTED_STORE_TYPES.join(", ")}`,
      );
    }
    throw err;
  }
  const certificates = raw.certificates.map((c) => encodePem("CERTIFICATE", c.der));
  if (role === "truststore") {
    if (certificates.length === 0) {
      throw new RestTlsConfigError(
        `${ref.pathKey}: the truststore ${ref.path} holds no certificate; add the CA that ` +
          "signed the JobManager's certificate",
      );
    }
    return { certificates };
  }
  if (raw.keys.length === 0) {
    throw new RestTlsConfigError(
      `${ref.pathKey}: the keystore ${ref.path} holds no private key; the JobManager asks for ` +
        "a client certificate, so it needs one with its key",
    );
  }
  const identity = identityOf(raw, ref);
  return { certificates, identity };
}

function formatOf(bytes: Uint8Array, ref: StoreRef): Format {
  const declared = ref.type?.toUpperCase();
  if (declared !== undefined && !(SUPPORTED_STORE_TYPES as readonly string[]).includes(declared)) {
    throw new RestTlsConfigError(
      `${ref.typeKey}: "${ref.type}" is not supported here; use ${
        SUPPORTED_STORE_TYPES.join(", ")
      } (or leave it unset: the format is recognised from the file)`,
    );
  }
  const text = new TextDecoder().decode(bytes.subarray(0, 4096));
  const sniffed: Format | undefined = looksLikeJks(bytes)
    ? "JKS"
    : isPem(text)
    ? "PEM"
    : looksLikePkcs12(bytes)
    ? "PKCS12"
    : undefined;
  if (declared === "PEM" && sniffed !== "PEM") {
    throw new RestTlsConfigError(
      `${ref.pathKey}: ${ref.path} is not PEM although ${ref.typeKey} says so`,
    );
  }
  if (sniffed === undefined) {
    throw new RestTlsConfigError(
      `${ref.pathKey}: ${ref.path} is neither JKS, PKCS12 nor PEM`,
    );
  }
  return sniffed;
}

function parsePem(text: string, keyPassword: string | undefined): RawStore {
  const store: RawStore = { certificates: [], keys: [] };
  for (const block of decodePem(text)) {
    if (block.label === "CERTIFICATE" || block.label === "TRUSTED CERTIFICATE") {
      store.certificates.push({ der: block.der });
    } else if (block.label === "PRIVATE KEY") {
      store.keys.push({ der: block.der });
    } else if (block.label === "ENCRYPTED PRIVATE KEY") {
      if (keyPassword === undefined) {
        throw new StorePasswordError(
          "the private key is encrypted and no key password is set",
          "key",
        );
      }
      store.keys.push({ der: decryptPrivateKeyInfo(readNode(block.der), keyPassword) });
    } else if (block.label === "RSA PRIVATE KEY" || block.label === "EC PRIVATE KEY") {
      if (/Proc-Type:\s*4,ENCRYPTED/.test(text)) {
        throw new StoreFormatError(
          "legacy encrypted PEM keys are not supported; convert with `openssl pkcs8 -topk8`",
        );
      }
      const key = crypto.createPrivateKey({
        key: Buffer.from(block.der),
        format: "der",
        type: block.label === "RSA PRIVATE KEY" ? "pkcs1" : "sec1",
      });
      store.keys.push({ der: new Uint8Array(key.export({ type: "pkcs8", format: "der" })) });
    }
  }
  return store;
}

/** The first private key with its certificate chain (leaf first, then issuers in the store). */
function identityOf(raw: RawStore, ref: StoreRef): { key: string; chain: string[] } {
  const key = raw.keys[0];
  const keyPem = encodePem("PRIVATE KEY", key.der);
  let publicKey: Buffer;
  try {
    publicKey = crypto.createPublicKey(crypto.createPrivateKey(keyPem))
      .export({ type: "spki", format: "der" }) as Buffer;
  } catch (err) {
    throw new RestTlsConfigError(
      `${ref.pathKey}: the private key in ${ref.path} cannot be used (${(err as Error).message})`,
    );
  }
  const certs = raw.certificates.map((c) => ({ ...c, x509: new crypto.X509Certificate(c.der) }));
  const leaf = certs.find((c) => key.localKeyId !== undefined && c.localKeyId === key.localKeyId) ??
    certs.find((c) =>
      Buffer.compare(
        c.x509.publicKey.export({ type: "spki", format: "der" }) as Buffer,
        publicKey,
      ) ===
        0
    );
  if (!leaf) {
    throw new RestTlsConfigError(
      `${ref.pathKey}: ${ref.path} has a private key but not its certificate`,
    );
  }
  const chain = [leaf];
  for (let next = leaf; chain.length < 10;) {
    const issuer = certs.find((c) =>
      !chain.includes(c) && next.x509.checkIssued(c.x509) && next.x509.verify(c.x509.publicKey)
    );
    if (!issuer) break;
    chain.push(issuer);
    next = issuer;
  }
  return { key: keyPem, chain: chain.map((c) => encodePem("CERTIFICATE", c.der)) };
}
