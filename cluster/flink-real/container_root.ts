/**
 * The file system a real Flink process sees, built in its own mount namespace: what a container
 * runtime would give it, so the process uses the image's paths unchanged (`/opt/flink/lib`,
 * `local:///opt/flink/usrlib/x.jar`, `file:///flink-data/...`) and reports them as a real pod
 * would. The root is the node's shared file system (the same host-fs the simulator maps file://
 * paths into), so checkpoints and savepoints land where the simulator would put them and every
 * pod sees every other pod's files, like a shared volume. Into that root go, in order:
 *
 *   1. the host's system directories, read-only (the JVM and libc live there);
 *   2. /tmp: a directory of this process alone (Flink's io.tmp.dirs), removed after it exits;
 *   3. /opt/flink: a small tmpfs holding the release's lib/, plugins/, examples/, usrlib/ and
 *      default conf/ (read-only; also as conf-default/, which no volume covers), and log/ (the
 *      pod's log directory);
 *   4. the pod's volume mounts, parents first, so e.g. the flink-config ConfigMap covers
 *      /opt/flink/conf and an emptyDir covers /opt/flink/usrlib exactly as on a real node;
 *   5. /etc/hosts: the pod's view of cluster DNS (service_hosts.ts).
 *
 * Everything is mounted in a private namespace that ends with the process; nothing shows on the
 * host. Needs root (CAP_SYS_ADMIN), as the test machines have.
 */
import {
  DEFAULT_CONF_IN_CONTAINER,
  FLINK_HOME_IN_CONTAINER,
  LOG_DIR_IN_CONTAINER,
} from "./java_command.ts";

export type RootMount =
  | { kind: "bind"; source: string; target: string; readOnly: boolean; file: boolean }
  | { kind: "tmpfs"; target: string }
  | { kind: "symlink"; target: string; to: string };

export interface RootInput {
  /** Host directory that becomes "/" (the node's shared file system). */
  root: string;
  /** Host path of the release's Flink home (dist.ts). */
  flinkHome: string;
  /** This process's own /tmp on the host. */
  tmpDir: string;
  /** Host directory for log files (the pod's log directory). */
  logDir: string;
  /** Host file with the pod's /etc/hosts. */
  hostsFile: string;
  /** Container path → host path, from the pod spec; `isFile` says which sources are files. */
  podMounts: Record<string, string>;
  isFile: (hostPath: string) => boolean;
  /** The JDK directory, mounted at the same path when it is not under /usr. */
  javaHome: string;
  /** How the host lays out /bin, /lib, …: symlinks into /usr on merged-/usr systems. */
  systemLinks: Record<string, string | undefined>;
}

/** Top-level host directories a process needs; /bin, /lib, /lib64, /sbin may be symlinks. */
export const SYSTEM_DIRS = ["usr", "etc", "bin", "sbin", "lib", "lib64"];
const FLINK_SUBDIRS = ["lib", "plugins", "examples", "usrlib", "conf"];

export function rootMounts(input: RootInput): RootMount[] {
  const mounts: RootMount[] = [];
  for (const dir of SYSTEM_DIRS) {
    const link = input.systemLinks[dir];
    if (link === undefined) continue; // absent on this host
    if (link) mounts.push({ kind: "symlink", target: `/${dir}`, to: link });
    else mounts.push(bind(`/${dir}`, `/${dir}`, true));
  }
  if (!input.javaHome.startsWith("/usr/")) {
    mounts.push(bind(input.javaHome, input.javaHome, true));
  }
  mounts.push(
    bind("/dev", "/dev", false),
    bind("/proc", "/proc", false),
    bind("/sys", "/sys", true),
    bind(input.tmpDir, "/tmp", false),
    { kind: "tmpfs", target: FLINK_HOME_IN_CONTAINER },
  );
  for (const sub of FLINK_SUBDIRS) {
    mounts.push(bind(`${input.flinkHome}/${sub}`, `${FLINK_HOME_IN_CONTAINER}/${sub}`, true));
  }
  mounts.push(
    bind(`${input.flinkHome}/conf`, DEFAULT_CONF_IN_CONTAINER, true),
    bind(input.logDir, LOG_DIR_IN_CONTAINER, false),
  );
  const podMounts = Object.entries(input.podMounts)
    .map(([target, source]) => ({ target: normalize(target), source }))
    .sort((a, b) => depth(a.target) - depth(b.target) || a.target.localeCompare(b.target));
  for (const { target, source } of podMounts) {
    mounts.push({ ...bind(source, target, false), file: input.isFile(source) });
  }
  mounts.push({ ...bind(input.hostsFile, "/etc/hosts", false), file: true });
  return mounts;
}

