/**
 * Asks `find` every `everyMs` until it answers something (not undefined, false or empty), and fails naming
 * `what` once `timeoutMs` has passed: the one way the tests wait, bounded, never a sleep for a guess.
 */
export async function eventually<T>(
  find: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs = 15_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await find();
    if (found !== undefined && found !== false && !(Array.isArray(found) && found.length === 0)) return found;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
