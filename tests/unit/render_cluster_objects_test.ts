import { LAST_STATE_SAVEPOINT_SENTINEL } from "../../lib/flink/spec/upgrade.ts";
import assert from "node:assert/strict";
import YAML from "yaml";
import type { FlinkDeployment } from "../../lib/api/mod.ts";
import { ConfigError } from "../../lib/config/config_error.ts";
import type { KubeObject } from "../../lib/kube/resource.ts";
import {
  hasPendingOwnerUid,
  jobManagerOwnedObjects,
  OPERATOR_STARTUP_PROBE,
  parseFlinkConfigFile,
  renderCluster,
  type RenderClusterInput,
  withOwnerUid,
} from "../../lib/flink/render/mod.ts";
import { deployConfigOf, deployment, exampleDeployment, JOB_ID } from "./render_fixtures.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

function render(
  d: FlinkDeployment,
  extra: Partial<RenderClusterInput> = {},
  deployExtra: Parameters<typeof deployConfigOf>[1] = {},
) {
  return renderCluster({
    deployment: d,
    deployConfig: deployConfigOf(d, deployExtra),
    generation: d.metadata.generation ?? 1,
    mode: d.spec.mode ?? "native",
    clusterType: d.spec.job ? "application" : "session",
    startupProbe: true,
    ...extra,
  });
}

function podSpec(obj: KubeObject | undefined): Json {
  return (obj as Json).spec.template.spec;
}

function mainContainer(obj: KubeObject | undefined): Json {
  return podSpec(obj).containers.find((c: Json) => c.name === "flink-main-container");
}

function configOf(cm: KubeObject): Record<string, string> {
  const data = (cm as Json).data as Record<string, string>;
  const file = Object.keys(data).find((k) => k === "flink-conf.yaml" || k === "config.yaml")!;
  return parseFlinkConfigFile(file, data[file]);
}

const NATIVE = { type: "flink-native-kubernetes", app: "basic-example" };
const JM_OWNER = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  name: "basic-example",
  uid: "",
  controller: true,
  blockOwnerDeletion: true,
};

Deno.test("native application without HA: objects, names, labels and owners", async () => {
  const cluster = render(await exampleDeployment("basic-application.yaml"));
  const jm = cluster.jobManagerDeployment as Json;
  assert.equal(jm.apiVersion, "apps/v1");
  assert.equal(jm.kind, "Deployment");
  assert.equal(jm.metadata.name, "basic-example");
  assert.equal(jm.metadata.namespace, "flink");
  assert.deepEqual(jm.metadata.labels, { ...NATIVE, component: "jobmanager" });
  assert.deepEqual(jm.spec.selector.matchLabels, { ...NATIVE, component: "jobmanager" });
  assert.deepEqual(jm.spec.template.metadata.labels, { ...NATIVE, component: "jobmanager" });
  assert.deepEqual(jm.metadata.ownerReferences, [{
    apiVersion: "flink.apache.org/v1beta1",
    kind: "FlinkDeployment",
    name: "basic-example",
    uid: "uid-1234",
    controller: false,
    blockOwnerDeletion: true,
  }]);
  assert.equal(jm.spec.replicas, 1);
  const generation = { "flinkdeployment.flink.apache.org/generation": "3" };
  assert.deepEqual(jm.metadata.annotations, generation);
  assert.deepEqual(jm.spec.template.metadata.annotations, generation);

  const rest = cluster.restService as Json;
  assert.equal(rest.metadata.name, "basic-example-rest");
  assert.deepEqual(rest.metadata.labels, NATIVE);
  assert.deepEqual(rest.metadata.ownerReferences, [JM_OWNER]);
  assert.equal(rest.spec.type, "ClusterIP");
  assert.deepEqual(rest.spec.ports, [{ name: "rest", port: 8081, targetPort: 8081 }]);
  assert.deepEqual(rest.spec.selector, { ...NATIVE, component: "jobmanager" });

  const internal = cluster.internalService as Json;
  assert.equal(internal.metadata.name, "basic-example");
  assert.equal(internal.spec.clusterIP, "None");
  assert.deepEqual(internal.spec.ports, [
    { name: "jobmanager-rpc", port: 6123 },
    { name: "blobserver", port: 6124 },
  ]);
  assert.deepEqual(internal.metadata.ownerReferences, [JM_OWNER]);

  const cm = cluster.flinkConfigMap as Json;
  assert.equal(cm.metadata.name, "flink-config-basic-example");
  assert.deepEqual(cm.metadata.labels, NATIVE);
  assert.deepEqual(cm.metadata.ownerReferences, [JM_OWNER]);
  assert.deepEqual(Object.keys(cm.data), ["flink-conf.yaml"]);
  assert.equal(cluster.podTemplateConfigMap, undefined);
  assert.equal(cluster.taskManagerDeployment, undefined);
});

