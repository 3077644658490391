/**
 * REST over TLS without a cluster: the stores users make (tests/fixtures/rest_tls, written by
 * OpenSSL and keytool) are read, Flink's options resolve as Flink and FKO resolve them, and the
 * operator's HTTPS transport talks to the simulator's HTTPS REST server — trusted, untrusted,
 * pinned by fingerprint, and with client certificates.
 */
import assert from "node:assert/strict";
import { FlinkRestClient } from "../../lib/flink/rest/client.ts";
import { FlinkTimeoutError } from "../../lib/flink/rest/errors.ts";
import { resolveTransport } from "../../lib/flink/rest/endpoint.ts";
import {
  isRestSslEnabled,
  OPERATOR_TLS_ENV,
  type RestSslInputs,
  restSslSettings,
  RestTlsConfigError,
  type StoreRef,
} from "../../lib/flink/rest/tls/rest_ssl_options.ts";
import { loadRestTls } from "../../lib/flink/rest/tls/rest_tls_material.ts";
import { readStore } from "../../lib/flink/rest/tls/stores.ts";
import {
  FlinkTlsError,
  parseResponse,
  TlsTransport,
} from "../../lib/flink/rest/tls/tls_transport.ts";
import { ApiServerProxyTransport } from "../../lib/flink/rest/transport.ts";
import { ContainerFs } from "../../cluster/flink-sim/container_fs.ts";
import { FlinkConfig } from "../../cluster/flink-sim/flink_config.ts";
import { RestServer } from "../../cluster/flink-sim/rest_server.ts";
import { restServerTls } from "../../cluster/flink-sim/rest_tls.ts";
import { Buffer } from "node:buffer";
import { OPERATOR_STARTUP_PROBE, renderCluster } from "../../lib/flink/render/mod.ts";
import { deployConfigOf, exampleDeployment } from "./render_fixtures.ts";

const FIXTURES = new URL("../fixtures/rest_tls", import.meta.url).pathname;
const STORE_PASSWORD = "changeit-store";
const KEY_PASSWORD = "changeit-key";

const ref = (file: string, extra: Partial<StoreRef> = {}): StoreRef => ({
  path: `${FIXTURES}/${file}`,
  pathKey: "security.ssl.rest.keystore",
  password: STORE_PASSWORD,
  passwordKey: "security.ssl.rest.keystore-password",
  typeKey: "security.ssl.rest.keystore-type",
  keyPassword: STORE_PASSWORD,
  keyPasswordKey: "security.ssl.rest.key-password",
  ...extra,
});
const read = (file: string, role: "truststore" | "keystore", extra: Partial<StoreRef> = {}) =>
  readStore(Deno.readFileSync(`${FIXTURES}/${file}`), ref(file, extra), role);

Deno.test("stores: JKS, PKCS12 (OpenSSL 3, legacy RC2/3DES, keytool) and PEM are read", () => {
  for (const file of ["truststore.jks", "truststore.p12", "ca.pem"]) {
    assert.equal(read(file, "truststore").certificates.length, 1, file);
  }
  const keystores: [string, Partial<StoreRef>][] = [
    ["jobmanager.jks", { keyPassword: KEY_PASSWORD }],
    ["jobmanager.p12", {}],
    ["operator.p12", {}],
    ["operator-legacy.p12", {}],
    ["operator.jks", { keyPassword: KEY_PASSWORD }],
    ["operator-encrypted.pem", { password: undefined, keyPassword: KEY_PASSWORD }],
  ];
  for (const [file, extra] of keystores) {
    const identity = read(file, "keystore", extra).identity;
    assert.ok(identity, file);
    assert.match(identity.key, /^-----BEGIN PRIVATE KEY-----/, file);
    assert.match(identity.chain[0], /^-----BEGIN CERTIFICATE-----/, file);
  }
  // The JobManager's chain runs leaf → intermediate.
  assert.equal(read("jobmanager.p12", "keystore").identity!.chain.length, 2);
  // A declared type is honoured as Java's keystore.type.compat does: JKS and PKCS12 either way.
  assert.ok(read("truststore.p12", "truststore", { type: "JKS" }).certificates.length);
});

