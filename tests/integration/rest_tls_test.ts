/**
 * REST over TLS end to end: simulated JobManagers serve HTTPS with the keystore their Flink
 * configuration names (mounted from a Secret with `kubernetes.secrets`, as in FKO's TLS example),
 * and the operator — a process, configured as FKO's is — performs a savepoint upgrade over it:
 * once trusting the truststore the configuration names, once with mutual TLS and the operator's
 * own stores from FKO's OPERATOR_* environment. Stores: tests/fixtures/rest_tls (JKS and PKCS12
 * from keytool and OpenSSL).
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { KubeClient } from "../../lib/kube/client.ts";
import { type KubeObject, Resources } from "../../lib/kube/resource.ts";
import { FlinkDeployments } from "../../lib/flink/resources.ts";
import { createOrReplace } from "../../lib/flink/cluster_ops.ts";
import { restSslSettings } from "../../lib/flink/rest/tls/rest_ssl_options.ts";
import { loadRestTls } from "../../lib/flink/rest/tls/rest_tls_material.ts";
import { TlsTransport } from "../../lib/flink/rest/tls/tls_transport.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { prepareNamespace } from "../support/operator.ts";
import { type OperatorProcess, spawnOperator } from "../support/operator_process.ts";
import {
  application,
  eventsFor,
  type Fd,
  isRunningStable,
  patchSpec,
  upgradeSnapshots,
  waitForFd,
} from "../support/flink.ts";

const FIXTURES = new URL("../fixtures/rest_tls", import.meta.url).pathname;
const STORE_PASSWORD = "changeit-store";
const KEY_PASSWORD = "changeit-key";
/** Where the JobManager pods see the Secret's files. */
const MOUNT = "/opt/flink/tls";

async function tlsSecret(client: KubeClient, ns: string): Promise<void> {
  const data: Record<string, string> = {};
  for (const file of ["jobmanager.jks", "truststore.p12"]) {
    data[file] = Buffer.from(await Deno.readFile(`${FIXTURES}/${file}`)).toString("base64");
  }
  await createOrReplace(client, Resources.secrets, {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "jm-tls", namespace: ns },
    data,
  } as KubeObject);
}

/** The JobManager side of REST SSL: its keystore from the mounted Secret. */
const JOBMANAGER_TLS = {
  "security.ssl.rest.enabled": "true",
  "security.ssl.rest.keystore": `${MOUNT}/jobmanager.jks`,
  "security.ssl.rest.keystore-password": STORE_PASSWORD,
  "security.ssl.rest.key-password": KEY_PASSWORD,
  "kubernetes.secrets": `jm-tls:${MOUNT}`,
};

/** The test's own HTTPS view of a JobManager, to read the job's state (its counter). */
async function jobManager(
  client: KubeClient,
  ns: string,
  name: string,
  config: Record<string, string>,
): Promise<TlsTransport> {
  const pods = await client.list<KubeObject & { status?: { podIP?: string } }>(Resources.pods, ns, {
    labelSelector: `app=${name},component=jobmanager`,
  });
  const ip = pods.items.find((p) => !p.metadata.deletionTimestamp && p.status?.podIP)?.status
    ?.podIP;
  if (!ip) throw new Error(`no JobManager pod with an IP for ${name}`);
  // The test's own client: REST SSL on, with the trust (and key) the operator is given.
  const material = await loadRestTls(
    restSslSettings({
      config: { "security.ssl.rest.enabled": "true", ...config },
      env: () => undefined,
    })!,
  );
  return new TlsTransport(ip, 8081, material, "test");
}

async function counter(t: TlsTransport, jobId: string): Promise<number> {
  const res = await t.request("GET", `/v1/jobs/${jobId}/accumulators`, { timeoutMs: 5_000 });
  const entry = (res.json as { "user-task-accumulators"?: { name: string; value: string }[] })[
    "user-task-accumulators"
  ]?.find((a) => a.name === "counter");
  if (!entry) throw new Error(`no counter for ${jobId}: ${res.text}`);
  return Number(entry.value);
}

/**
 * Deploys `name`, checks that its REST endpoint speaks only HTTPS, upgrades it with a savepoint
 * and checks that the state went along; `clientView` is how the test itself reaches it.
 */
