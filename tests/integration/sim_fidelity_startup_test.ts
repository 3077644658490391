/**
 * Simulator fidelity at process start: what real Flink refuses to start, the simulator refuses
 * too, with Flink's words and exit code.
 *
 * 1. The memory model (cluster/flink-sim/process_memory.ts) against Flink's own BashJavaUtils, the
 *    program the image's scripts ask before starting a JVM, for a table of configurations.
 * 2. Pods that Flink refuses — a TaskManager with `memory: "0"`, a standalone application whose
 *    jar has no URL scheme, a cluster without slots, a JobManager without memory settings — on
 *    the simulator and on real Flink: both exit 1 with the same Flink message.
 */
import assert from "node:assert/strict";
import { ensureRealFlink, type FlinkHome } from "../../cluster/flink-real/dist.ts";
import { requireToolchain } from "../../cluster/flink-real/toolchain.ts";
import { FlinkConfig } from "../../cluster/flink-sim/flink_config.ts";
import {
  jobManagerMemoryFailure,
  taskManagerMemoryFailure,
} from "../../cluster/flink-sim/process_memory.ts";
import type { SimThrowable } from "../../cluster/flink-sim/failure.ts";
import { parseFlinkVersion } from "../../cluster/flink-sim/version.ts";
import { RUNTIME_ANNOTATION } from "../../cluster/nodeagent/runtime_selection.ts";
import type { KubeClient } from "../../lib/kube/client.ts";
import { type KubeObject, Resources } from "../../lib/kube/resource.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { configFileName, type Release } from "../support/sim_fidelity/session_cluster.ts";

type Role = "jobmanager" | "taskmanager";

/** Memory settings and whether Flink can start a process of the role with them. */
const MEMORY_CASES: { role: Role; conf: Record<string, string> }[] = [
  { role: "taskmanager", conf: { "taskmanager.memory.process.size": "1728m" } },
  {
    role: "taskmanager",
    conf: {
      "taskmanager.memory.process.size": "1g",
      "taskmanager.memory.managed.fraction": "0.1",
      "taskmanager.numberOfTaskSlots": "2",
    },
  },
  { role: "taskmanager", conf: { "taskmanager.memory.process.size": "0" } },
  { role: "taskmanager", conf: { "taskmanager.memory.process.size": "448m" } },
  { role: "taskmanager", conf: { "taskmanager.memory.process.size": "600m" } },
  { role: "taskmanager", conf: { "taskmanager.memory.flink.size": "400m" } },
  { role: "taskmanager", conf: { "taskmanager.memory.process.size": "lots" } },
  { role: "taskmanager", conf: { "taskmanager.memory.process.size": "1.5g" } },
  { role: "taskmanager", conf: {} },
  {
    role: "taskmanager",
    conf: { "taskmanager.memory.process.size": "1g", "taskmanager.numberOfTaskSlots": "0" },
  },
  { role: "jobmanager", conf: { "jobmanager.memory.process.size": "1600m" } },
  { role: "jobmanager", conf: { "jobmanager.memory.process.size": "0" } },
  { role: "jobmanager", conf: { "jobmanager.memory.process.size": "576m" } },
  { role: "jobmanager", conf: { "jobmanager.memory.process.size": "577m" } },
  { role: "jobmanager", conf: { "jobmanager.memory.flink.size": "100m" } },
  { role: "jobmanager", conf: { "jobmanager.memory.heap.size": "512m" } },
  { role: "jobmanager", conf: {} },
];

/**
 * BashJavaUtils' verdict: undefined when it prints memory settings, else its exception lines
 * (`Exception in thread "main" <class>: <message>` and the `Caused by:` lines).
 */
