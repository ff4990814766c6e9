// Small tools of the load test (bench/load.ts): a latency histogram of fixed
// size, so that recording a million calls does not grow the heap being
// measured, and a seeded random number generator, so that a run's sequence
// of operations can be repeated.

/** Latencies in buckets 1 % wide from 1 µs to ~100 s: percentiles within 1 %, in a fixed 15 KB. */
export class LatencyHistogram {
  private static readonly ratio = Math.log(1.01);
  private readonly counts = new Uint32Array(1900);
  count = 0;
  maxMs = 0;

  record(ms: number): void {
    const micros = Math.max(1, ms * 1000);
    const index = Math.min(this.counts.length - 1, Math.floor(Math.log(micros) / LatencyHistogram.ratio));
    this.counts[index]!++;
    this.count++;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  /** The latency in ms at or under which `fraction` of the calls finished (the upper edge of its bucket). */
  percentile(fraction: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.ceil(fraction * this.count);
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(this.maxMs, Math.exp((i + 1) * LatencyHistogram.ratio) / 1000);
    }
    return this.maxMs;
  }
}

/** mulberry32: a fast 32-bit generator; enough for choosing operations, keys and bytes. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
