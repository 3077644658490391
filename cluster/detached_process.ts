/**
 * Background processes that outlive whoever started them: `deno task cluster up` exits while
 * etcd, the apiserver, the controller manager and the node agent keep running.
 */

/** What we remember about a started process, to find and stop it later. */
export interface ProcessRecord {
  pid: number;
  /** A string the process's command line must contain; guards against pid reuse. */
  commandMatch: string;
  log: string;
  startedAt: string;
}

/**
 * Starts `command` in its own session (so Ctrl-C in the starting terminal does not reach it) with
 * stdout and stderr appended to `log`. The shell only sets up redirection and then execs the
 * command, so the returned pid is the command's own and also its process-group id.
 */
export function spawnDetached(
  command: string,
  args: string[],
  opts: { log: string; cwd?: string; env?: Record<string, string>; commandMatch?: string },
): ProcessRecord {
  const child = new Deno.Command("/bin/sh", {
    args: [
      "-c",
      'log=$1; shift; exec "$@" >>"$log" 2>&1 </dev/null',
      "sh",
      opts.log,
      command,
      ...args,
    ],
    cwd: opts.cwd,
    env: opts.env,
    stdin: "null",
    stdout: "null",
    stderr: "null",
    detached: true,
  }).spawn();
  child.unref();
  return {
    pid: child.pid,
    commandMatch: opts.commandMatch ?? command,
    log: opts.log,
    startedAt: new Date().toISOString(),
  };
}

/** True when the recorded process still runs (and is not a zombie or a recycled pid). */
export function isRunning(record: ProcessRecord | undefined): boolean {
  if (!record) return false;
  try {
    const cmdline = Deno.readTextFileSync(`/proc/${record.pid}/cmdline`);
    // Between fork and exec the child shows our own command line, and during exec an empty one:
    // it is starting, alive. The pid-reuse guard only matters for processes started long ago.
    const young = Date.now() - Date.parse(record.startedAt) < 5_000;
    const starting = young || cmdline === "" || cmdline === ownCmdline();
    if (!starting && !cmdline.split("\0").some((arg) => arg.includes(record.commandMatch))) {
      return false;
    }
    const stat = Deno.readTextFileSync(`/proc/${record.pid}/stat`);
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

let selfCmdline: string | undefined;
function ownCmdline(): string {
  return selfCmdline ??= Deno.readTextFileSync("/proc/self/cmdline");
}

/**
 * Stops the process and everything in its process group (the node agent's container processes,
 * for example): SIGTERM, then SIGKILL after `graceMs`. Whatever is left in the group once the
 * leader has exited is a straggler and gets SIGKILL at once.
 */
export async function stopProcess(record: ProcessRecord | undefined, graceMs = 10_000) {
  if (!record || !isRunning(record)) return;
  signalGroup(record.pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (isRunning(record) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  signalGroup(record.pid, "SIGKILL");
  while (isRunning(record)) await new Promise((resolve) => setTimeout(resolve, 50));
}

function signalGroup(pgid: number, signal: Deno.Signal): void {
  try {
    Deno.kill(-pgid, signal); // the negative pid addresses the whole process group
  } catch {
    // the group is already empty
  }
}

/** The last `lines` lines of a log file, for error messages. */
export async function tailFile(path: string, lines = 20): Promise<string> {
  try {
    const text = await Deno.readTextFile(path);
    return text.trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return `(no log at ${path})`;
  }
}
