import { join } from "node:path";

/**
 * Where the node agent keeps things under --state-dir:
 *
 *   pods/<uid>/volumes/<volume>        materialised volumes (removed with the pod)
 *   pods/<uid>/containers/<container>  per-container scratch that survives restarts
 *   host-fs/                           the node's stand-in root filesystem: hostPath volumes and
 *                                      file:// paths no volume covers resolve below it
 *   pvc/<namespace>/<claim>/           persistentVolumeClaim volumes (kept after pod deletion)
 *   logs/<namespace>_<pod>_<uid>/<container>.log   container output (kept for post-mortems)
 */
export class StateLayout {
  constructor(readonly root: string) {}

  podDir(uid: string): string {
    return join(this.root, "pods", uid);
  }

  volumeDir(uid: string, volume: string): string {
    return join(this.podDir(uid), "volumes", volume);
  }

  scratchDir(uid: string, container: string): string {
    return join(this.podDir(uid), "containers", container);
  }

  get hostFsRoot(): string {
    return join(this.root, "host-fs");
  }

  /** A hostPath volume's directory: the path re-rooted under host-fs/, never the real path. */
  hostPath(path: string): string {
    const relative = path.split("/").filter((p) => p && p !== "." && p !== "..").join("/");
    return join(this.hostFsRoot, relative);
  }

  claimDir(namespace: string, claim: string): string {
    return join(this.root, "pvc", namespace, claim);
  }

  logFile(namespace: string, pod: string, uid: string, container: string): string {
    return join(this.root, "logs", `${namespace}_${pod}_${uid}`, `${container}.log`);
  }
}
