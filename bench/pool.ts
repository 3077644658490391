/**
 * Runs `task(0..count-1)` with at most `limit` in flight, so filling a cluster with thousands of
 * objects neither serialises on round trips nor floods the apiserver with one burst. The first
 * failure stops new tasks and is rethrown once the running ones have settled.
 */
export async function runBounded(
  count: number,
  limit: number,
  task: (index: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (next < count && failure === undefined) {
      const index = next++;
      try {
        await task(index);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  if (failure !== undefined) throw failure;
}
