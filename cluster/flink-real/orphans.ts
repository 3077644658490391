/**
 * The node agent is the runtime of its containers: when it dies without stopping them (SIGKILL,
 * a crash), its JVMs live on, holding pod addresses, ports and CPU. Every real process carries a
 * marker naming its node; a new runtime kills the processes with its node's marker before it
 * starts its own.
 */
export function nodeMarker(sharedFsRoot: string): string {
  return `-Dflinkop.node=${sharedFsRoot}`;
}

/** SIGKILLs every process whose command line holds `marker`; returns their pids. */
export async function killMarkedProcesses(marker: string): Promise<number[]> {
  const killed: number[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name) || Number(entry.name) === Deno.pid) continue;
    let cmdline: string;
    try {
      cmdline = await Deno.readTextFile(`/proc/${entry.name}/cmdline`);
    } catch {
      continue; // exited while we looked
    }
    if (!cmdline.split("\0").includes(marker)) continue;
    try {
      Deno.kill(Number(entry.name), "SIGKILL");
      killed.push(Number(entry.name));
    } catch {
      // already gone
    }
  }
  return killed;
}
