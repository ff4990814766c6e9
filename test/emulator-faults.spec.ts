// The emulator's faults (issue 13, deliverable 4): each kind on every
// protocol, what it leaves in the store, the seeded draw, the rate limit, and
// parseFaults. Calls are sent by hand (test/support/fault-calls.ts) so that
// the test sees exactly what went over the wire.
import { describe, expect, it } from "vitest";
import type { Faults } from "../src/emulator/index.js";
import { chooseFault, faultKinds, parseFaults, startEmulator } from "../src/emulator/index.js";
import { testSeed, useEmulator } from "./support/emulator.js";
import type { FaultProtocol } from "./support/fault-calls.js";
import { faultProtocols, grpcStatusOf, setKey, storedValue, summary } from "./support/fault-calls.js";

const none: Partial<Faults> = Object.fromEntries(faultKinds.map((k) => [k, 0]));

describe.each(faultProtocols)("faults over %s", (protocol: FaultProtocol) => {
  const emulator = useEmulator();
  let counter = 0;
  const freshKey = () => `fault.${protocol}.${++counter}`;
  const only = (patch: Partial<Faults>) => Object.assign(emulator().faults, none, patch);

  it("unavailable: the protocol's Unavailable, nothing applied", async () => {
    only({ unavailable: 1 });
    const key = freshKey();
    const outcome = await setKey(emulator(), protocol, key, "v");
    only({});
    expect(outcome.kind).toBe("answer");
    if (outcome.kind !== "answer") return;
    if (protocol === "grpc" || protocol === "grpc-web") {
      expect({ status: outcome.status, grpc: grpcStatusOf(outcome), body: outcome.body.length }).toEqual({ status: 200, grpc: "14", body: 0 });
    } else {
      expect(outcome.status).toBe(503);
      expect(JSON.parse(outcome.body.toString()).code).toBe(protocol === "rest" ? 14 : "unavailable");
    }
    expect(storedValue(emulator(), key)).toBeUndefined();
    expect(summary(await setKey(emulator(), protocol, key, "v"))).toBe("ok");
    expect(storedValue(emulator(), key)).toBe("v");
  });

  it("resourceExhausted: ResourceExhausted with Retry-After (and grpc-retry-pushback-ms on gRPC), nothing applied", async () => {
    only({ resourceExhausted: 1, retryAfterSeconds: 3 });
    const key = freshKey();
    const outcome = await setKey(emulator(), protocol, key, "v");
    only({ retryAfterSeconds: 1 });
    expect(outcome.kind).toBe("answer");
    if (outcome.kind !== "answer") return;
    expect(outcome.headers["retry-after"]).toBe("3");
    if (protocol === "grpc" || protocol === "grpc-web") {
      expect(grpcStatusOf(outcome)).toBe("8");
      expect(outcome.headers["grpc-retry-pushback-ms"]).toBe("3000");
    } else {
      expect(outcome.status).toBe(429);
      expect(JSON.parse(outcome.body.toString()).code).toBe(protocol === "rest" ? 8 : "resource_exhausted");
    }
    expect(storedValue(emulator(), key)).toBeUndefined();
  });

  it("edge429: a proxy's plain-text 429 without grpc-status, nothing applied", async () => {
    only({ edge429: 1 });
    const key = freshKey();
    const outcome = await setKey(emulator(), protocol, key, "v");
    only({});
    expect(outcome.kind).toBe("answer");
    if (outcome.kind !== "answer") return;
    expect(outcome.status).toBe(429);
    expect(outcome.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(outcome.headers["retry-after"]).toBe("1");
    expect(outcome.headers["grpc-status"]).toBeUndefined();
    expect(outcome.body.toString()).toBe("429 Too Many Requests\n");
    expect(storedValue(emulator(), key)).toBeUndefined();
  });

  it("resetBefore: the connection is reset and nothing is applied", async () => {
    only({ resetBefore: 1 });
    const key = freshKey();
    const outcome = await setKey(emulator(), protocol, key, "v");
    only({});
    expect(outcome.kind).toBe("dropped");
    expect(storedValue(emulator(), key)).toBeUndefined();
  });

  it("resetAfter: the connection is reset after the handler ran: applied, answer lost", async () => {
    only({ resetAfter: 1 });
    const key = freshKey();
    const outcome = await setKey(emulator(), protocol, key, "applied");
    only({});
    expect(outcome.kind).toBe("dropped");
    expect(storedValue(emulator(), key)).toBe("applied");
  });

  it("goaway: refused and not applied; HTTP/2 sees GOAWAY", async () => {
    only({ goaway: 1 });
    const key = freshKey();
    const outcome = await setKey(emulator(), protocol, key, "v", { h2: true });
    const overHttp1 = protocol === "grpc" ? undefined : await setKey(emulator(), protocol, freshKey(), "v");
    only({});
    expect(outcome.kind).toBe("dropped");
    if (outcome.kind === "dropped") expect(outcome.goaway).toBe(0); // NO_ERROR
    expect(overHttp1?.kind ?? "dropped").toBe("dropped");
    expect(storedValue(emulator(), key)).toBeUndefined();
  });

  it("slow: answered after the delay", async () => {
    only({ slow: 1, slowMs: 400 });
    const started = performance.now();
    const key = freshKey();
    const outcome = await setKey(emulator(), protocol, key, "v");
    only({ slowMs: 2000 });
    expect(summary(outcome)).toBe("ok");
    // A lower bound only: a loaded machine makes it later, never earlier.
    expect(performance.now() - started).toBeGreaterThanOrEqual(350);
    expect(storedValue(emulator(), key)).toBe("v");
  });

  it("hang: accepted, never answered, until the client gives up; the emulator serves on", async () => {
    only({ hang: 1 });
    const key = freshKey();
    const outcome = await setKey(emulator(), protocol, key, "v", { signal: AbortSignal.timeout(500) });
    only({});
    expect(outcome.kind).toBe("dropped");
    expect(storedValue(emulator(), key)).toBeUndefined();
    expect(summary(await setKey(emulator(), protocol, key, "v"))).toBe("ok");
  });
});

describe("the seeded draw", () => {
  it("chooseFault is a pure function of (seed, n) whose frequencies follow the probabilities", () => {
    const faults = { ...(none as Record<(typeof faultKinds)[number], number>), seed: 7, unavailable: 0.1, resetAfter: 0.05, hang: 0.01 };
    const draws = Array.from({ length: 20_000 }, (_, i) => chooseFault(faults, i + 1));
    expect(Array.from({ length: 20_000 }, (_, i) => chooseFault(faults, i + 1))).toEqual(draws);
    const count = (kind: string | undefined) => draws.filter((d) => d === kind).length / draws.length;
    expect(count("unavailable")).toBeGreaterThan(0.09);
    expect(count("unavailable")).toBeLessThan(0.11);
    expect(count("resetAfter")).toBeGreaterThan(0.04);
    expect(count("resetAfter")).toBeLessThan(0.06);
    expect(count("hang")).toBeGreaterThan(0.005);
    expect(count("hang")).toBeLessThan(0.015);
    expect(count("goaway")).toBe(0);
    // Another seed, another sequence.
    expect(Array.from({ length: 200 }, (_, i) => chooseFault({ ...faults, seed: 8 }, i + 1))).not.toEqual(draws.slice(0, 200));
  });

  it("two emulators with the same seed fault the same requests of a sequential client", async () => {
    const text = "unavailable=0.2,resource-exhausted=0.1,edge-429=0.1,reset-before=0.1,reset-after=0.1,seed=42";
    const runs: string[][] = [];
    for (let run = 0; run < 2; run++) {
      const emulator = await startEmulator({ seed: testSeed, faults: text });
      try {
        const seen: string[] = [];
        for (let i = 0; i < 30; i++) {
          const protocol = faultProtocols[i % faultProtocols.length]!;
          seen.push(`${protocol} ${summary(await setKey(emulator, protocol, `seq.${i}`, "v"))}`);
        }
        const faults = emulator.faults;
        // Each call is request n = i + 1; the draw says which fault it got.
        seen.forEach((line, i) => {
          const kind = chooseFault(faults, i + 1);
          expect(line.endsWith("ok"), `${line}: drawn ${kind}`).toBe(kind === undefined);
        });
        expect(emulator.faultCounts.requests).toBe(30);
        runs.push(seen);
      } finally {
        await emulator.close();
      }
    }
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[0]!.filter((l) => !l.endsWith("ok")).length).toBeGreaterThan(5);
  });
});

