/** What happened during a chaos run, in order: printed for the cycle that broke an invariant. */

export interface TimelineEntry {
  /** ms since the run started. */
  t: number;
  /** Wall clock (Date.now()), to match the operator's log. */
  at: number;
  cycle: number;
  text: string;
}

export class Timeline {
  readonly entries: TimelineEntry[] = [];
  cycle = 0;
  readonly #start = Date.now();

  constructor(private readonly file?: string) {}

  add(text: string): void {
    const at = Date.now();
    const entry = { t: at - this.#start, at, cycle: this.cycle, text };
    this.entries.push(entry);
    if (this.file) {
      Deno.writeTextFileSync(this.file, format(entry) + "\n", { append: true });
    }
    // Only the recent past is ever printed; the file keeps everything.
    if (this.entries.length > 5000) this.entries.splice(0, this.entries.length - 4000);
  }

  /** The entries of cycles `from`..now, one per line. */
  since(from: number): string {
    return this.entries.filter((e) => e.cycle >= from).map(format).join("\n");
  }
}

function format(e: TimelineEntry): string {
  const wall = new Date(e.at).toISOString().slice(11, 23);
  return `${wall} ${(e.t / 1000).toFixed(1).padStart(7)}s  [cycle ${e.cycle}] ${e.text}`;
}