Deno.test("stores: wrong passwords, unsupported types and non-stores name the key to fix", () => {
  const cases: [() => unknown, RegExp][] = [
    [
      () => read("truststore.jks", "truststore", { password: "nope" }),
      /^security\.ssl\.rest\.keystore-password does not open/,
    ],
    [
      () => read("truststore.p12", "truststore", { password: "nope" }),
      /keystore-password does not open .* integrity check/,
    ],
    [
      () => read("operator.jks", "keystore", { keyPassword: "nope" }),
      /^security\.ssl\.rest\.key-password does not open/,
    ],
    [
      () => read("operator-encrypted.pem", "keystore", { keyPassword: "nope" }),
      /key-password does not open/,
    ],
    [
      () => read("truststore.jks", "truststore", { type: "BCFKS" }),
      /^security\.ssl\.rest\.keystore-type: "BCFKS" is not supported here; use JKS, PKCS12, PEM/,
    ],
    [() => read("ca.pem", "keystore"), /holds no private key/],
    [() => read("generate.sh", "truststore"), /is neither JKS, PKCS12 nor PEM/],
  ];
  for (const [fn, expected] of cases) {
    assert.throws(fn, (err: unknown) => {
      assert.ok(err instanceof RestTlsConfigError, String(err));
      assert.match(err.message, expected);
      assert.doesNotMatch(err.message, /changeit|nope/, "no password in a message");
      return true;
    });
  }
});

const base = { "security.ssl.rest.enabled": "true" };
const settings = (config: Record<string, string>, extra: Partial<RestSslInputs> = {}) =>
  restSslSettings({ config, env: () => undefined, ...extra });

Deno.test("options: REST SSL on and off, Flink's fallbacks, and security.ssl.enabled before 2.0", () => {
  assert.equal(settings({}), undefined);
  assert.equal(settings({ "security.ssl.rest.enabled": "false" }), undefined);
  assert.equal(isRestSslEnabled({ "security.ssl.enabled": "true" }, "v1_20"), true);
  assert.equal(isRestSslEnabled({ "security.ssl.enabled": "true" }, "v2_0"), false);
  assert.equal(
    isRestSslEnabled({
      "security.ssl.enabled": "true",
      ...{ "security.ssl.rest.enabled": "false" },
    }, "v1_20"),
    false,
  );
  assert.deepEqual(settings(base), { trust: { kind: "system" } });
  const shared = settings({
    ...base,
    "security.ssl.truststore": "/t.jks",
    "security.ssl.truststore-password": "pw",
  })!;
  assert.equal(shared.trust.kind, "store");
  if (shared.trust.kind === "store") {
    assert.equal(shared.trust.store.path, "/t.jks");
    assert.equal(shared.trust.store.pathKey, "security.ssl.truststore");
  }
  const pinned = settings({
    ...base,
    "security.ssl.rest.truststore": "/t.jks",
    "security.ssl.rest.truststore-password": "pw",
    "security.ssl.rest.cert.fingerprint": "AA:" + "0".repeat(38).match(/../g)!.join(":"),
  })!;
  assert.equal(pinned.trust.kind, "fingerprint");
  assert.throws(
    () => settings({ ...base, "security.ssl.rest.truststore-password": "pw" }),
    /security\.ssl\.rest\.truststore is not set while security\.ssl\.rest\.truststore-password is/,
  );
  assert.throws(
    () => settings({ ...base, "security.ssl.rest.authentication-enabled": "true" }),
    /security\.ssl\.rest\.keystore \(or security\.ssl\.keystore\) is not set/,
  );
  assert.throws(
    () =>
      settings({
        ...base,
        "security.ssl.rest.truststore": "/t",
        "security.ssl.rest.truststore-password": "pw",
        "security.ssl.rest.cert.fingerprint": "not-a-fingerprint",
      }),
    /security\.ssl\.rest\.cert\.fingerprint: an entry is not a SHA-1 fingerprint/,
  );
});