async function savepointUpgradeOverTls(
  client: KubeClient,
  ns: string,
  name: string,
  op: OperatorProcess,
  clientView: Record<string, string>,
): Promise<void> {
  const first = await waitForFd(client, ns, name, "running over HTTPS", isRunningStable);
  const jobId = first.status!.jobStatus!.jobId!;
  const https = await jobManager(client, ns, name, clientView);
  await waitFor(`${name}'s counter to reach 5`, async () => (await counter(https, jobId)) >= 5);
  // The endpoint is HTTPS only: plain HTTP gets no answer.
  await assert.rejects(
    fetch(`http://${https.host}:8081/v1/config`, { signal: AbortSignal.timeout(5_000) }),
  );

  await patchSpec(client, ns, name, { job: { args: ["--upgraded"] } });
  const stoppedAt = await counter(https, jobId).catch(() => 0);
  const fd = await waitForFd(
    client,
    ns,
    name,
    "upgraded with a savepoint",
    (f: Fd) =>
      f.status?.observedGeneration === first.metadata.generation! + 1 && isRunningStable(f),
  );
  const js = fd.status!.jobStatus!;
  assert.notEqual(js.jobId, jobId, "a savepoint upgrade starts a new job");
  assert.match(js.upgradeSavepointPath ?? "", /savepoint-/);
  const snapshots = await upgradeSnapshots(client, ns, name);
  assert.equal(snapshots.length, 1);
  assert.equal(snapshots[0].status?.state, "COMPLETED");
  const after = await counter(await jobManager(client, ns, name, clientView), js.jobId!);
  assert.ok(after >= stoppedAt, `state must continue over the upgrade: ${after} < ${stoppedAt}`);
  const warnings = (await eventsFor(client, ns, name)).filter((e) => e.type === "Warning");
  assert.deepEqual(warnings.map((e) => `${e.reason}: ${e.message}`), []);
  // The stores' passwords never reach the operator's output.
  assert.ok(!op.output.includes(STORE_PASSWORD) && !op.output.includes(KEY_PASSWORD));
}

integrationTest(
  "REST over TLS: a savepoint upgrade over HTTPS, trusting the truststore the configuration names",
  async ({ client, ns }) => {
    await prepareNamespace(client, ns);
    await tlsSecret(client, ns);
    // The operator reads the truststore from its own file system at the path the configuration
    // names (here a host path: the operator runs on the host).
    const trust = {
      "security.ssl.rest.truststore": `${FIXTURES}/truststore.jks`,
      "security.ssl.rest.truststore-password": STORE_PASSWORD,
    };
    await client.create(
      FlinkDeployments,
      ns,
      application(ns, "tls", {
        upgradeMode: "savepoint",
        flinkConfiguration: { ...JOBMANAGER_TLS, ...trust },
      }),
    );
    const op = await spawnOperator(ns);
    try {
      await savepointUpgradeOverTls(client, ns, "tls", op, trust);
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "REST over TLS: mutual TLS with the operator's stores from FKO's OPERATOR_* environment",
  async ({ client, ns }) => {
    await prepareNamespace(client, ns);
    await tlsSecret(client, ns);
    await client.create(
      FlinkDeployments,
      ns,
      application(ns, "mtls", {
        upgradeMode: "savepoint",
        flinkConfiguration: {
          ...JOBMANAGER_TLS,
          "security.ssl.rest.authentication-enabled": "true",
          // The JobManager's truststore: the CA of client certificates it accepts.
          "security.ssl.rest.truststore": `${MOUNT}/truststore.p12`,
          "security.ssl.rest.truststore-password": STORE_PASSWORD,
          // Flink's default suite (RSA key exchange, CBC) is one the operator cannot speak.
          "security.ssl.algorithms": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        },
      }),
    );
    const op = await spawnOperator(ns, {
      env: {
        OPERATOR_TRUSTSTORE_PATH: `${FIXTURES}/truststore.jks`,
        OPERATOR_KEYSTORE_PATH: `${FIXTURES}/operator.p12`,
        OPERATOR_KEYSTORE_PASSWORD: STORE_PASSWORD,
      },
    });
    const clientView = {
      "security.ssl.rest.authentication-enabled": "true",
      "security.ssl.rest.truststore": `${FIXTURES}/truststore.jks`,
      "security.ssl.rest.truststore-password": STORE_PASSWORD,
      "security.ssl.rest.keystore": `${FIXTURES}/operator.p12`,
      "security.ssl.rest.keystore-password": STORE_PASSWORD,
      "security.ssl.rest.key-password": STORE_PASSWORD,
    };
    try {
      await savepointUpgradeOverTls(client, ns, "mtls", op, clientView);
      // Without a client certificate the JobManager answers nothing.
      const fd = await waitForFd(client, ns, "mtls", "running", isRunningStable);
      const anonymous = await jobManager(client, ns, "mtls", {
        "security.ssl.rest.truststore": `${FIXTURES}/truststore.jks`,
        "security.ssl.rest.truststore-password": STORE_PASSWORD,
      });
      await assert.rejects(
        anonymous.request("GET", `/v1/jobs/${fd.status!.jobStatus!.jobId}`, { timeoutMs: 5_000 }),
        /client certificate/,
      );
    } finally {
      await op.stop();
    }
  },
);
