/**
 * Which TLS the operator speaks to a JobManager's REST endpoint, read from the cluster's Flink
 * configuration the way Flink's RestClient reads it (SecurityOptions, SSLUtils) after FKO's
 * AbstractFlinkService#getOperatorRestConfig has put the operator's own stores in:
 *
 * - `security.ssl.rest.enabled` turns HTTPS on (before Flink 2.0 also the deprecated
 *   `security.ssl.enabled`); `security.ssl.rest.authentication-enabled` adds a client
 *   certificate (mutual TLS).
 * - Trust: `security.ssl.rest.truststore` / `-password` / `-type` (falling back to
 *   `security.ssl.truststore` / `-password`); with neither path nor password, the system's root
 *   certificates. `security.ssl.rest.cert.fingerprint` (SHA-1, comma-separated) trusts exactly
 *   those server certificates instead of the store's CAs, as Flink's FingerprintTrustManager.
 * - Client certificate: `security.ssl.rest.keystore` / `-keystore-password` / `-key-password` /
 *   `-keystore-type` (falling back to `security.ssl.keystore` / `-password` / `key-password`).
 * - FKO's environment: when `OPERATOR_TRUSTSTORE_PATH` names an existing file it replaces the
 *   truststore (password `OPERATOR_KEYSTORE_PASSWORD`), and with mutual TLS
 *   `OPERATOR_KEYSTORE_PATH` replaces the keystore (both passwords `OPERATOR_KEYSTORE_PASSWORD`).
 *   The paths in the Flink configuration are the JobManager's; these are the operator pod's.
 *
 * Nothing here reads a file; rest_tls_material.ts does. Messages name keys, never values.
 */
import { FLINK_VERSIONS, type FlinkVersion, isFlinkVersionAtLeast } from "../../../api/enums.ts";

export const SSL_KEYS = {
  enabled: "security.ssl.rest.enabled",
  legacyEnabled: "security.ssl.enabled",
  mutual: "security.ssl.rest.authentication-enabled",
  truststore: "security.ssl.rest.truststore",
  truststorePassword: "security.ssl.rest.truststore-password",
  truststoreType: "security.ssl.rest.truststore-type",
  fingerprint: "security.ssl.rest.cert.fingerprint",
  keystore: "security.ssl.rest.keystore",
  keystorePassword: "security.ssl.rest.keystore-password",
  keyPassword: "security.ssl.rest.key-password",
  keystoreType: "security.ssl.rest.keystore-type",
  sharedTruststore: "security.ssl.truststore",
  sharedTruststorePassword: "security.ssl.truststore-password",
  sharedKeystore: "security.ssl.keystore",
  sharedKeystorePassword: "security.ssl.keystore-password",
  sharedKeyPassword: "security.ssl.key-password",
  protocol: "security.ssl.protocol",
  algorithms: "security.ssl.algorithms",
} as const;

/** FKO's environment variables (EnvUtils), set by its Helm chart's `tls.create`. */
export const OPERATOR_TLS_ENV = {
  truststorePath: "OPERATOR_TRUSTSTORE_PATH",
  keystorePath: "OPERATOR_KEYSTORE_PATH",
  password: "OPERATOR_KEYSTORE_PASSWORD",
} as const;

/** A key or trust store named by the configuration: where, and which keys said so. */
export interface StoreRef {
  readonly path: string;
  /** The key the path came from (or the environment variable), for messages. */
  readonly pathKey: string;
  readonly password?: string;
  readonly passwordKey: string;
  /** `JKS`, `PKCS12`, `PEM`; unset: recognised from the file. */
  readonly type?: string;
  readonly typeKey: string;
  /** Keystores: the private key's password. */
  readonly keyPassword?: string;
  readonly keyPasswordKey?: string;
}

export type RestTrust =
  /** The system's root certificates (no truststore configured). */
  | { readonly kind: "system" }
  /** The CA certificates of a truststore. */
  | { readonly kind: "store"; readonly store: StoreRef }
  /** Exactly the server certificates with these SHA-1 fingerprints (the store is still read). */
  | { readonly kind: "fingerprint"; readonly store: StoreRef; readonly sha1: readonly string[] };

export interface RestSslSettings {
  readonly trust: RestTrust;
  /** The client certificate, with `security.ssl.rest.authentication-enabled`. */
  readonly keystore?: StoreRef;
}

