/**
 * Checks of a FlinkDeployment's image and REST TLS settings, refused up front because otherwise
 * the cluster objects are created and then fail: the API server refuses a JobManager Deployment
 * without an image, and a JobManager without the key its HTTPS endpoint needs does not start
 * (Flink's SSLUtils#getKeyManagerFactory), or starts with a TLS the operator cannot speak.
 */
import type { FlinkDeploymentSpec } from "../../api/mod.ts";
import { isRestSslEnabled, isRestSslMutual, SSL_KEYS } from "../rest/tls/rest_ssl_options.ts";
import type { ValidationConfig } from "./validation_config.ts";
import type { Report } from "./validation_issue.ts";

const IMAGE_KEYS = ["kubernetes.container.image.ref", "kubernetes.container.image"] as const;

/** The JobManager and TaskManager containers need an image: `spec.image` or Flink's option. */
export function checkImage(spec: FlinkDeploymentSpec, config: ValidationConfig, report: Report) {
  const fromSpec = typeof spec.image === "string" && spec.image.trim() !== "";
  const fromConfig = IMAGE_KEYS.some((key) => (config.get(key) ?? "").trim() !== "");
  if (fromSpec || fromConfig) return;
  report(
    "spec.image",
    spec.image === undefined ? "is not set" : "is blank",
    `set the Flink image the cluster runs, e.g. "flink:${
      (spec.flinkVersion ?? "v1_20").slice(1).replace("_", ".")
    }"`,
  );
}

/**
 * `rest.port` becomes the JobManager container's port and the port the operator dials: a whole
 * number from 1 to 65535 (found by the fuzzer: `8081.5` and `-1` reached the API server, which
 * refused the Deployment, and the operator's REST URLs).
 */
export function checkRestPort(config: ValidationConfig, report: Report): void {
  for (const key of ["rest.port", "rest.bind-port"]) {
    const value = config.get(key);
    if (value === undefined) continue;
    // rest.bind-port may be a range (`50100-50200`), Flink binds the first free port of it.
    const ports = key === "rest.bind-port" ? value.split(/[-,]/) : [value];
    if (ports.every((p) => /^\s*\d+\s*$/.test(p) && Number(p) >= 1 && Number(p) <= 65535)) continue;
    report(
      config.field(key),
      `"${value}" is not a port number`,
      "use a whole number from 1 to 65535",
    );
  }
}

/**
 * TLS cipher suites the operator's TLS stack (rustls, through Deno) offers, by the JSSE names
 * Flink's `security.ssl.algorithms` uses: ECDHE with AES-GCM or ChaCha20 for TLS 1.2, and the
 * TLS 1.3 suites. No RSA key exchange and no CBC.
 */
const SUPPORTED_SUITES: Readonly<Record<string, readonly string[]>> = {
  "TLSv1.2": [
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
  ],
  "TLSv1.3": ["TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256"],
};

/** Flink's defaults of `security.ssl.protocol` and `security.ssl.algorithms`. */
const DEFAULT_PROTOCOL = "TLSv1.2";
const DEFAULT_ALGORITHMS = "TLS_RSA_WITH_AES_128_CBC_SHA";

export function checkRestTls(
  spec: FlinkDeploymentSpec,
  config: ValidationConfig,
  report: Report,
): void {
  const values = config.values;
  if (!isRestSslEnabled(values, spec.flinkVersion)) return;
  // The JobManager's own key and certificate: Flink requires all three options.
  for (
    const [key, fallback] of [
      [SSL_KEYS.keystore, SSL_KEYS.sharedKeystore],
      [SSL_KEYS.keystorePassword, SSL_KEYS.sharedKeystorePassword],
      [SSL_KEYS.keyPassword, SSL_KEYS.sharedKeyPassword],
    ] as const
  ) {
    if (config.get(key) === undefined && config.get(fallback) === undefined) {
      report(
        `spec.flinkConfiguration["${key}"]`,
        `is not set (nor ${fallback}), but ${SSL_KEYS.enabled} makes the JobManager serve ` +
          "HTTPS with its own key and certificate",
        "set it (e.g. a keystore mounted with kubernetes.secrets), or turn REST SSL off",
      );
    }
  }
  if (!isRestSslMutual(values, spec.flinkVersion)) return;
  // With client authentication and a truststore, Flink's REST server offers only the configured
  // protocol and cipher suites (ReloadableSslContext); otherwise the JVM's defaults.
  const hasTruststore = [
    SSL_KEYS.truststore,
    SSL_KEYS.sharedTruststore,
    SSL_KEYS.truststorePassword,
    SSL_KEYS.sharedTruststorePassword,
  ].some((key) => config.get(key) !== undefined);
  if (!hasTruststore) return;
  const protocol = (config.get(SSL_KEYS.protocol) ?? DEFAULT_PROTOCOL).trim();
  const supported = SUPPORTED_SUITES[protocol];
  if (!supported) {
    report(
      config.field(SSL_KEYS.protocol),
      `"${protocol}" is a protocol the operator cannot speak to the JobManager's REST endpoint ` +
        `(with ${SSL_KEYS.mutual} Flink offers only this one)`,
      "use TLSv1.2 or TLSv1.3",
    );
    return;
  }
  const offered = (config.get(SSL_KEYS.algorithms) ?? DEFAULT_ALGORITHMS).split(",")
    .map((s) => s.trim());
  if (!offered.some((suite) => supported.includes(suite))) {
    report(
      config.has(SSL_KEYS.algorithms)
        ? config.field(SSL_KEYS.algorithms)
        : `spec.flinkConfiguration["${SSL_KEYS.algorithms}"]`,
      `with ${SSL_KEYS.mutual} the JobManager's REST endpoint offers only ${
        config.has(SSL_KEYS.algorithms)
          ? "these cipher suites"
          : `Flink's default ${DEFAULT_ALGORITHMS}`
      }, none of which the operator's TLS supports (no RSA key exchange, no CBC)`,
      `add one of ${supported.join(", ")} for ${protocol}`,
    );
  }
}
