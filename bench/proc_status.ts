/**
 * Memory and CPU of a process from /proc (Linux). RSS is what the kernel charges the process now
 * (VmRSS) and at its peak (VmHWM, the high-water mark), in kB; CPU is user + system time.
 */

export interface MemoryKb {
  rssKb: number;
  peakRssKb: number;
}

export function readMemory(pid: number | "self" = "self"): MemoryKb {
  const text = Deno.readTextFileSync(`/proc/${pid}/status`);
  return { rssKb: field(text, "VmRSS"), peakRssKb: field(text, "VmHWM") };
}

function field(status: string, name: string): number {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status);
  if (!match) throw new Error(`no ${name} in /proc status`);
  return Number(match[1]);
}

/** User + system CPU time the process used so far, in milliseconds. */
export function readCpuMs(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  // Fields after the command name (which may contain spaces) start at ") "; utime and stime are
  // fields 14 and 15 of the whole line, i.e. 12 and 13 after the state field.
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(rest[11]) + Number(rest[12]);
  return ticks * 1000 / CLOCK_TICKS_PER_SECOND;
}

/** USER_HZ is 100 on every Linux architecture Deno runs on. */
const CLOCK_TICKS_PER_SECOND = 100;
