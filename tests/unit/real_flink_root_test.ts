import assert from "node:assert/strict";
import {
  hostSystemLinks,
  quote,
  type RootInput,
  rootMounts,
  rootScript,
} from "../../cluster/flink-real/container_root.ts";

function input(overrides: Partial<RootInput> = {}): RootInput {
  return {
    root: "/state/host-fs",
    flinkHome: "/cache/flink/1.20.5",
    tmpDir: "/state/pods/u/containers/c/tmp-1",
    logDir: "/state/logs/ns_p_u",
    hostsFile: "/state/pods/u/containers/c/hosts",
    podMounts: {
      "/opt/flink/usrlib": "/state/pods/u/volumes/user-lib",
      "/opt/flink/conf/": "/state/pods/u/volumes/conf",
      "/opt/flink/conf/log4j-console.properties": "/state/pods/u/volumes/log/log4j",
      "/flink-data": "/state/pvc/ns/data",
    },
    isFile: (p) => p.endsWith("log4j"),
    javaHome: "/usr/lib/jvm/java-17-openjdk-amd64",
    systemLinks: { usr: "", etc: "", bin: "usr/bin", lib: "usr/lib" },
    ...overrides,
  };
}

Deno.test("real flink: the container root is the image's layout with the pod's volumes on top", () => {
  const targets = rootMounts(input()).map((m) =>
    m.kind === "bind"
      ? `${m.target}${m.readOnly ? " ro" : ""}${m.file ? " file" : ""}`
      : `${m.target} ${m.kind}`
  );
  assert.deepEqual(targets, [
    "/usr ro",
    "/etc ro",
    "/bin symlink",
    "/lib symlink",
    "/dev",
    "/proc",
    "/sys ro",
    "/tmp",
    "/opt/flink tmpfs",
    "/opt/flink/lib ro",
    "/opt/flink/plugins ro",
    "/opt/flink/examples ro",
    "/opt/flink/usrlib ro",
    "/opt/flink/conf ro",
    "/opt/flink/conf-default ro",
    "/opt/flink/log",
    // Parents before children, so a file mounted into a mounted directory stays visible.
    "/flink-data",
    "/opt/flink/conf",
    "/opt/flink/usrlib",
    "/opt/flink/conf/log4j-console.properties file",
    "/etc/hosts file",
  ]);
});

Deno.test("real flink: a JDK outside /usr is mounted where it is", () => {
  const mounts = rootMounts(input({ javaHome: "/opt/jdk-17" }));
  assert.ok(mounts.some((m) => m.kind === "bind" && m.target === "/opt/jdk-17" && m.readOnly));
});

Deno.test("real flink: the root script quotes every path", () => {
  assert.equal(quote("it's"), `'it'\\''s'`);
  const script = rootScript("/a b", [
    { kind: "bind", source: "/x'y", target: "/t", readOnly: true, file: false },
  ], "/log dir/out");
  assert.match(script, /exec >>'\/log dir\/out' 2>&1/);
  assert.match(script, /mount --rbind '\/x'\\''y' '\/a b\/t'/);
  assert.match(script, /mount -o remount,bind,ro '\/a b\/t'/);
  assert.match(script, /exec unshare --root='\/a b' --wd=\/opt\/flink -- "\$@"/);
});

Deno.test({
  name: "real flink: a process sees the layout, writes through its volumes, leaves no mounts",
  ignore: Deno.uid() !== 0,
  async fn() {
    const base = await Deno.makeTempDir({ prefix: "flinkop-root-test-" });
    try {
      const d = (p: string) => `${base}/${p}`;
      for (const dir of ["root", "home/lib", "home/plugins", "home/examples", "home/usrlib"]) {
        await Deno.mkdir(d(dir), { recursive: true });
      }
      for (const dir of ["home/conf", "tmp", "logs", "conf", "user-lib", "pvc"]) {
        await Deno.mkdir(d(dir), { recursive: true });
      }
      await Deno.writeTextFile(d("home/usrlib/counter.jar"), "jar");
      await Deno.writeTextFile(d("home/conf/flink-conf.yaml"), "image: default\n");
      await Deno.writeTextFile(d("conf/flink-conf.yaml"), "from: configmap\n");
      await Deno.writeTextFile(d("hosts"), "10.244.0.9\tlocalhost pod-0\n");
      const mounts = rootMounts({
        root: d("root"),
        flinkHome: d("home"),
        tmpDir: d("tmp"),
        logDir: d("logs"),
        hostsFile: d("hosts"),
        podMounts: {
          "/opt/flink/conf": d("conf"),
          "/opt/flink/usrlib": d("user-lib"),
          "/flink-data/ns": d("pvc"),
        },
        isFile: () => false,
        javaHome: "/usr/lib/jvm/none",
        systemLinks: await hostSystemLinks(),
      });
      const output = d("logs/out.log");
      const shell = [
        "cat /opt/flink/conf/flink-conf.yaml /opt/flink/conf-default/flink-conf.yaml",
        "ls /opt/flink/usrlib | wc -l",
        "cat /etc/hosts",
        "pwd",
        "echo scratch > /tmp/t",
        "echo state > /flink-data/ns/s",
        "echo shared > /flink-data/elsewhere",
        "touch /opt/flink/lib/x 2>/dev/null || echo lib is read-only",
      ].join("; ");
      const status = await new Deno.Command("unshare", {
        args: [
          "--mount",
          "--propagation",
          "private",
          "--",
          "/bin/sh",
          "-c",
          rootScript(d("root"), mounts, output),
          "test",
          "/bin/sh",
          "-c",
          shell,
        ],
      }).output();
      const text = await Deno.readTextFile(output);
      assert.ok(status.success, text);
      assert.equal(
        text,
        [
          "from: configmap", // the pod's volume covers the image's conf/
          "image: default",
          "0", // the emptyDir covers usrlib/, as on a real node
          "10.244.0.9\tlocalhost pod-0",
          "/opt/flink",
          "lib is read-only",
          "",
        ].join("\n"),
      );
      assert.equal(await Deno.readTextFile(d("tmp/t")), "scratch\n");
      assert.equal(await Deno.readTextFile(d("pvc/s")), "state\n");
      assert.equal(await Deno.readTextFile(d("root/flink-data/elsewhere")), "shared\n");
    } finally {
      // Never delete through a leaked bind mount of /usr or /dev: check before removing.
      const mountinfo = await Deno.readTextFile("/proc/self/mountinfo");
      assert.ok(!mountinfo.includes(base), `mounts under ${base} leaked into the test's namespace`);
      await Deno.remove(base, { recursive: true });
    }
  },
});
