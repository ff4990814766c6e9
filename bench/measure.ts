/** Wall time and peak resident set size growth while `work` runs (sampled every 5 ms and at the end). */
export async function measure<T>(work: () => Promise<T>): Promise<{ ms: number; rssGrowthMb: number; result: T }> {
  globalThis.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const started = performance.now();
  const result = await work();
  const ms = performance.now() - started;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { ms, rssGrowthMb: (peak - baseline) / 2 ** 20, result };
}
