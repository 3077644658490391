/**
 * Runs `fn` while holding an exclusive advisory lock (flock) on `path`. The demo, the test runner
 * and single test files may all call ensureControlPlane at once; the lock makes the second caller
 * wait and then reuse what the first one started, instead of starting a second cluster.
 */
export async function withFileLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const file = await Deno.open(path, { create: true, write: true });
  try {
    await file.lock(true);
    return await fn();
  } finally {
    // Closing the descriptor releases the lock, even when fn threw.
    file.close();
  }
}
