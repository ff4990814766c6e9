// Pacing bulk work: at most `rate` requests per second, evenly spaced, and
// slower after the server says "too many".
import type { Interceptor } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { createMetadataClient, createZitadelTransport, ZitadelConfigError } from "../src/index.js";
import type { PacerClock } from "../src/core/pacer.js";
import { createPacer } from "../src/core/pacer.js";
import { useEmulator } from "./support/emulator.js";

/** A clock that only moves when someone sleeps on it. */
function fakeClock() {
  let t = 0;
  const slept: number[] = [];
  const clock: PacerClock = {
    now: () => t,
    async sleep(ms, signal) {
      if (signal?.aborted) throw signal.reason;
      slept.push(ms);
      t += ms;
    },
  };
  return { clock, slept, advance: (ms: number) => (t += ms), now: () => t };
}

describe("createPacer", () => {
  it("spaces requests evenly: rate 4 is one slot every 250 ms, no burst at the start", async () => {
    const { clock, now } = fakeClock();
    const pacer = createPacer(4, clock);
    const at: number[] = [];
    for (let i = 0; i < 6; i++) {
      await pacer.take();
      at.push(now());
    }
    expect(at).toEqual([0, 250, 500, 750, 1000, 1250]);
  });

  it("slowDown halves the pace, honours Retry-After, and recovers in steps after a quiet while", async () => {
    const { clock, now, advance } = fakeClock();
    const pacer = createPacer(10, clock);
    await pacer.take();
    pacer.slowDown(2_000);
    expect(pacer.current).toBe(5);
    await pacer.take();
    expect(now()).toBe(2_000);
    await pacer.take();
    expect(now()).toBe(2_200);
    // Refusals of the same overload (within the wait it asked for) halve once.
    pacer.slowDown(1_000);
    pacer.slowDown(1_000);
    expect(pacer.current).toBe(2.5);
    for (let i = 0; i < 4; i++) {
      advance(1_000);
      pacer.slowDown(1_000);
    }
    // Never below one request per second.
    expect(pacer.current).toBe(1);
    expect(pacer.slowDowns).toBe(6);
    advance(5_000);
    await pacer.take();
    expect(pacer.current).toBe(2);
    advance(60_000);
    for (let i = 0; i < 10; i++) {
      advance(5_000);
      await pacer.take();
    }
    expect(pacer.current).toBe(10);
  });

  it("a waiting take() rejects when its signal aborts", async () => {
    const pacer = createPacer(1);
    await pacer.take();
    const controller = new AbortController();
    const waiting = pacer.take(controller.signal);
    controller.abort(new Error("stop"));
    await expect(waiting).rejects.toThrow("stop");
  });

  it("refuses a rate that is not a positive number", () => {
    for (const rate of [0, -1, Number.NaN, Infinity]) expect(() => createPacer(rate)).toThrow(/positive number of requests per second/);
  });
});

describe("rate on bulk work, against the emulator", () => {
  const emulator = useEmulator();

  it("setMany and list with rate 10: no second holds more than 10 request starts", async () => {
    const starts: number[] = [];
    const stamp: Interceptor = (next) => (req) => {
      starts.push(performance.now());
      return next(req);
    };
    for (const api of ["v1", "v2"] as const) {
      starts.length = 0;
      const transport = createZitadelTransport({ baseUrl: emulator().url, protocol: "grpc", auth: emulator().user("acme-admin").token, interceptors: [stamp] });
      const md = createMetadataClient(transport, { api, orgId: emulator().org("acme").id });
      const entries = Object.fromEntries(Array.from({ length: 1_500 }, (_, i) => [`paced.${api}.${i}`, `v${i}`]));
      const result = await md.org().setMany(entries, { maxEntriesPerRequest: 100, concurrency: 4, rate: 10 });
      expect(result.requests).toBe(15);
      const listed = await md
        .org()
        .list({ prefix: `paced.${api}.`, pageSize: 300, rate: 10 })
        .toArray();
      expect(listed).toHaveLength(1_500);
      // Evenly spaced: any 1000 ms window holds at most 10 starts (plus one on its edge); a slow machine only spreads them more.
      for (const [i, t] of starts.entries()) {
        const inWindow = starts.slice(i).filter((s) => s < t + 1_000).length;
        expect(inWindow).toBeLessThanOrEqual(11);
      }
      // And paced, not merely throttled: the pacer gives the 15 slots at least 1.4 s apart in all. The
      // stamps are taken a little after each slot, and on a loaded machine one of them can be late by
      // tens of milliseconds (a clean-clone run saw the first one 59 ms late): a slot's worth of slack,
      // where a burst would take a few milliseconds.
      expect(starts[14]! - starts[0]!).toBeGreaterThanOrEqual(1_400 - 100);
    }
  });

  it("refuses a rate that is not usable, naming the option, before any request", async () => {
    const transport = createZitadelTransport({ baseUrl: emulator().url, protocol: "grpc", auth: emulator().user("acme-admin").token });
    const org = createMetadataClient(transport).org();
    await expect(org.setMany({ a: "1" }, { rate: 0 })).rejects.toBeInstanceOf(ZitadelConfigError);
    await expect(org.removeMany(["a"], { rate: Number.NaN })).rejects.toMatchObject({ option: "rate" });
    expect(() => org.list({ rate: -5 })).toThrow(/option "rate" must be a positive number/);
  });

  describe("against a per-token limit of 20 requests per second (HTTP 429, as ZITADEL Cloud's edge)", () => {
    const limited = useEmulator({ faults: { rateLimit: { requests: 20, windowMs: 1_000, by: "token" } } });
    it.each(["grpc", "rest"] as const)(
      "over %s: rate 18 never meets a 429; rate 60 meets some, slows down and still stores everything",
      async (protocol) => {
        for (const api of ["v1", "v2"] as const) {
          const user = `${protocol}-${api}`;
          const transport = createZitadelTransport({ baseUrl: limited().url, protocol, auth: limited().user("acme-admin").token, retry: { maxAttempts: 10 } });
          const org = createMetadataClient(transport, { api, orgId: limited().org("acme").id }).org();
          const entries = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`limit.${user}.${i}`, `v${i}`]));
          // A fresh window: the previous round's requests no longer count.
          await new Promise((resolve) => setTimeout(resolve, 1_100));
          const before = limited().faultCounts.rateLimited;
          await org.setMany(entries, { maxEntriesPerRequest: 25, rate: 18 });
          expect(limited().faultCounts.rateLimited - before).toBe(0);

          await org.removeMany(Object.keys(entries), { maxEntriesPerRequest: 25, rate: 18 });
          expect(limited().faultCounts.rateLimited - before).toBe(0);
          const tooFast = limited().faultCounts.rateLimited;
          const result = await org.setMany(entries, { maxEntriesPerRequest: 10, concurrency: 8, rate: 60 });
          expect(result.requests).toBe(30);
          expect(limited().faultCounts.rateLimited - tooFast).toBeGreaterThan(0);
          const stored = await org.list({ prefix: `limit.${user}.`, rate: 18 }).toObject();
          expect(Object.keys(stored)).toHaveLength(300);
          expect(Object.values(stored).every((e) => e.text() === entries[e.key])).toBe(true);
          await org.removeMany(Object.keys(entries), { rate: 18 });
        }
      },
      120_000,
    );
  });
});
