// setMany and apply() on v2 against the same on v1, 10,000 entries, for a
// user and for the organization, in the same run. Requests are counted twice:
// by an interceptor on the transport (what went over the wire) and by the
// results' `requests` field (what the API says it did); the two must agree.
// Each operation starts on an empty scope (cleaned up untimed afterwards), and
// v1 and v2 take turns, so neither meets a fuller store or a colder machine.
import type { Interceptor } from "@connectrpc/connect";
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
const rounds = 5;

type Api = "v1" | "v2";

function counted(url: string, token: string, protocol: ZitadelProtocol) {
  let requests = 0;
  const count: Interceptor = (next) => (req) => {
    requests++;
    return next(req);
  };
  const transport = createZitadelTransport({ baseUrl: url, protocol, auth: token, interceptors: [count] });
  return { transport, requests: () => requests };
}

const keyOf = (i: number) => `bulk.${String(i).padStart(5, "0")}`;
const initial = (): [string, string][] => Array.from({ length: entries }, (_, i) => [keyOf(i), `value ${i} `.repeat(4)]);
/** 10,000 changes: the first half of the keys get new values, the second half is removed. */
const changes = () => ({
  set: Array.from({ length: entries / 2 }, (_, i) => [keyOf(i), `changed ${i}`] as [string, string]),
  remove: Array.from({ length: entries / 2 }, (_, i) => keyOf(entries / 2 + i)),
});

interface Sample {
  ms: number;
  /** The interceptor's count. */
  wire: number;
  /** The result's `requests`. */
  reported: number;
  /** apply() only: the result's `atomic`. */
  atomic?: boolean;
}

async function oneRound(scope: MetadataScope, wire: () => number, cleanup: MetadataScope) {
  let before = wire();
  const setMany = await measure(() => scope.setMany(initial()));
  const setManySample: Sample = { ms: setMany.ms, wire: wire() - before, reported: setMany.result.requests };
  before = wire();
  const apply = await measure(() => scope.apply(changes()));
  const applySample: Sample = { ms: apply.ms, wire: wire() - before, reported: apply.result.requests, atomic: apply.result.atomic };
  if (apply.result.set !== entries / 2 || apply.result.removed !== entries / 2) throw new Error(`apply() reported ${apply.result.set} set, ${apply.result.removed} removed`);
  // Untimed: back to an empty scope, and a check that apply() did what it said.
  const left: string[] = [];
  for await (const e of cleanup.list({ prefix: "bulk.", pageSize: 1000 })) left.push(e.key);
  if (left.length !== entries / 2 || left.some((k) => k >= keyOf(entries / 2))) throw new Error(`after apply() the scope holds ${left.length} bulk.* keys, expected the first ${entries / 2}`);
  await cleanup.removeMany(left);
  return { setMany: setManySample, apply: applySample };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** Runs setMany and apply() on v1 and v2 for a user and the org over each protocol; returns the report lines. */
export async function bulkVersions(target: BulkTarget, protocols: readonly ZitadelProtocol[]): Promise<string[]> {
  const lines = [
    `setMany(10,000 entries) and apply({ set: 5,000, remove: 5,000 }) on an empty scope, v2 vs v1 (default limits, concurrency 4; ` +
      `${rounds} rounds, v1 and v2 alternating, median ms; requests: interceptor count = result.requests):`,
  ];
  for (const protocol of protocols) {
    for (const scopeKind of ["user", "org"] as const) {
      const scopes = (["v1", "v2"] as const).map((api) => {
        const c = counted(target.url, target.token, protocol);
        const md = createMetadataClient(c.transport, api === "v2" ? { api, orgId: target.orgId } : { api });
        const cleanupMd = createMetadataClient(createZitadelTransport({ baseUrl: target.url, protocol: "grpc", auth: target.token }), { api: "v2", orgId: target.orgId });
        const scope = scopeKind === "user" ? md.user(target.userIds[api]) : md.org();
        const cleanup = scopeKind === "user" ? cleanupMd.user(target.userIds[api]) : cleanupMd.org();
        return { api, scope, cleanup, wire: c.requests };
      });
      const samples: Record<Api, { setMany: Sample[]; apply: Sample[] }> = { v1: { setMany: [], apply: [] }, v2: { setMany: [], apply: [] } };
      // One untimed warm-up round each, then rounds alternating which version goes first.
      for (const s of scopes) await oneRound(s.scope, s.wire, s.cleanup);
      for (let r = 0; r < rounds; r++) {
        for (const s of r % 2 ? [...scopes].reverse() : scopes) {
          const got = await oneRound(s.scope, s.wire, s.cleanup);
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
          return { ms: median(xs.map((x) => x.ms)), requests: xs[0]!.wire, atomic: xs[0]!.atomic };
        };
        const v1 = describe("v1");
        const v2 = describe("v2");
        lines.push(
          `  ${op.padEnd(7)} ${scopeKind.padEnd(4)} ${protocol.padEnd(4)}: v1 ${v1.ms.toFixed(0).padStart(5)} ms in ${String(v1.requests).padStart(2)} requests, ` +
            `v2 ${v2.ms.toFixed(0).padStart(5)} ms in ${String(v2.requests).padStart(2)} requests (counts agree); v2/v1 time ×${(v2.ms / v1.ms).toFixed(2)}` +
            (op === "apply" ? `; atomic: v1 ${v1.atomic}, v2 ${v2.atomic}` : ""),
        );
      }
    }
  }
  return lines;
}
