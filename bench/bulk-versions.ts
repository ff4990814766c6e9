// setMany and apply() on v2 against the same on v1, 10,000 entries, for a
// user and for the organization, in the same run. Requests are counted twice:
// by an interceptor on the transport (what went over the wire) and by the
// results' `requests` field (what the API says it did); the two must agree.
// Each operation starts on an empty scope (cleaned up untimed afterwards), and
// v1 and v2 take turns, so neither meets a fuller store or a colder machine.
import { countedTransport } from "./line-child.js";
import type { MetadataScope, ZitadelProtocol } from "../src/index.js";
import { createMetadataClient, createZitadelTransport } from "../src/index.js";
import { measure } from "./measure.js";

export interface BulkTarget {
  url: string;
  token: string;
  userIds: { v1: string; v2: string };
  orgId: string;
}

const entries = 10_000;
const rounds = 9;

type Api = "v1" | "v2";

const keyOf = (i: number) => `bulk.${String(i).padStart(5, "0")}`;
const initial = (): [string, string][] => Array.from({ length: entries }, (_, i) => [keyOf(i), `value ${i} `.repeat(4)]);
/** 10,000 changes: the first half of the keys get new values, the second half is removed. */
const changes = () => ({
  set: Array.from({ length: entries / 2 }, (_, i) => [keyOf(i), `changed ${i}`] as [string, string]),
  remove: Array.from({ length: entries / 2 }, (_, i) => keyOf(entries / 2 + i)),
});

interface Sample {
  ms: number;
  /** CPU time of both processes, client and emulator, in ms: what the work cost, whatever else the machine was running. */
  cpuMs: number;
  /** The interceptor's count. */
  wire: number;
  /** The result's `requests`. */
  reported: number;
  /** apply() only: the result's `atomic`. */
  atomic?: boolean;
}

/** The emulator process's CPU time so far, in µs. */
export type EmulatorCpu = () => Promise<number>;

/** Wall time (measure()) and the CPU time of this process and the emulator's while `work` runs. */
async function timed<T>(work: () => Promise<T>, emulatorCpu: EmulatorCpu) {
  const emulatorBefore = await emulatorCpu();
  const mineBefore = process.cpuUsage();
  const { ms, result } = await measure(work);
  const mine = process.cpuUsage(mineBefore);
  const emulator = (await emulatorCpu()) - emulatorBefore;
  return { ms, cpuMs: (mine.user + mine.system + emulator) / 1000, result };
}

