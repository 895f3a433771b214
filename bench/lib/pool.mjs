/** Runs `fn(i)` for i in [0, n) with at most `limit` in flight; resolves with the results in order. */
export async function pool(n, limit, fn) {
  const out = new Array(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      out[i] = await fn(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
  return out;
}