Deno.test("options: FKO's OPERATOR_* environment replaces the JobManager's store paths", () => {
  const env: Record<string, string> = {
    [OPERATOR_TLS_ENV.truststorePath]: "/op/truststore.jks",
    [OPERATOR_TLS_ENV.keystorePath]: "/op/keystore.jks",
    [OPERATOR_TLS_ENV.password]: "op-pw",
  };
  const config = {
    ...base,
    "security.ssl.rest.authentication-enabled": "true",
    "security.ssl.rest.truststore": "/opt/flink/tls/truststore.jks",
    "security.ssl.rest.truststore-password": "jm-pw",
    "security.ssl.rest.keystore": "/opt/flink/tls/keystore.jks",
    "security.ssl.rest.keystore-password": "jm-pw",
    "security.ssl.rest.key-password": "jm-pw",
  };
  const s = settings(config, { env: (n) => env[n], fileExists: () => true })!;
  assert.equal(s.trust.kind === "store" && s.trust.store.path, "/op/truststore.jks");
  assert.equal(s.trust.kind === "store" && s.trust.store.password, "op-pw");
  assert.equal(s.trust.kind === "store" && s.trust.store.pathKey, OPERATOR_TLS_ENV.truststorePath);
  assert.equal(s.keystore?.path, "/op/keystore.jks");
  assert.equal(s.keystore?.keyPassword, "op-pw");
  // A truststore path that does not exist is ignored, as FKO does.
  const absent = settings(config, { env: (n) => env[n], fileExists: () => false })!;
  assert.equal(
    absent.trust.kind === "store" && absent.trust.store.path,
    "/opt/flink/tls/truststore.jks",
  );
  // Without the operator's keystore, mutual TLS lacks one: FKO removes the JobManager's.
  const noKeystore: Record<string, string> = { ...env, [OPERATOR_TLS_ENV.keystorePath]: "" };
  assert.throws(
    () => settings(config, { env: (n) => noKeystore[n], fileExists: () => true }),
    /security\.ssl\.rest\.keystore \(or security\.ssl\.keystore\) is not set.*OPERATOR_KEYSTORE_PATH/,
  );
  assert.throws(
    () =>
      settings(config, {
        env: (n) => n === OPERATOR_TLS_ENV.truststorePath ? "/op/t.jks" : undefined,
        fileExists: () => true,
      }),
    /OPERATOR_KEYSTORE_PASSWORD is not set/,
  );
});

/** A simulated JobManager REST endpoint over HTTPS, with the stores of the fixtures. */
async function withServer(
  conf: Record<string, string>,
  fn: (port: number, seen: { clientCertificate?: boolean }) => Promise<void>,
  handler?: (req: Request) => Promise<Response>,
): Promise<void> {
  const fs = new ContainerFs({ "/opt/flink/tls": FIXTURES }, await Deno.makeTempDir());
  const tls = await restServerTls(
    new FlinkConfig({ "security.ssl.rest.enabled": "true", ...conf }),
    fs,
    "v1_20",
  );
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const seen: { clientCertificate?: boolean } = {};
  const server = new RestServer(
    "127.0.0.1",
    port,
    handler ?? (async (req) => {
      const path = new URL(req.url).pathname;
      if (path === "/v1/jars/upload") {
        const form = await req.formData();
        const jar = form.get("jarfile") as File;
        const bytes = [...new Uint8Array(await jar.arrayBuffer())].join(",");
        return Response.json({ filename: `/tmp/${jar.name}-${bytes}`, status: "success" });
      }
      const body = req.method === "POST" ? await req.text() : "";
      return Response.json({ "flink-version": "1.20.0", method: req.method, path, body });
    }),
    tls,
  );
  server.open();
  try {
    await fn(port, seen);
  } finally {
    await server.close();
  }
}

const JM_KEYSTORE = {
  "security.ssl.rest.keystore": "/opt/flink/tls/jobmanager.jks",
  "security.ssl.rest.keystore-password": STORE_PASSWORD,
  "security.ssl.rest.key-password": KEY_PASSWORD,
};

async function transport(port: number, config: Record<string, string>): Promise<TlsTransport> {
  const material = await loadRestTls(
    restSslSettings({ config: { ...base, ...config }, env: () => undefined })!,
  );
  return new TlsTransport("127.0.0.1", port, material, "test");
}

const TRUST_JKS = {
  "security.ssl.rest.truststore": `${FIXTURES}/truststore.jks`,
  "security.ssl.rest.truststore-password": STORE_PASSWORD,
};

Deno.test("https: a JobManager certificate chaining to the truststore's CA is trusted, whatever its names", async () => {
  await withServer(JM_KEYSTORE, async (port) => {
    const t = await transport(port, TRUST_JKS);
    const client = new FlinkRestClient(t);
    assert.equal((await client.config()).flinkVersion ?? "1.20.0", "1.20.0");
    const post = await t.request("POST", "/v1/jars/x/run", { body: { a: "ü" }, timeoutMs: 5_000 });
    assert.equal(post.status, 200);
    assert.deepEqual(post.json, {
      "flink-version": "1.20.0",
      method: "POST",
      path: "/v1/jars/x/run",
      body: '{"a":"ü"}',
    });
    // Uploads are multipart bytes, passed through unchanged.
    assert.equal(
      await client.uploadJar(new Uint8Array([0x50, 0x4b, 0x05, 0x06]), "a.jar"),
      "a.jar-80,75,5,6",
    );
  });
});

