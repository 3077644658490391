/**
 * runtime.queue-throughput: the WorkQueue alone, no cluster. 200,000 adds spread over 10,000
 * distinct keys (each key about 20 times, in a fixed pseudo-random order), 50 workers, a handler
 * that does nothing. Measures how many adds per second the queue absorbs including dispatching the
 * resulting passes, and how much it deduplicates.
 *
 * Two producer shapes:
 * - interleaved (the reported figure): 100 adds per event-loop turn, like a watch delivering a
 *   chunk of events per network read, so handlers finish between chunks;
 * - burst: all adds in one synchronous loop, the most dedupe the queue can possibly do.
 */
import { WorkQueue } from "../lib/runtime/queue.ts";
import { type Benchmark, newResult } from "./benchmark.ts";
import { median, perSecond } from "./result.ts";

const ADDS = 200_000;
const KEYS = 10_000;
const CONCURRENCY = 50;
const CHUNK = 100;
const ROUNDS = 3;

interface Round {
  ms: number;
  handled: number;
}

export const queueThroughput: Benchmark = {
  name: "runtime.queue-throughput",
  description:
    `WorkQueue: ${ADDS} adds over ${KEYS} keys, concurrency ${CONCURRENCY}, no-op handler`,
  async run() {
    const result = newResult("runtime.queue-throughput");
    const keys = keySequence();
    const interleaved: Round[] = [];
    const burst: Round[] = [];
    // Warm-up so the first measured round does not pay for JIT compilation.
    await runRound(keys.slice(0, 20_000), CHUNK);
    for (let i = 0; i < ROUNDS; i++) {
      interleaved.push(await runRound(keys, CHUNK));
      burst.push(await runRound(keys, ADDS));
    }
    const ms = median(interleaved.map((r) => r.ms));
    const handled = median(interleaved.map((r) => r.handled));
    const burstMs = median(burst.map((r) => r.ms));
    const burstHandled = median(burst.map((r) => r.handled));
    result.figures.push(
      { label: "throughput", value: perSecond(ADDS, ms, "adds") },
      { label: "handler passes", value: `${count(handled)} (${perSecond(handled, ms, "")})` },
      { label: "dedupe", value: `${(ADDS / handled).toFixed(1)}× (${pct(handled)} of adds ran)` },
      {
        label: "burst",
        value: `${perSecond(ADDS, burstMs, "adds")}, ${count(burstHandled)} passes, dedupe ${
          (ADDS / burstHandled).toFixed(1)
        }×`,
      },
    );
    result.notes.push(
      `interleaved producer: ${CHUNK} adds per event-loop turn; median of ${ROUNDS} rounds, ` +
        "time from the first add until the queue is idle",
    );
    return result;
  },
};

function count(n: number): string {
  return n.toLocaleString("en-US");
}

function pct(handled: number): string {
  return `${(handled / ADDS * 100).toFixed(1)} %`;
}

async function runRound(keys: string[], chunk: number): Promise<Round> {
  const queue = new WorkQueue(CONCURRENCY, { initialMs: 5, factor: 2, maxMs: 1000 });
  let handled = 0;
  queue.start(() => {
    handled++;
    return Promise.resolve();
  });
  const yieldTurn = eventLoopTurn();
  const started = performance.now();
  for (let i = 0; i < keys.length; i += chunk) {
    const end = Math.min(keys.length, i + chunk);
    for (let j = i; j < end; j++) queue.add(keys[j]);
    if (end < keys.length) await yieldTurn.next();
  }
  await queue.idle();
  const ms = performance.now() - started;
  yieldTurn.close();
  await queue.shutdown();
  return { ms, handled };
}

/**
 * Yields one macrotask turn without setTimeout's 4 ms clamp for nested timers (which would turn
 * 2,000 chunks into 8 s of sleeping): a MessageChannel message is delivered on the next turn.
 */
function eventLoopTurn(): { next(): Promise<void>; close(): void } {
  const channel = new MessageChannel();
  let wake: (() => void) | undefined;
  channel.port1.onmessage = () => wake?.();
  return {
    next() {
      return new Promise((resolve) => {
        wake = resolve;
        channel.port2.postMessage(0);
      });
    },
    close() {
      channel.port1.close();
      channel.port2.close();
    },
  };
}

/** Keys `bench/widget-<n>` in a fixed pseudo-random order (mulberry32), so runs compare. */
function keySequence(): string[] {
  let seed = 0x5eed;
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const names = Array.from({ length: KEYS }, (_, i) => `bench/widget-${i}`);
  return Array.from({ length: ADDS }, () => names[Math.floor(random() * KEYS)]);
}