Deno.test("native JobManager container: image, ports, env, command, probe, config volume", async () => {
  const cluster = render(await exampleDeployment("basic-application.yaml"));
  const main = mainContainer(cluster.jobManagerDeployment);
  assert.equal(main.image, "flink:1.20");
  assert.equal(main.imagePullPolicy, "IfNotPresent");
  assert.deepEqual(main.command, ["/docker-entrypoint.sh"]);
  assert.deepEqual(main.args, ["bash", "-c", "kubernetes-jobmanager.sh kubernetes-application"]);
  assert.deepEqual(main.ports, [
    { name: "rest", containerPort: 8081 },
    { name: "jobmanager-rpc", containerPort: 6123 },
    { name: "blobserver", containerPort: 6124 },
  ]);
  assert.deepEqual(main.env, [
    {
      name: "_POD_IP_ADDRESS",
      valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "status.podIP" } },
    },
    { name: "FLINK_CONF_DIR", value: "/opt/flink/conf" },
  ]);
  assert.deepEqual(main.startupProbe, OPERATOR_STARTUP_PROBE);
  assert.deepEqual(main.resources, {
    requests: { cpu: "1.0", memory: "2048Mi" },
    limits: { cpu: "1.0", memory: "2048Mi" },
  });
  assert.deepEqual(main.volumeMounts, [{
    name: "flink-config-volume",
    mountPath: "/opt/flink/conf",
  }]);
  const spec = podSpec(cluster.jobManagerDeployment);
  assert.deepEqual(spec.volumes, [{
    name: "flink-config-volume",
    configMap: {
      name: "flink-config-basic-example",
      items: [{ key: "flink-conf.yaml", path: "flink-conf.yaml" }],
    },
  }]);
  assert.equal(spec.serviceAccountName, "flink");
  assert.equal(spec.restartPolicy, "Always");
});

Deno.test("the config map holds the cluster-side config", async () => {
  const d = await exampleDeployment("basic-application.yaml", (raw) => {
    raw.spec.flinkConfiguration["kubernetes.operator.job.restart.failed"] = "true";
    raw.spec.flinkConfiguration["rest.bind-address"] = "127.0.0.1";
  });
  const conf = configOf(render(d).flinkConfigMap);
  assert.equal(conf["jobmanager.rpc.address"], "basic-example.flink");
  assert.equal(conf["blob.server.port"], "6124");
  assert.equal(conf["taskmanager.rpc.port"], "6122");
  assert.equal(conf["$internal.pipeline.job-id"], JOB_ID);
  assert.equal(
    conf["kubernetes.internal.jobmanager.entrypoint.class"],
    "org.apache.flink.kubernetes.entrypoint.KubernetesApplicationClusterEntrypoint",
  );
  assert.equal(conf["kubernetes.operator.job.restart.failed"], undefined);
  assert.equal(conf["rest.bind-address"], undefined);
});

Deno.test("native HA: no internal service, TaskManager pod template shipped", async () => {
  const d = await exampleDeployment("stateful-application.yaml");
  const cluster = render(d, {}, { savepointPath: LAST_STATE_SAVEPOINT_SENTINEL, haRestore: true });
  assert.equal(cluster.internalService, undefined);
  const conf = configOf(cluster.flinkConfigMap);
  assert.equal(conf["jobmanager.rpc.address"], undefined);
  assert.equal(conf["high-availability.jobmanager.port"], "6123");
  assert.equal(conf["execution.savepoint.path"], LAST_STATE_SAVEPOINT_SENTINEL);
  assert.equal(
    conf["kubernetes.pod-template-file.taskmanager"],
    "/opt/flink/pod-template/taskmanager-pod-template.yaml",
  );

  const podTemplate = cluster.podTemplateConfigMap as Json;
  assert.equal(podTemplate.metadata.name, "pod-template-flink-example-statemachine");
  assert.deepEqual(podTemplate.metadata.ownerReferences, [
    { ...JM_OWNER, name: "flink-example-statemachine" },
  ]);
  const tmPod = YAML.parse(podTemplate.data["taskmanager-pod-template.yaml"]);
  assert.equal(tmPod.kind, "Pod");
  assert.deepEqual(tmPod.spec.containers[0].volumeMounts, [{
    name: "flink-data",
    mountPath: "/flink-data",
  }]);
  assert.equal(tmPod.spec.containers[0].startupProbe, undefined);

  const spec = podSpec(cluster.jobManagerDeployment);
  assert.deepEqual(spec.volumes.map((v: Json) => v.name), [
    "flink-data",
    "flink-config-volume",
    "pod-template-volume",
  ]);
  assert.deepEqual(mainContainer(cluster.jobManagerDeployment).volumeMounts, [
    { name: "flink-data", mountPath: "/flink-data" },
    { name: "flink-config-volume", mountPath: "/opt/flink/conf" },
    { name: "pod-template-volume", mountPath: "/opt/flink/pod-template" },
  ]);
});