function bind(
  source: string,
  target: string,
  readOnly: boolean,
): Extract<RootMount, { kind: "bind" }> {
  return { kind: "bind", source, target, readOnly, file: false };
}

/**
 * A POSIX sh script that performs the mounts and then runs its arguments ("$@") inside the root,
 * in `workDir` (default /opt/flink), with stdout and stderr appended to `outputFile`. Run it under
 * `unshare --mount --propagation private`.
 */
export function rootScript(
  root: string,
  mounts: RootMount[],
  outputFile: string,
  workDir: string = FLINK_HOME_IN_CONTAINER,
): string {
  const r = (path: string) => quote(root.replace(/\/+$/, "") + path);
  const lines = [
    "set -eu",
    `exec >>${quote(outputFile)} 2>&1`,
  ];
  for (const m of mounts) {
    if (m.kind === "symlink") {
      // Pods start concurrently in one shared root: whoever loses the race finds the link made.
      const link = r(m.target);
      lines.push(`[ -L ${link} ] || ln -sn ${quote(m.to)} ${link} || [ -L ${link} ]`);
    } else if (m.kind === "tmpfs") {
      lines.push(
        `mkdir -p ${r(m.target)}`,
        `mount -t tmpfs -o size=1m,mode=0755 flinkop ${r(m.target)}`,
      );
    } else {
      const target = r(m.target);
      lines.push(
        m.file
          ? `[ -e ${target} ] || { mkdir -p ${r(parent(m.target))}; : >>${target}; }`
          : `mkdir -p ${target}`,
      );
      lines.push(`mount --rbind ${quote(m.source)} ${target}`);
      if (m.readOnly) lines.push(`mount -o remount,bind,ro ${target}`);
    }
  }
  lines.push(`exec unshare --root=${quote(root)} --wd=${workDir} -- "$@"`);
  return lines.join("\n") + "\n";
}

/** Single-quotes a word for sh. */
export function quote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

function normalize(path: string): string {
  return "/" + path.split("/").filter((p) => p && p !== ".").join("/");
}

function depth(path: string): number {
  return path.split("/").length;
}

function parent(path: string): string {
  return path.slice(0, path.lastIndexOf("/")) || "/";
}

/** For each system directory: "" for a directory to bind, its target for a symlink, or absent. */
export async function hostSystemLinks(): Promise<Record<string, string | undefined>> {
  const links: Record<string, string | undefined> = {};
  for (const dir of SYSTEM_DIRS) {
    const info = await Deno.lstat(`/${dir}`).catch(() => undefined);
    if (!info) continue;
    links[dir] = info.isSymlink ? await Deno.readLink(`/${dir}`) : "";
  }
  return links;
}

/** Real processes get their own mount namespace; that needs root (or CAP_SYS_ADMIN). */
export async function requireMountNamespaces(): Promise<void> {
  const out = await new Deno.Command("unshare", {
    args: ["--mount", "--propagation", "private", "--", "true"],
    stdout: "null",
    stderr: "piped",
  }).output().catch((err) => ({ success: false, stderr: new TextEncoder().encode(String(err)) }));
  if (!out.success) {
    throw new Error(
      "the real runtime runs each Flink process in its own mount namespace, which needs root " +
        `(unshare --mount failed: ${new TextDecoder().decode(out.stderr).trim()}); run the ` +
        "cluster as root, or use the simulator (--runtime sim)",
    );
  }
}
