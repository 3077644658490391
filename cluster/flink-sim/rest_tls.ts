/**
 * The simulated JobManager's REST TLS, read from its configuration as Flink's REST server reads it
 * (SSLUtils#createRestServerSSLEngineFactory): with `security.ssl.rest.enabled` (before Flink 2.0
 * also `security.ssl.enabled`) it serves HTTPS with the key and certificate of
 * `security.ssl.rest.keystore` (falling back to `security.ssl.keystore`), whose password and key
 * password are required; with `security.ssl.rest.authentication-enabled` it asks every client for
 * a certificate signed by a CA of `security.ssl.rest.truststore` (or `security.ssl.truststore`).
 * Store paths are container paths, resolved through the pod's mounts. A store that cannot be
 * read stops the JobManager at start, as in Flink.
 */
import {
  isRestSslEnabled,
  isRestSslMutual,
  RestTlsConfigError,
  SSL_KEYS,
  type StoreRef,
} from "../../lib/flink/rest/tls/rest_ssl_options.ts";
import { readStore } from "../../lib/flink/rest/tls/stores.ts";
import type { ContainerFs } from "./container_fs.ts";
import type { FlinkConfig } from "./flink_config.ts";

export interface SimRestTls {
  /** The server's certificate chain and key (PEM). */
  readonly cert: string;
  readonly key: string;
  /** Mutual TLS: the CAs client certificates must chain to (none: the system's roots). */
  readonly clientCas?: readonly string[];
  readonly mutual: boolean;
}

export async function restServerTls(
  config: FlinkConfig,
  fs: ContainerFs,
  flinkVersion: string,
): Promise<SimRestTls | undefined> {
  const flat = config.toRecord();
  if (!isRestSslEnabled(flat, flinkVersion)) return undefined;
  const option = (primary: string, fallback: string) => {
    const value = config.get(primary) ?? config.get(fallback);
    if (value === undefined) {
      throw new Error(
        `org.apache.flink.configuration.IllegalConfigurationException: The config option ` +
          `${primary} or ${fallback} is missing.`,
      );
    }
    return value;
  };
  const keystore: StoreRef = {
    path: option(SSL_KEYS.keystore, SSL_KEYS.sharedKeystore),
    pathKey: SSL_KEYS.keystore,
    password: option(SSL_KEYS.keystorePassword, SSL_KEYS.sharedKeystorePassword),
    passwordKey: SSL_KEYS.keystorePassword,
    keyPassword: option(SSL_KEYS.keyPassword, SSL_KEYS.sharedKeyPassword),
    keyPasswordKey: SSL_KEYS.keyPassword,
    type: config.get(SSL_KEYS.keystoreType),
    typeKey: SSL_KEYS.keystoreType,
  };
  const server = await load(fs, keystore, "keystore");
  const mutual = isRestSslMutual(flat, flinkVersion);
  let clientCas: string[] | undefined;
  if (mutual) {
    const path = config.get(SSL_KEYS.truststore) ?? config.get(SSL_KEYS.sharedTruststore);
    if (path !== undefined) {
      const truststore = await load(fs, {
        path,
        pathKey: SSL_KEYS.truststore,
        password: option(SSL_KEYS.truststorePassword, SSL_KEYS.sharedTruststorePassword),
        passwordKey: SSL_KEYS.truststorePassword,
        type: config.get(SSL_KEYS.truststoreType),
        typeKey: SSL_KEYS.truststoreType,
      }, "truststore");
      clientCas = [...truststore.certificates];
    }
  }
  return {
    cert: server.identity!.chain.join(""),
    key: server.identity!.key,
    clientCas,
    mutual,
  };
}

async function load(fs: ContainerFs, ref: StoreRef, role: "keystore" | "truststore") {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(fs.hostPath(ref.path));
  } catch {
    throw new Error(`java.nio.file.NoSuchFileException: ${ref.path}`);
  }
  try {
    return readStore(bytes, ref, role);
  } catch (err) {
    // Java's KeyStore#load wording for a store it cannot open.
    const detail = err instanceof RestTlsConfigError ? err.message : String(err);
    throw new Error(
      /does not open/.test(detail)
        ? `java.io.IOException: Keystore was tampered with, or password was incorrect (${ref.path})`
        : `java.io.IOException: Invalid keystore format (${ref.path}): ${detail}`,
    );
  }
}