describe("rate limit", () => {
  it("answers HTTP 429 with Retry-After over the budget, per token, on every protocol; what it refused is not applied", async () => {
    const emulator = await startEmulator({ seed: testSeed, faults: "rate-limit=4/1m" });
    try {
      const results: string[] = [];
      for (let i = 0; i < 6; i++) results.push(summary(await setKey(emulator, faultProtocols[i % 4]!, `limited.${i}`, "v")));
      expect(results).toEqual(["ok", "ok", "ok", "ok", "http 429", "http 429"]);
      const refused = await setKey(emulator, "grpc", "limited.refused", "v");
      expect(refused.kind === "answer" && refused.headers["retry-after"]).toMatch(/^\d+$/);
      expect(refused.kind === "answer" && Number(refused.headers["retry-after"])).toBeGreaterThanOrEqual(1);
      expect(refused.kind === "answer" && refused.headers["content-type"]).toBe("text/plain; charset=utf-8");
      expect(storedValue(emulator, "limited.refused")).toBeUndefined();
      expect(emulator.faultCounts.rateLimited).toBe(3);
      // Another token has a budget of its own.
      expect(summary(await setKey(emulator, "rest", "limited.other", "v", { token: emulator.user("iam-admin").token }))).toBe("ok");
      // By IP, on loopback, everyone shares one budget.
      emulator.faults.rateLimit = { requests: 1, windowMs: 60_000, by: "ip" };
      expect(summary(await setKey(emulator, "rest", "limited.ip.1", "v", { token: emulator.user("iam-admin").token }))).toBe("ok");
      expect(summary(await setKey(emulator, "rest", "limited.ip.2", "v", { token: emulator.user("acme-admin").token }))).toBe("http 429");
      // Off again: everything passes.
      emulator.faults.rateLimit = undefined;
      expect(summary(await setKey(emulator, "rest", "limited.after", "v"))).toBe("ok");
    } finally {
      await emulator.close();
    }
  });

  it("a short window refills: after it has passed, requests pass again", async () => {
    const emulator = await startEmulator({ seed: testSeed, faults: { rateLimit: { requests: 2, windowMs: 300, by: "token" } } });
    try {
      expect(summary(await setKey(emulator, "rest", "w.1", "v"))).toBe("ok");
      expect(summary(await setKey(emulator, "rest", "w.2", "v"))).toBe("ok");
      const third = await setKey(emulator, "rest", "w.3", "v");
      // On a very slow machine the window may already have passed; both outcomes are fine before the wait.
      expect(["ok", "http 429"]).toContain(summary(third));
      await new Promise((r) => setTimeout(r, 400));
      expect(summary(await setKey(emulator, "rest", "w.4", "v"))).toBe("ok");
    } finally {
      await emulator.close();
    }
  });
});

