/**
 * `main.ts run` for crash-safety tests: the real operator, which exits at once (as a SIGKILL
 * would leave it) right after the write-ahead status write named in FLINKOP_TEST_CRASH_AT
 * (comma-separated points; see `save(p, point)` in lib/flink/job/resource_pass.ts).
 */
import { runOperator } from "../../lib/operator.ts";

const points = new Set(
  (Deno.env.get("FLINKOP_TEST_CRASH_AT") ?? "").split(",").map((s) => s.trim()).filter(Boolean),
);

Deno.exit(
  await runOperator(Deno.args, Deno.env.toObject(), {
    afterWrite(point) {
      if (!points.has(point)) return;
      console.error(`test crash point ${point} reached: exiting`);
      Deno.exit(137);
    },
  }),
);
