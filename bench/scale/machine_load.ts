/**
 * How busy the (shared) machine was while a figure was taken: load averages, and the CPU time of
 * the whole machine split into the operator, the bench cluster's processes, and everything else
 * (other people's test runs), from /proc.
 */
import { readCpuMs } from "../proc_status.ts";

export function loadAverage(): string {
  try {
    return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  } catch {
    return "unknown";
  }
}

/** Busy and total CPU time of all cores so far, in ms (from the aggregate line of /proc/stat). */
function machineCpu(): { busyMs: number; totalMs: number } {
  const line = Deno.readTextFileSync("/proc/stat").split("\n")[0];
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal guest guest_nice; guests are in user already.
  const [user, nice, system, idle, iowait, irq, softirq, steal] = ticks;
  const busy = user + nice + system + irq + softirq + steal;
  return { busyMs: busy * 10, totalMs: (busy + idle + iowait) * 10 };
}

function cpuOf(pids: number[]): number {
  let ms = 0;
  for (const pid of pids) {
    try {
      ms += readCpuMs(pid);
    } catch {
      // gone
    }
  }
  return ms;
}

export interface LoadWindow {
  /** e.g. "load 2.1 2.4 2.6, CPU 71 % of 2 cores busy: operator 3 %, bench cluster 35 %, rest 33 %" */
  describe(): string;
  /** Machine CPU busy, % of all cores. */
  busyPct: number;
}

/** Starts measuring; `end()` describes the window. */
export function loadWindow(operatorPid: () => number | undefined, clusterPids: number[]) {
  const cores = navigator.hardwareConcurrency;
  const before = {
    machine: machineCpu(),
    operator: cpuOf([operatorPid() ?? -1].filter((p) => p > 0)),
    cluster: cpuOf(clusterPids),
  };
  return {
    end(): LoadWindow {
      const machine = machineCpu();
      const operator = cpuOf([operatorPid() ?? -1].filter((p) => p > 0)) - before.operator;
      const cluster = cpuOf(clusterPids) - before.cluster;
      const total = machine.totalMs - before.machine.totalMs;
      const busy = machine.busyMs - before.machine.busyMs;
      const pct = (ms: number) => (total > 0 ? ms / total * 100 : 0);
      const rest = Math.max(0, busy - operator - cluster);
      return {
        busyPct: pct(busy),
        describe: () =>
          `load ${loadAverage()}; CPU ${pct(busy).toFixed(0)} % of ${cores} cores busy: operator ${
            pct(operator).toFixed(1)
          } %, bench cluster ${pct(cluster).toFixed(0)} %, other processes ${
            pct(rest).toFixed(0)
          } %`,
      };
    },
  };
}