Deno.test("native session JobManager args", async () => {
  const cluster = render(await exampleDeployment("session-cluster.yaml"));
  assert.deepEqual(mainContainer(cluster.jobManagerDeployment).args, [
    "bash",
    "-c",
    "kubernetes-jobmanager.sh kubernetes-session",
  ]);
  assert.equal(
    configOf(cluster.flinkConfigMap)["kubernetes.internal.jobmanager.entrypoint.class"],
    "org.apache.flink.kubernetes.entrypoint.KubernetesSessionClusterEntrypoint",
  );
});

Deno.test("Flink 2.0 gets config.yaml, 1.18 flink-conf.yaml", async () => {
  for (const [version, file] of [["v1_18", "flink-conf.yaml"], ["v2_0", "config.yaml"]]) {
    const d = await exampleDeployment("basic-application.yaml", (raw) => {
      raw.spec.flinkVersion = version;
    });
    const cluster = render(d);
    assert.deepEqual(Object.keys((cluster.flinkConfigMap as Json).data), [file]);
    assert.deepEqual(podSpec(cluster.jobManagerDeployment).volumes[0].configMap.items, [
      { key: file, path: file },
    ]);
    assert.equal(configOf(cluster.flinkConfigMap)["kubernetes.cluster-id"], "basic-example");
  }
});

Deno.test("standalone application: JM args, usrlib, TaskManager Deployment", async () => {
  const d = await exampleDeployment("stateful-application.yaml", (raw) => {
    raw.spec.mode = "standalone";
    raw.spec.job.entryClass = "org.example.Main";
    raw.spec.job.args = ["--mode", "fast"];
    raw.spec.job.allowNonRestoredState = true;
    raw.spec.job.parallelism = 3;
  });
  const cluster = render(d, {}, { savepointPath: "s3://sp/1" });
  const type = "flink-standalone-kubernetes";
  const jm = cluster.jobManagerDeployment as Json;
  assert.deepEqual(jm.metadata.labels, {
    type,
    app: "flink-example-statemachine",
    component: "jobmanager",
  });
  assert.deepEqual(mainContainer(jm).args, [
    "standalone-job",
    "--job-classname",
    "org.example.Main",
    "--allowNonRestoredState",
    "--fromSavepoint",
    "s3://sp/1",
    "-Djobmanager.rpc.address=$(_POD_IP_ADDRESS)",
    "--mode",
    "fast",
  ]);
  assert.ok(podSpec(jm).volumes.some((v: Json) => v.name === "user-lib-dir" && v.emptyDir));
  assert.ok(
    mainContainer(jm).volumeMounts.some((m: Json) =>
      m.name === "user-lib-dir" && m.mountPath === "/opt/flink/usrlib"
    ),
  );
  // Standalone always has the internal service, even with HA.
  assert.equal((cluster.internalService as Json).metadata.name, "flink-example-statemachine");
  assert.deepEqual((cluster.internalService as Json).metadata.labels, {
    type,
    app: "flink-example-statemachine",
  });
  assert.equal(cluster.podTemplateConfigMap, undefined);
  assert.equal(
    configOf(cluster.flinkConfigMap)["jobmanager.rpc.address"],
    "flink-example-statemachine.flink",
  );

  const tm = cluster.taskManagerDeployment as Json;
  assert.equal(tm.metadata.name, "flink-example-statemachine-taskmanager");
  assert.deepEqual(tm.metadata.labels, {
    type,
    app: "flink-example-statemachine",
    component: "taskmanager",
  });
  assert.deepEqual(tm.spec.selector.matchLabels, tm.metadata.labels);
  assert.deepEqual(tm.metadata.ownerReferences, jm.metadata.ownerReferences);
  assert.equal(tm.spec.replicas, 2); // ceil(3 / 2 slots)
  const tmMain = mainContainer(tm);
  assert.deepEqual(tmMain.args, ["taskmanager"]);
  assert.deepEqual(tmMain.ports, [{ name: "taskmanager-rpc", containerPort: 6122 }]);
  assert.deepEqual(tmMain.resources, {
    requests: { cpu: "1.0", memory: "2048Mi" },
    limits: { cpu: "1.0", memory: "2048Mi" },
  });
  assert.equal(tmMain.startupProbe, undefined);
  assert.ok(!tmMain.env.some((e: Json) => e.name === "_POD_IP_ADDRESS"));
  assert.ok(!podSpec(tm).volumes.some((v: Json) => v.name === "user-lib-dir"));
});