describe("parseFaults and the live object", () => {
  it("reads the CLI's text form", () => {
    expect(parseFaults("unavailable=0.05, reset-after=2%,seed=7,rate-limit=3000/1m,rate-limit-by=ip,slow-ms=500,retry-after=2")).toEqual({
      unavailable: 0.05,
      resetAfter: 0.02,
      seed: 7,
      slowMs: 500,
      retryAfterSeconds: 2,
      rateLimit: { requests: 3000, windowMs: 60_000, by: "ip" },
    });
    expect(parseFaults("")).toEqual({});
    expect(parseFaults("none")).toEqual({});
    expect(parseFaults("rate-limit=50/1s").rateLimit).toEqual({ requests: 50, windowMs: 1000, by: "token" });
    expect(parseFaults("rate-limit=10/500ms").rateLimit).toEqual({ requests: 10, windowMs: 500, by: "token" });
  });

  it("names the bad part", () => {
    expect(() => parseFaults("unavailable=0.05,resett-after=0.1")).toThrow(/"resett-after=0.1": unknown fault name/);
    expect(() => parseFaults("unavailable=lots")).toThrow(/"unavailable=lots": the value is not a number/);
    expect(() => parseFaults("hang=1.5")).toThrow(/"hang=1.5": hang must be a probability between 0 and 1/);
    expect(() => parseFaults("seed")).toThrow(/"seed": expected name=value/);
    expect(() => parseFaults("rate-limit=fast")).toThrow(/"rate-limit=fast": expected <requests>\/<window>/);
    expect(() => parseFaults("rate-limit-by=ip")).toThrow(/needs a rate-limit/);
    expect(() => parseFaults("unavailable=0.6,hang=0.6")).toThrow(/add up to 1.2/);
  });

  it("checks options and live changes", async () => {
    await expect(startEmulator({ faults: { unavailable: -1 } })).rejects.toThrow(/unavailable must be a probability/);
    await expect(startEmulator({ faults: { latency: 5 } as never })).rejects.toThrow(/unknown fault "latency"/);
    await expect(startEmulator({ connections: { idleTimeoutMs: 0 } })).rejects.toThrow(/idleTimeoutMs must be a whole number/);
    const emulator = await startEmulator({ faults: "unavailable=0.5" });
    try {
      expect(() => (emulator.faults.hang = 0.6)).toThrow(/add up to 1.1/);
      expect(emulator.faults.hang).toBe(0);
      expect(() => (emulator.faults.rateLimit = { requests: 0, windowMs: 1, by: "ip" })).toThrow(/requests/);
      emulator.faults.unavailable = 0;
      expect({ ...emulator.faults }).toMatchObject({ unavailable: 0, hang: 0, latencyMs: 0, rateLimit: undefined });
    } finally {
      await emulator.close();
    }
  });
});