/** A TLS setting that cannot work; the message names the key and the fix. */
export class RestTlsConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RestTlsConfigError";
  }
}

export interface RestSslInputs {
  /** The cluster's flat Flink configuration (operator defaults and spec merged). */
  readonly config: Readonly<Record<string, string | undefined>>;
  /** The cluster's Flink version (`v1_20`); `security.ssl.enabled` only counts before 2.0. */
  readonly flinkVersion?: string;
  readonly env?: (name: string) => string | undefined;
  readonly fileExists?: (path: string) => boolean;
}

/** True when the JobManager serves its REST API over HTTPS. */
export function isRestSslEnabled(
  config: RestSslInputs["config"],
  flinkVersion?: string,
): boolean {
  const explicit = config[SSL_KEYS.enabled];
  if (explicit !== undefined) return isTrue(explicit);
  const legacy = config[SSL_KEYS.legacyEnabled];
  const known = FLINK_VERSIONS.includes(flinkVersion as FlinkVersion);
  const legacyCounts = !known || !isFlinkVersionAtLeast(flinkVersion as FlinkVersion, "v2_0");
  return legacyCounts && legacy !== undefined && isTrue(legacy);
}

/** True when the JobManager asks REST clients for a certificate (mutual TLS). */
export function isRestSslMutual(
  config: RestSslInputs["config"],
  flinkVersion?: string,
): boolean {
  return isRestSslEnabled(config, flinkVersion) && isTrue(config[SSL_KEYS.mutual] ?? "false");
}