Deno.test("standalone session: jobmanager role, TaskManager cpu defaults to slots", async () => {
  const d = await exampleDeployment("session-cluster.yaml", (raw) => {
    raw.spec.mode = "standalone";
    raw.spec.taskManager = { resource: { memory: "1g" }, replicas: 2 };
  });
  const cluster = render(d);
  assert.deepEqual(mainContainer(cluster.jobManagerDeployment).args, ["jobmanager"]);
  assert.ok(
    !podSpec(cluster.jobManagerDeployment).volumes.some((v: Json) => v.name === "user-lib-dir"),
  );
  const tm = cluster.taskManagerDeployment as Json;
  assert.equal(tm.spec.replicas, 2);
  assert.deepEqual(mainContainer(tm).resources.requests, { cpu: "2.0", memory: "1024Mi" });
});

Deno.test("container resources apply limit factors and keep template extras", () => {
  const d = deployment({
    spec: {
      image: "flink:1.20",
      flinkVersion: "v1_20",
      serviceAccount: "flink",
      mode: "standalone",
      jobManager: {
        resources: {
          requests: { cpu: "500m", memory: "1Gi", "ephemeral-storage": "1Gi" },
          limits: { cpu: "2", memory: "1536Mi", "ephemeral-storage": "3Gi" },
        },
      },
      taskManager: {
        resource: { cpu: 1, memory: "2g", ephemeralStorage: "4Gi" },
        replicas: 1,
      },
      flinkConfiguration: {
        "kubernetes.taskmanager.cpu.limit-factor": "3",
        "kubernetes.taskmanager.memory.limit-factor": "1.25",
      },
    },
  });
  const cluster = render(d, { clusterType: "session" });
  assert.deepEqual(mainContainer(cluster.jobManagerDeployment).resources, {
    requests: { cpu: "0.5", memory: "1024Mi", "ephemeral-storage": "1Gi" },
    limits: { cpu: "2.0", memory: "1536Mi", "ephemeral-storage": "3Gi" },
  });
  assert.deepEqual(mainContainer(cluster.taskManagerDeployment).resources, {
    requests: { "ephemeral-storage": "4Gi", cpu: "1.0", memory: "2048Mi" },
    limits: { "ephemeral-storage": "4Gi", cpu: "3.0", memory: "2560Mi" },
  });
});

Deno.test("user pod templates: sidecars kept, main container last, labels and env merged", () => {
  const d = deployment({
    spec: {
      image: "flink:1.20",
      flinkVersion: "v1_20",
      serviceAccount: "flink",
      job: { jarURI: "local:///opt/job.jar", parallelism: 1 },
      podTemplate: {
        metadata: { labels: { team: "data", app: "overridden" } },
        spec: {
          containers: [
            { name: "flink-main-container", env: [{ name: "USER_VAR", value: "1" }] },
            { name: "sidecar", image: "busybox" },
          ],
        },
      },
      jobManager: {
        replicas: 2,
        podTemplate: {
          spec: {
            containers: [{
              name: "flink-main-container",
              startupProbe: { tcpSocket: { port: 8081 } },
            }],
          },
        },
      },
      flinkConfiguration: {
        "high-availability.type": "kubernetes",
        "containerized.master.env.EXTRA": "x",
        "kubernetes.jobmanager.labels": "env:prod",
      },
    },
  });
  const cluster = render(d, { mergeArraysByName: true });
  const jm = cluster.jobManagerDeployment as Json;
  assert.equal(jm.spec.replicas, 2);
  const spec = podSpec(jm);
  assert.deepEqual(spec.containers.map((c: Json) => c.name), ["sidecar", "flink-main-container"]);
  assert.deepEqual(jm.spec.template.metadata.labels, {
    team: "data",
    env: "prod",
    type: "flink-native-kubernetes",
    app: "my-app",
    component: "jobmanager",
  });
  assert.deepEqual(jm.metadata.labels, {
    env: "prod",
    type: "flink-native-kubernetes",
    app: "my-app",
    component: "jobmanager",
  });
  const main = mainContainer(jm);
  assert.deepEqual(main.env.map((e: Json) => e.name), [
    "USER_VAR",
    "EXTRA",
    "_POD_IP_ADDRESS",
    "FLINK_CONF_DIR",
  ]);
  assert.deepEqual(main.startupProbe, { tcpSocket: { port: 8081 } });
});

