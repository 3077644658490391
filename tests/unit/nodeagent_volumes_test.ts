import assert from "node:assert/strict";
import { StateLayout } from "../../cluster/nodeagent/state_layout.ts";
import type { Pod, Volume } from "../../cluster/nodeagent/pod_types.ts";
import {
  containerMounts,
  materializeVolume,
  PLACEHOLDER_TOKEN,
  VolumeError,
} from "../../cluster/nodeagent/volumes.ts";
import { MemoryConfigSource } from "./nodeagent_fakes.ts";

function podWith(volumes: Volume[]): Pod {
  return {
    metadata: { name: "p", namespace: "ns", uid: "uid-9", labels: { a: "1", b: "x y" } },
    spec: {
      volumes,
      containers: [{
        name: "main",
        volumeMounts: volumes.map((v) => ({ name: v.name, mountPath: `/mnt/${v.name}` })),
      }],
    },
  };
}

async function withLayout(fn: (layout: StateLayout, source: MemoryConfigSource) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "nodeagent-volumes-" });
  const source = new MemoryConfigSource();
  source.addConfigMap("ns", "conf", { "config.yaml": "a: 1\n", "log4j.properties": "x=y\n" });
  source.configMaps.get("ns/conf")!.binaryData = { "blob.bin": btoa("\u0001\u0002") };
  source.addSecret("ns", "creds", { user: "flink", "pass word": "s3cr3t" });
  try {
    await fn(new StateLayout(dir), source);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const read = (path: string) => Deno.readTextFile(path);

Deno.test("volumes: ConfigMap and Secret volumes become files (all keys, decoded)", async () => {
  await withLayout(async (layout, source) => {
    const pod = podWith([
      { name: "conf", configMap: { name: "conf" } },
      { name: "creds", secret: { secretName: "creds" } },
    ]);
    for (const v of pod.spec.volumes!) {
      await materializeVolume(pod, v, "127.1.0.1", layout, source);
    }
    const mounts = containerMounts(pod, pod.spec.containers[0], layout);
    assert.equal(mounts["/mnt/conf"], layout.volumeDir("uid-9", "conf"));
    assert.equal(await read(`${mounts["/mnt/conf"]}/config.yaml`), "a: 1\n");
    assert.equal(await read(`${mounts["/mnt/conf"]}/log4j.properties`), "x=y\n");
    assert.deepEqual(
      await Deno.readFile(`${mounts["/mnt/conf"]}/blob.bin`),
      new Uint8Array([1, 2]),
    );
    assert.equal(await read(`${mounts["/mnt/creds"]}/user`), "flink");
    assert.equal(await read(`${mounts["/mnt/creds"]}/pass word`), "s3cr3t");
    assert.equal((await Deno.stat(`${mounts["/mnt/creds"]}/user`)).mode! & 0o777, 0o644);
  });
});

Deno.test("volumes: items pick keys and paths; modes apply; paths cannot escape", async () => {
  await withLayout(async (layout, source) => {
    const pod = podWith([{
      name: "conf",
      configMap: {
        name: "conf",
        defaultMode: 0o640,
        items: [
          { key: "config.yaml", path: "nested/flink-conf.yaml" },
          { key: "log4j.properties", path: "../../escape.txt", mode: 0o600 },
        ],
      },
    }]);
    await materializeVolume(pod, pod.spec.volumes![0], "127.1.0.1", layout, source);
    const dir = layout.volumeDir("uid-9", "conf");
    assert.equal(await read(`${dir}/nested/flink-conf.yaml`), "a: 1\n");
    assert.equal(await read(`${dir}/escape.txt`), "x=y\n");
    assert.equal((await Deno.stat(`${dir}/nested/flink-conf.yaml`)).mode! & 0o777, 0o640);
    assert.equal((await Deno.stat(`${dir}/escape.txt`)).mode! & 0o777, 0o600);
    const entries = await Array.fromAsync(Deno.readDir(dir));
    assert.deepEqual(entries.map((e) => e.name).sort(), ["escape.txt", "nested"]);
  });
});

Deno.test("volumes: missing ConfigMap, Secret or key fails unless optional", async () => {
  await withLayout(async (layout, source) => {
    const fails = async (volume: Volume, message: string) => {
      const pod = podWith([volume]);
      await assert.rejects(
        materializeVolume(pod, volume, "127.1.0.1", layout, source),
        (err) =>
          err instanceof VolumeError && err.volume === volume.name && err.message === message,
      );
    };
    await fails({ name: "a", configMap: { name: "absent" } }, 'configmap "absent" not found');
    await fails({ name: "b", secret: { secretName: "absent" } }, 'secret "absent" not found');
    await fails(
      { name: "c", configMap: { name: "conf", items: [{ key: "nope", path: "x" }] } },
      "configmap references non-existent config key: nope",
    );
    const optional: Volume = { name: "d", configMap: { name: "absent", optional: true } };
    await materializeVolume(podWith([optional]), optional, "127.1.0.1", layout, source);
    assert.deepEqual(await Array.fromAsync(Deno.readDir(layout.volumeDir("uid-9", "d"))), []);
  });
});

Deno.test("volumes: emptyDir, hostPath under host-fs, PVC, downward API and projected tokens", async () => {
  await withLayout(async (layout, source) => {
    const pod = podWith([
      { name: "scratch", emptyDir: {} },
      { name: "host", hostPath: { path: "/var/flink/../data", type: "DirectoryOrCreate" } },
      { name: "claim", persistentVolumeClaim: { claimName: "flink-data" } },
      {
        name: "info",
        downwardAPI: {
          items: [
            { path: "labels", fieldRef: { fieldPath: "metadata.labels" } },
            { path: "name", fieldRef: { fieldPath: "metadata.name" } },
          ],
        },
      },
      {
        name: "kube-api-access",
        projected: {
          sources: [
            { serviceAccountToken: { path: "token", expirationSeconds: 3607 } },
            { configMap: { name: "conf", items: [{ key: "config.yaml", path: "ca.crt" }] } },
            {
              downwardAPI: {
                items: [{ path: "namespace", fieldRef: { fieldPath: "metadata.namespace" } }],
              },
            },
          ],
        },
      },
      { name: "odd", nfs: { server: "x", path: "/" } } as Volume,
    ]);
    const results = [];
    for (const v of pod.spec.volumes!) {
      results.push(await materializeVolume(pod, v, "127.1.0.1", layout, source));
    }
    assert.deepEqual(results.at(-1), { unsupported: "nfs" });
    const mounts = containerMounts(pod, pod.spec.containers[0], layout);
    assert.equal(mounts["/mnt/host"], `${layout.root}/host-fs/var/flink/data`);
    assert.ok((await Deno.stat(mounts["/mnt/host"])).isDirectory);
    assert.equal(mounts["/mnt/claim"], `${layout.root}/pvc/ns/flink-data`);
    assert.ok((await Deno.stat(mounts["/mnt/scratch"])).isDirectory);
    assert.equal(await read(`${mounts["/mnt/info"]}/labels`), 'a="1"\nb="x y"');
    assert.equal(await read(`${mounts["/mnt/info"]}/name`), "p");
    const access = mounts["/mnt/kube-api-access"];
    assert.equal(await read(`${access}/token`), PLACEHOLDER_TOKEN);
    assert.equal(await read(`${access}/ca.crt`), "a: 1\n");
    assert.equal(await read(`${access}/namespace`), "ns");
  });
});

Deno.test("volumes: subPath mounts point inside the volume", async () => {
  await withLayout((layout) => {
    const pod = podWith([{ name: "conf", configMap: { name: "conf" } }]);
    pod.spec.containers[0].volumeMounts = [
      { name: "conf", mountPath: "/opt/flink/conf/config.yaml", subPath: "config.yaml" },
      { name: "missing-volume", mountPath: "/nowhere" },
    ];
    assert.deepEqual(containerMounts(pod, pod.spec.containers[0], layout), {
      "/opt/flink/conf/config.yaml": `${layout.volumeDir("uid-9", "conf")}/config.yaml`,
    });
    return Promise.resolve();
  });
});