Deno.test("https: a certificate of another CA, and a plain HTTP client, get no answer", async () => {
  await withServer({
    "security.ssl.rest.keystore": "/opt/flink/tls/impostor.p12",
    "security.ssl.rest.keystore-password": STORE_PASSWORD,
    "security.ssl.rest.key-password": STORE_PASSWORD,
  }, async (port) => {
    const t = await transport(port, TRUST_JKS);
    await assert.rejects(t.request("GET", "/v1/config", { timeoutMs: 5_000 }), (err: unknown) => {
      assert.ok(err instanceof FlinkTlsError, String(err));
      assert.match(
        err.message,
        /TLS handshake with the JobManager failed \(the JobManager's certificate is not signed by a trusted CA/,
      );
      assert.match(err.message, /truststore\.jks \(from security\.ssl\.rest\.truststore\)/);
      return true;
    });
    // Pinning the impostor's own certificate by fingerprint trusts exactly it.
    const sha1 = new (await import("node:crypto")).X509Certificate(
      Deno.readTextFileSync(`${FIXTURES}/impostor.pem`),
    ).fingerprint;
    const pinned = await transport(port, {
      ...TRUST_JKS,
      "security.ssl.rest.cert.fingerprint": sha1,
    });
    assert.equal((await pinned.request("GET", "/v1/config", { timeoutMs: 5_000 })).status, 200);
    const wrongPin = await transport(port, {
      ...TRUST_JKS,
      "security.ssl.rest.cert.fingerprint": "00".repeat(20),
    });
    await assert.rejects(
      wrongPin.request("GET", "/v1/config", { timeoutMs: 5_000 }),
      /is not one of security\.ssl\.rest\.cert\.fingerprint/,
    );
  });
});

Deno.test("https: mutual TLS needs the client certificate the JobManager trusts", async () => {
  await withServer({
    ...JM_KEYSTORE,
    "security.ssl.rest.authentication-enabled": "true",
    "security.ssl.rest.truststore": "/opt/flink/tls/truststore.p12",
    "security.ssl.rest.truststore-password": STORE_PASSWORD,
  }, async (port) => {
    // Without a client certificate (authentication not enabled on the operator's side).
    const anonymous = await transport(port, TRUST_JKS);
    await assert.rejects(
      anonymous.request("GET", "/v1/config", { timeoutMs: 5_000 }),
      (err: unknown) => {
        // Depending on timing the refusal arrives as an alert or as a closed connection.
        assert.match(
          String(err),
          /ask(s)? for a client certificate.*security\.ssl\.rest\.authentication-enabled/,
        );
        return true;
      },
    );
    for (const keystore of ["operator.p12", "operator-legacy.p12", "operator.jks"]) {
      const t = await transport(port, {
        ...TRUST_JKS,
        "security.ssl.rest.authentication-enabled": "true",
        "security.ssl.rest.keystore": `${FIXTURES}/${keystore}`,
        "security.ssl.rest.keystore-password": STORE_PASSWORD,
        "security.ssl.rest.key-password": keystore.endsWith(".jks") ? KEY_PASSWORD : STORE_PASSWORD,
      });
      assert.equal(
        (await t.request("GET", "/v1/config", { timeoutMs: 5_000 })).status,
        200,
        keystore,
      );
    }
    // A client certificate of another CA is refused by the JobManager.
    const impostor = await transport(port, {
      ...TRUST_JKS,
      "security.ssl.rest.authentication-enabled": "true",
      "security.ssl.rest.keystore": `${FIXTURES}/impostor.p12`,
      "security.ssl.rest.keystore-password": STORE_PASSWORD,
      "security.ssl.rest.key-password": STORE_PASSWORD,
    });
    await assert.rejects(
      impostor.request("GET", "/v1/config", { timeoutMs: 5_000 }),
      (err: unknown) => {
        // Depending on timing the refusal arrives as an alert or as a closed connection.
        assert.match(String(err), /(refused|may have refused) the client certificate/);
        return true;
      },
    );
  });
});

Deno.test("https: a JobManager that does not answer times out", async () => {
  await withServer(JM_KEYSTORE, async (port) => {
    const t = await transport(port, TRUST_JKS);
    await assert.rejects(t.request("GET", "/v1/config", { timeoutMs: 200 }), FlinkTimeoutError);
  }, (_req) => new Promise((resolve) => setTimeout(() => resolve(Response.json({})), 1_000)));
});

Deno.test("https: responses with Content-Length, chunked or until close are read", () => {
  const head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n";
  assert.deepEqual(parseResponse(Buffer.from(`${head}Content-Length: 8\r\n\r\n{"a":12}`)).json, {
    a: 12,
  });
  assert.deepEqual(
    parseResponse(
      Buffer.from(`${head}Transfer-Encoding: chunked\r\n\r\n4\r\n{"a"\r\n4\r\n:12}\r\n0\r\n\r\n`),
    ).json,
    { a: 12 },
  );
  assert.equal(parseResponse(Buffer.from(`HTTP/1.1 404 Not Found\r\n\r\nnot json`)).status, 404);
  assert.throws(() => parseResponse(Buffer.from("garbage")));
});

Deno.test("endpoints: HTTPS per access mode; mutual TLS cannot go through the API-server proxy", async () => {
  const kube = {
    fetch: () => Promise.reject(new Error("unused")),
    list: () => Promise.resolve({ items: [] }),
  } as unknown as Parameters<typeof resolveTransport>[0]["kube"];
  const config = { ...base, ...TRUST_JKS };
  const dns = await resolveTransport({
    mode: "service-dns",
    kube,
    namespace: "flink",
    clusterId: "app",
    config,
  });
  assert.ok(dns instanceof TlsTransport);
  assert.equal(dns.baseUrl, "https://app-rest.flink:8081");
  const proxy = await resolveTransport({
    mode: "api-proxy",
    kube,
    namespace: "flink",
    clusterId: "app",
    config,
  });
  assert.ok(proxy instanceof ApiServerProxyTransport);
  assert.match(proxy.describe(), /flink\/https:app-rest:8081/);
  const plain = await resolveTransport({
    mode: "service-dns",
    kube,
    namespace: "flink",
    clusterId: "app",
    config: {},
  });
  assert.ok(!(plain instanceof TlsTransport));
  await assert.rejects(
    resolveTransport({
      mode: "api-proxy",
      kube,
      namespace: "flink",
      clusterId: "app",
      config: {
        ...config,
        "security.ssl.rest.authentication-enabled": "true",
        "security.ssl.rest.keystore": `${FIXTURES}/operator.p12`,
        "security.ssl.rest.keystore-password": STORE_PASSWORD,
        "security.ssl.rest.key-password": STORE_PASSWORD,
      },
    }),
    /authentication-enabled: .*cannot present; reach JobManagers directly/,
  );
});

Deno.test("simulator: a JobManager keystore it cannot open stops it with Flink's message", async () => {
  const fs = new ContainerFs({ "/opt/flink/tls": FIXTURES }, await Deno.makeTempDir());
  await assert.rejects(
    restServerTls(new FlinkConfig({ "security.ssl.rest.enabled": "true" }), fs, "v1_20"),
    /The config option security\.ssl\.rest\.keystore or security\.ssl\.keystore is missing/,
  );
  await assert.rejects(
    restServerTls(
      new FlinkConfig({ ...base, ...JM_KEYSTORE, "security.ssl.rest.keystore-password": "x" }),
      fs,
      "v1_20",
    ),
    /Keystore was tampered with, or password was incorrect/,
  );
});

Deno.test("render: the JobManager's startup probe speaks HTTPS, and only connects under mutual TLS", async () => {
  const cases: [Record<string, string>, unknown][] = [
    [{}, OPERATOR_STARTUP_PROBE],
    [{ "security.ssl.rest.enabled": "true" }, {
      ...OPERATOR_STARTUP_PROBE,
      httpGet: { path: "/config", port: "rest", scheme: "HTTPS" },
    }],
    [{ "security.ssl.rest.enabled": "true", "security.ssl.rest.authentication-enabled": "true" }, {
      periodSeconds: 1,
      failureThreshold: 2147483647,
      tcpSocket: { port: "rest" },
    }],
  ];
  for (const [conf, expected] of cases) {
    const d = await exampleDeployment("basic-application.yaml", (raw) => {
      raw.spec.flinkConfiguration = { ...raw.spec.flinkConfiguration, ...conf };
    });
    const cluster = renderCluster({
      deployment: d,
      deployConfig: deployConfigOf(d),
      generation: 1,
      mode: "native",
      clusterType: "application",
      startupProbe: true,
    });
    // deno-lint-ignore no-explicit-any
    const main = (cluster.jobManagerDeployment as any).spec.template.spec.containers
      .find((c: { name: string }) => c.name === "flink-main-container");
    assert.deepEqual(main.startupProbe, expected, JSON.stringify(conf));
  }
});