async function bashJavaUtils(
  java: string,
  home: FlinkHome,
  role: Role,
  conf: Record<string, string>,
): Promise<string[] | undefined> {
  const confDir = await Deno.makeTempDir({ prefix: "flinkop-fidelity-" });
  try {
    await Deno.writeTextFile(`${confDir}/${home.release.configFile}`, "");
    const out = await new Deno.Command(java, {
      args: [
        "-Xmx128m",
        "-XX:TieredStopAtLevel=1",
        "-XX:+UseSerialGC",
        "-classpath",
        `${home.dir}/lib/*`,
        "org.apache.flink.runtime.util.bash.BashJavaUtils",
        role === "jobmanager" ? "GET_JM_RESOURCE_PARAMS" : "GET_TM_RESOURCE_PARAMS",
        "--configDir",
        confDir,
        ...Object.entries(conf).map(([k, v]) => `-D${k}=${v}`),
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (out.success) return undefined;
    const text = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
    return exceptionLines(text);
  } finally {
    await Deno.remove(confDir, { recursive: true });
  }
}

function exceptionLines(text: string): string[] {
  return text.split("\n").map((l) => l.trimEnd())
    .filter((l) => /^(Exception in thread|Caused by:)/.test(l));
}

/** The simulator's refusal in the same lines as a JVM prints them. */
function simLines(failure: SimThrowable | undefined): string[] | undefined {
  if (!failure) return undefined;
  const lines: string[] = [];
  for (let t: SimThrowable | undefined = failure; t; t = t.cause) {
    lines.push(
      `${
        t === failure ? 'Exception in thread "main" ' : "Caused by: "
      }${t.className}: ${t.message}`,
    );
  }
  return lines;
}

integrationTest(
  "simulator fidelity at start: the memory check says what Flink's BashJavaUtils says",
  async () => {
    const { java } = await requireToolchain(false);
    const homes = await ensureRealFlink();
    const checks = homes.flatMap((home) =>
      MEMORY_CASES.map((c) => async () => {
        const config = new FlinkConfig(c.conf);
        const version = parseFlinkVersion(home.release.version)!;
        const sim = simLines(
          c.role === "jobmanager"
            ? jobManagerMemoryFailure(config, version)
            : taskManagerMemoryFailure(config),
        );
        const real = await bashJavaUtils(java, home, c.role, c.conf);
        return { what: `${home.release.version} ${c.role} ${JSON.stringify(c.conf)}`, sim, real };
      })
    );
    // Two JVMs at a time: each costs about a CPU-second.
    const results = [];
    for (let i = 0; i < checks.length; i += 2) {
      results.push(...await Promise.all(checks.slice(i, i + 2).map((check) => check())));
    }
    for (const { what, sim, real } of results) {
      assert.deepEqual(sim, real, what);
    }
    // The table covers both outcomes.
    assert.ok(results.some((r) => r.real === undefined) && results.some((r) => r.real));
  },
);

interface PodView extends KubeObject {
  status?: {
    containerStatuses?: {
      state?: { terminated?: { exitCode?: number; message?: string } };
    }[];
  };
}

/** A pod Flink refuses to start, and the text both runtimes must end with. */
interface RefusalCase {
  name: string;
  args: string[];
  conf: Record<string, string>;
  expected: RegExp;
}

const BASE_CONF = {
  "jobmanager.rpc.address": "refused",
  "jobmanager.memory.process.size": "768m",
  "taskmanager.memory.process.size": "1g",
  "taskmanager.memory.managed.fraction": "0.1",
};

const REFUSALS: RefusalCase[] = [
  {
    name: "tm-memory-0",
    args: ["taskmanager"],
    conf: { ...BASE_CONF, "taskmanager.memory.process.size": "0" },
    expected:
      /IllegalConfigurationException: TaskManager memory configuration failed: Sum of configured JVM Metaspace \(256\.000mb \(268435456 bytes\)\) and JVM Overhead \(192\.000mb \(201326592 bytes\)\) exceed configured Total Process Memory \(0 bytes\)\./,
  },
  {
    name: "jar-without-scheme",
    args: ["standalone-job", "--job-classname", "dev.flinkop.jobs.CounterJob"],
    conf: { ...BASE_CONF, "pipeline.classpaths": "/opt/flink/examples/counter.jar" },
    expected:
      /FlinkException: An error occurred while extracting the user classpath\.\nCaused by: java\.net\.MalformedURLException: no protocol: \/opt\/flink\/examples\/counter\.jar/,
  },
  {
    name: "no-slots",
    args: ["jobmanager"],
    conf: { ...BASE_CONF, "taskmanager.numberOfTaskSlots": "0" },
    expected:
      /ClusterEntrypointException: Failed to initialize the cluster entrypoint StandaloneSessionClusterEntrypoint\.\nCaused by: org\.apache\.flink\.util\.FlinkException: Could not create the DispatcherResourceManagerComponent\.\nCaused by: java\.lang\.IllegalStateException/,
  },
  {
    name: "jm-no-memory",
    args: ["jobmanager"],
    conf: { "jobmanager.rpc.address": "refused" },
    expected:
      /IllegalConfigurationException: (JobManager memory configuration failed: )?Either required fine-grained memory \(jobmanager\.memory\.heap\.size\)/,
  },
];

async function refusedPod(
  client: KubeClient,
  ns: string,
  release: Release,
  runtime: "sim" | "real",
  c: RefusalCase,
): Promise<{ exitCode?: number; message?: string }> {
  const name = `${c.name}-${runtime}-${release.replace(".", "")}`;
  const text = Object.entries(c.conf).map(([k, v]) => `${k}: ${v}`).join("\n") + "\n";
  await client.create(Resources.configMaps, ns, {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name },
    data: { [configFileName(release)]: text },
  });
  await client.create(Resources.pods, ns, {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, annotations: { [RUNTIME_ANNOTATION]: runtime } },
    spec: {
      restartPolicy: "Never",
      containers: [{
        name: "flink-main-container",
        image: `flink:${release}`,
        command: ["/docker-entrypoint.sh"],
        args: c.args,
        volumeMounts: [{ name: "conf", mountPath: "/opt/flink/conf" }],
      }],
      volumes: [{ name: "conf", configMap: { name } }],
    },
  });
  return await waitFor(`pod ${name} to end`, async () => {
    const pod = await client.get<PodView>(Resources.pods, ns, name);
    return pod?.status?.containerStatuses?.[0]?.state?.terminated;
  }, { timeoutMs: 90_000, intervalMs: 250 });
}

integrationTest(
  "simulator fidelity at start: what Flink refuses to start fails alike on the simulator",
  async ({ client, ns }) => {
    await ensureRealFlink();
    for (const release of ["1.20", "2.2"] as const) {
      for (const c of REFUSALS) {
        const [sim, real] = await Promise.all([
          refusedPod(client, ns, release, "sim", c),
          refusedPod(client, ns, release, "real", c),
        ]);
        const what = `${c.name} on flink:${release}`;
        assert.equal(real.exitCode, 1, `${what}: real Flink exits 1 (${real.message})`);
        assert.equal(sim.exitCode, real.exitCode, `${what}: the simulator exits alike`);
        assert.match(real.message ?? "", c.expected, `${what}: real Flink's message`);
        assert.match(sim.message ?? "", c.expected, `${what}: the simulator's message`);
      }
    }
  },
);