async function oneRound(scope: MetadataScope, wire: () => number, cleanup: MetadataScope, emulatorCpu: EmulatorCpu) {
  let before = wire();
  const setMany = await timed(() => scope.setMany(initial()), emulatorCpu);
  const setManySample: Sample = { ms: setMany.ms, cpuMs: setMany.cpuMs, wire: wire() - before, reported: setMany.result.requests };
  before = wire();
  const apply = await timed(() => scope.apply(changes()), emulatorCpu);
  const applySample: Sample = { ms: apply.ms, cpuMs: apply.cpuMs, wire: wire() - before, reported: apply.result.requests, atomic: apply.result.atomic };
  if (apply.result.set !== entries / 2 || apply.result.removed !== entries / 2)
    throw new Error(`apply() reported ${apply.result.set} set, ${apply.result.removed} removed`);
  // Untimed: back to an empty scope, and a check that apply() did what it said.
  const left: string[] = [];
  for await (const e of cleanup.list({ prefix: "bulk.", pageSize: 1000 })) left.push(e.key);
  if (left.length !== entries / 2 || left.some((k) => k >= keyOf(entries / 2)))
    throw new Error(`after apply() the scope holds ${left.length} bulk.* keys, expected the first ${entries / 2}`);
  await cleanup.removeMany(left);
  return { setMany: setManySample, apply: applySample };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** Runs setMany and apply() on v1 and v2 for a user and the org over each protocol; returns the report lines. */
export async function bulkVersions(target: BulkTarget, protocols: readonly ZitadelProtocol[], emulatorCpu: EmulatorCpu): Promise<string[]> {
  const lines = [
    `setMany(10,000 entries) and apply({ set: 5,000, remove: 5,000 }) on an empty scope, v2 vs v1 (default limits, concurrency 4; ` +
      `${rounds} rounds, v1 and v2 back to back, alternating which goes first; medians; CPU = client + emulator process; ` +
      `ratios: median of the per-round v2/v1; requests counted by an interceptor, equal to result.requests in every round):`,
  ];
  for (const protocol of protocols) {
    for (const scopeKind of ["user", "org"] as const) {
      const scopes = (["v1", "v2"] as const).map((api) => {
        const c = countedTransport(target.url, target.token, protocol);
        const md = createMetadataClient(c.transport, api === "v2" ? { api, orgId: target.orgId } : { api });
        const cleanupMd = createMetadataClient(createZitadelTransport({ baseUrl: target.url, protocol: "grpc", auth: target.token }), {
          api: "v2",
          orgId: target.orgId,
        });
        const scope = scopeKind === "user" ? md.user(target.userIds[api]) : md.org();
        const cleanup = scopeKind === "user" ? cleanupMd.user(target.userIds[api]) : cleanupMd.org();
        return { api, scope, cleanup, wire: c.requests };
      });
      const samples: Record<Api, { setMany: Sample[]; apply: Sample[] }> = { v1: { setMany: [], apply: [] }, v2: { setMany: [], apply: [] } };
      // One untimed warm-up round each, then rounds alternating which version goes first.
      for (const s of scopes) await oneRound(s.scope, s.wire, s.cleanup, emulatorCpu);
      for (let r = 0; r < rounds; r++) {
        for (const s of r % 2 ? [...scopes].reverse() : scopes) {
          const got = await oneRound(s.scope, s.wire, s.cleanup, emulatorCpu);
          samples[s.api].setMany.push(got.setMany);
          samples[s.api].apply.push(got.apply);
        }
      }
      for (const op of ["setMany", "apply"] as const) {
        const describe = (api: Api) => {
          const xs = samples[api][op];
          const wire = new Set(xs.map((x) => x.wire));
          const reported = new Set(xs.map((x) => x.reported));
          if (wire.size !== 1 || reported.size !== 1 || xs[0]!.wire !== xs[0]!.reported) {
            throw new Error(`${op} ${api} ${scopeKind} over ${protocol}: interceptor counted ${[...wire]} requests, results said ${[...reported]}`);
          }
          const atomic = new Set(xs.map((x) => x.atomic));
          if (atomic.size !== 1) throw new Error(`${op} ${api} ${scopeKind} over ${protocol}: atomic changed between rounds`);
          return { ms: median(xs.map((x) => x.ms)), cpuMs: median(xs.map((x) => x.cpuMs)), requests: xs[0]!.wire, atomic: xs[0]!.atomic };
        };
        const v1 = describe("v1");
        const v2 = describe("v2");
        // Paired: v2 over v1 of the same round, which ran back to back.
        const ratios = samples.v2[op].map((x, r) => x.ms / samples.v1[op][r]!.ms);
        const cpuRatios = samples.v2[op].map((x, r) => x.cpuMs / samples.v1[op][r]!.cpuMs);
        const range = (xs: number[]) => `×${median(xs).toFixed(2)} (rounds ×${Math.min(...xs).toFixed(2)}–×${Math.max(...xs).toFixed(2)})`;
        const side = (api: Api, x: { ms: number; cpuMs: number; requests: number }) =>
          `${api} ${x.ms.toFixed(0).padStart(4)} ms, CPU ${x.cpuMs.toFixed(0).padStart(4)} ms, ${String(x.requests).padStart(2)} requests`;
        lines.push(
          `  ${op.padEnd(7)} ${scopeKind.padEnd(4)} ${protocol.padEnd(4)}: ${side("v1", v1)}; ${side("v2", v2)}; ` +
            `v2/v1 wall ${range(ratios)}, CPU ${range(cpuRatios)}` +
            (op === "apply" ? `; atomic: v1 ${v1.atomic}, v2 ${v2.atomic}` : ""),
        );
      }
    }
  }
  return lines;
}