/** The operator's side of REST TLS; undefined when the JobManager speaks plain HTTP. */
export function restSslSettings(inputs: RestSslInputs): RestSslSettings | undefined {
  if (!isRestSslEnabled(inputs.config, inputs.flinkVersion)) return undefined;
  const mutual = isRestSslMutual(inputs.config, inputs.flinkVersion);
  const conf = operatorRestConfig(inputs, mutual);
  const get = (key: string) => conf.values[key];
  const origin = (key: string) => conf.origins[key] ?? key;
  /** The REST-specific key when it is set, else the shared `security.ssl.*` one Flink falls back to. */
  const keyOf = (rest: string, shared: string) => get(rest) !== undefined ? rest : shared;

  const truststoreKey = keyOf(SSL_KEYS.truststore, SSL_KEYS.sharedTruststore);
  const truststorePasswordKey = keyOf(
    SSL_KEYS.truststorePassword,
    SSL_KEYS.sharedTruststorePassword,
  );
  const truststore = get(truststoreKey);
  const truststorePassword = get(truststorePasswordKey);

  let trust: RestTrust;
  if (truststore === undefined && truststorePassword === undefined) {
    // Flink's REST client then falls back to the JVM's default trust store.
    trust = { kind: "system" };
  } else if (truststore === undefined) {
    throw new RestTlsConfigError(
      `${SSL_KEYS.truststore} is not set while ${origin(truststorePasswordKey)} is; ` +
        "name the truststore file, or remove its password to trust the system's CAs",
    );
  } else {
    const store: StoreRef = {
      path: truststore,
      pathKey: origin(truststoreKey),
      password: truststorePassword,
      passwordKey: origin(truststorePasswordKey),
      type: blankToUndefined(get(SSL_KEYS.truststoreType)),
      typeKey: SSL_KEYS.truststoreType,
    };
    const fingerprints = parseFingerprints(get(SSL_KEYS.fingerprint));
    trust = fingerprints.length > 0
      ? { kind: "fingerprint", store, sha1: fingerprints }
      : { kind: "store", store };
  }

  if (!mutual) return { trust };
  const keystoreKey = keyOf(SSL_KEYS.keystore, SSL_KEYS.sharedKeystore);
  const keystorePasswordKey = keyOf(SSL_KEYS.keystorePassword, SSL_KEYS.sharedKeystorePassword);
  const keyPasswordKey = keyOf(SSL_KEYS.keyPassword, SSL_KEYS.sharedKeyPassword);
  const missing = (primary: string, fallback: string) =>
    new RestTlsConfigError(
      `${primary} (or ${fallback}) is not set: ${SSL_KEYS.mutual} makes the JobManager ask for ` +
        `a client certificate; set it${
          conf.fromEnv ? ` (or ${OPERATOR_TLS_ENV.keystorePath} for the operator's own)` : ""
        }`,
    );
  const keystore = get(keystoreKey);
  if (keystore === undefined) throw missing(SSL_KEYS.keystore, SSL_KEYS.sharedKeystore);
  const keystorePassword = get(keystorePasswordKey);
  if (keystorePassword === undefined) {
    throw missing(SSL_KEYS.keystorePassword, SSL_KEYS.sharedKeystorePassword);
  }
  const keyPassword = get(keyPasswordKey);
  if (keyPassword === undefined) throw missing(SSL_KEYS.keyPassword, SSL_KEYS.sharedKeyPassword);
  return {
    trust,
    keystore: {
      path: keystore,
      pathKey: origin(keystoreKey),
      password: keystorePassword,
      passwordKey: origin(keystorePasswordKey),
      keyPassword,
      keyPasswordKey: origin(keyPasswordKey),
      type: blankToUndefined(get(SSL_KEYS.keystoreType)),
      typeKey: SSL_KEYS.keystoreType,
    },
  };
}

/**
 * FKO's getOperatorRestConfig: the operator's stores from its environment replace the
 * JobManager's paths. `origins` remembers which settings came from the environment.
 */
function operatorRestConfig(
  inputs: RestSslInputs,
  mutual: boolean,
): {
  values: Record<string, string | undefined>;
  origins: Record<string, string>;
  fromEnv: boolean;
} {
  const values: Record<string, string | undefined> = { ...inputs.config };
  const origins: Record<string, string> = {};
  const env = inputs.env ?? ((name: string) => Deno.env.get(name));
  const exists = inputs.fileExists ?? fileExists;
  const truststorePath = env(OPERATOR_TLS_ENV.truststorePath);
  if (!truststorePath || !exists(truststorePath)) return { values, origins, fromEnv: false };
  const password = env(OPERATOR_TLS_ENV.password);
  if (password === undefined) {
    throw new RestTlsConfigError(
      `${OPERATOR_TLS_ENV.password} is not set while ${OPERATOR_TLS_ENV.truststorePath} names ` +
        "the operator's truststore; set it to the store's password (FKO's Helm chart takes it " +
        "from tls.secretKeyRef)",
    );
  }
  values[SSL_KEYS.truststore] = truststorePath;
  values[SSL_KEYS.truststorePassword] = password;
  origins[SSL_KEYS.truststore] = OPERATOR_TLS_ENV.truststorePath;
  origins[SSL_KEYS.truststorePassword] = OPERATOR_TLS_ENV.password;
  const keystorePath = env(OPERATOR_TLS_ENV.keystorePath);
  if (mutual && keystorePath) {
    values[SSL_KEYS.keystore] = keystorePath;
    values[SSL_KEYS.keystorePassword] = password;
    values[SSL_KEYS.keyPassword] = password;
    origins[SSL_KEYS.keystore] = OPERATOR_TLS_ENV.keystorePath;
    origins[SSL_KEYS.keystorePassword] = OPERATOR_TLS_ENV.password;
    origins[SSL_KEYS.keyPassword] = OPERATOR_TLS_ENV.password;
  } else {
    delete values[SSL_KEYS.keystore];
    delete values[SSL_KEYS.keystorePassword];
  }
  for (
    const key of [
      SSL_KEYS.sharedTruststore,
      SSL_KEYS.sharedTruststorePassword,
      SSL_KEYS.sharedKeystore,
      SSL_KEYS.sharedKeystorePassword,
    ]
  ) delete values[key];
  return { values, origins, fromEnv: true };
}

function fileExists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** Flink's fingerprint list: comma-separated SHA-1 digests, hex with or without colons. */
export function parseFingerprints(text: string | undefined): string[] {
  if (text === undefined || text.trim() === "") return [];
  const out: string[] = [];
  for (const part of text.split(",")) {
    const hex = part.trim().replace(/:/g, "").toLowerCase();
    if (!/^[0-9a-f]{40}$/.test(hex)) {
      throw new RestTlsConfigError(
        `${SSL_KEYS.fingerprint}: an entry is not a SHA-1 fingerprint; use 40 hex digits ` +
          "(colons allowed) per certificate, comma-separated",
      );
    }
    out.push(hex);
  }
  return out;
}

function isTrue(value: string): boolean {
  return value.trim().toLowerCase() === "true";
}

function blankToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}