Deno.test("startup probe only when enabled", async () => {
  const cluster = render(await exampleDeployment("basic-application.yaml"), {
    startupProbe: false,
  });
  assert.equal(mainContainer(cluster.jobManagerDeployment).startupProbe, undefined);
});

Deno.test("REST service type and annotations come from the config", async () => {
  const withType = async (type: string) =>
    render(
      await exampleDeployment("basic-application.yaml", (raw) => {
        raw.spec.flinkConfiguration["kubernetes.rest-service.exposed.type"] = type;
        raw.spec.flinkConfiguration["kubernetes.rest-service.annotations"] = "lb:internal";
        raw.spec.flinkConfiguration["rest.port"] = "9091";
      }),
    ).restService as Json;
  const nodePort = await withType("NodePort");
  assert.equal(nodePort.spec.type, "NodePort");
  assert.deepEqual(nodePort.spec.ports, [{ name: "rest", port: 9091, targetPort: 9091 }]);
  assert.deepEqual(nodePort.metadata.annotations, { lb: "internal" });
  const headless = await withType("Headless_ClusterIP");
  assert.equal(headless.spec.type, "ClusterIP");
  assert.equal(headless.spec.clusterIP, "None");
  await assert.rejects(() => withType("Ingress"), ConfigError);
});

Deno.test("log configuration files join the config map and volume", async () => {
  const d = await exampleDeployment("basic-application.yaml", (raw) => {
    raw.spec.logConfiguration = { "log4j-console.properties": "rootLogger.level = INFO\n" };
  });
  const cluster = render(d);
  const cm = cluster.flinkConfigMap as Json;
  assert.equal(cm.data["log4j-console.properties"], "rootLogger.level = INFO\n");
  assert.deepEqual(podSpec(cluster.jobManagerDeployment).volumes[0].configMap.items, [
    { key: "log4j-console.properties", path: "log4j-console.properties" },
    { key: "flink-conf.yaml", path: "flink-conf.yaml" },
  ]);
  const defaults = render(await exampleDeployment("basic-application.yaml"), {
    defaultLogConfiguration: { "logback-console.xml": "<configuration/>" },
  });
  assert.equal((defaults.flinkConfigMap as Json).data["logback-console.xml"], "<configuration/>");
});

Deno.test("withOwnerUid fills the JobManager Deployment uid after creation", async () => {
  const cluster = render(await exampleDeployment("basic-application.yaml"));
  const owned = jobManagerOwnedObjects(cluster);
  assert.deepEqual(owned.map((o) => `${o.kind}/${o.metadata.name}`), [
    "ConfigMap/flink-config-basic-example",
    "Service/basic-example",
    "Service/basic-example-rest",
  ]);
  for (const obj of owned) {
    assert.ok(hasPendingOwnerUid(obj));
    const filled = withOwnerUid(obj, "Deployment", "basic-example", "jm-uid");
    assert.equal(filled.metadata.ownerReferences?.[0].uid, "jm-uid");
    assert.ok(!hasPendingOwnerUid(filled));
    assert.ok(hasPendingOwnerUid(obj), "the input stays unchanged");
  }
  assert.ok(!hasPendingOwnerUid(cluster.jobManagerDeployment));
  const other = withOwnerUid(cluster.restService, "Deployment", "someone-else", "x");
  assert.equal(other.metadata.ownerReferences?.[0].uid, "");
});

Deno.test("port ranges cannot be exposed", async () => {
  const d = await exampleDeployment("basic-application.yaml", (raw) => {
    raw.spec.flinkConfiguration["blob.server.port"] = "6100-6200";
  });
  assert.throws(() => render(d), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.key, "blob.server.port");
    return true;
  });
});

Deno.test("rendered objects are independent copies", async () => {
  const cluster = render(await exampleDeployment("basic-application.yaml"));
  (cluster.restService.metadata.labels as Record<string, string>).extra = "x";
  assert.equal(cluster.flinkConfigMap.metadata.labels?.extra, undefined);
});
