// Per-call overhead: the same RPC, with the same request, through our
// transport (and the generated client, and the high-level API) and through a
// raw connect-node transport with a hand-written bearer header, against the
// same emulator in the same run. Calls are sequential (one in flight), so a
// call's time is one round trip plus what each side adds to it. The variants
// take turns call by call, so drift of the loaded machine hits all of them
// alike; a ratio is ours' median call time over the reference's.
import type { Interceptor, Transport } from "@connectrpc/connect";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { TextFilterMethod } from "../gen/zitadel/filter/v2/filter_pb.js";
import type { PaginationRequest } from "../gen/zitadel/filter/v2/filter_pb.js";
import { ManagementService } from "../gen/zitadel/management_pb.js";
import type { MetadataSearchFilter } from "../gen/zitadel/metadata/v2/metadata_pb.js";
import { UserService } from "../gen/zitadel/user/v2/user_service_pb.js";
import type { ManagementClient, UserServiceV2Client, ZitadelProtocol } from "../src/index.js";
import { createManagementClient, createMetadataClient, createUserServiceV2Client, createZitadelTransport } from "../src/index.js";

type RawProtocol = Exclude<ZitadelProtocol, "rest">;

export interface PerCallTarget {
  url: string;
  token: string;
  userId: string;
}

const calls = 1500;
const warmUpCalls = 150;
const key = "percall.plan";
const value = new TextEncoder().encode("pro");

/** What people write without this package: connect-node's transport for the protocol and a bearer header. */
function rawTransport(protocol: RawProtocol, url: string, token: string): Transport {
  const bearer: Interceptor = (next) => (req) => {
    req.header.set("authorization", `Bearer ${token}`);
    return next(req);
  };
  // The same HTTP versions our transport uses by default: gRPC on HTTP/2, the others on HTTP/1.1.
  switch (protocol) {
    case "grpc":
      return createGrpcTransport({ baseUrl: url, interceptors: [bearer] });
    case "grpc-web":
      return createGrpcWebTransport({ baseUrl: url, httpVersion: "1.1", interceptors: [bearer] });
    case "connect":
      return createConnectTransport({ baseUrl: url, httpVersion: "1.1", interceptors: [bearer] });
  }
}

type Call = () => Promise<unknown>;
interface Variant {
  name: string;
  call: Call;
}
interface Case {
  /** e.g. "v2 ListUserMetadata over connect" */
  title: string;
  reference: Variant;
  ours: Variant[];
}

type Api = "v1" | "v2";
type Rpc = "read" | "write";

const titles: Record<Api, Record<Rpc, string>> = {
  v2: { read: "v2 ListUserMetadata (one key)", write: "v2 SetUserMetadata (one entry)" },
  v1: { read: "v1 GetUserMetadata", write: "v1 SetUserMetadata" },
};

/** The request md.user(id).get(key) sends on v2: the first row of an exact key filter. */
function v2ListRequest(userId: string) {
  const pagination = { offset: 0n, limit: 1, asc: true } as PaginationRequest;
  const filters = [{ filter: { case: "keyFilter", value: { key, method: TextFilterMethod.EQUALS } } }] as MetadataSearchFilter[];
  return { userId, pagination, filters };
}

/** The RPC through a client of the v2 UserService: the same request whoever built the client. */
function v2Call(rpc: Rpc, users: UserServiceV2Client, userId: string): Call {
  return rpc === "read" ? () => users.listUserMetadata(v2ListRequest(userId)) : () => users.setUserMetadata({ userId, metadata: [{ key, value }] });
}

/** The RPC through a client of v1's ManagementService. */
function v1Call(rpc: Rpc, mgmt: ManagementClient, userId: string): Call {
  return rpc === "read" ? () => mgmt.getUserMetadata({ id: userId, key }) : () => mgmt.setUserMetadata({ id: userId, key, value });
}

/** Our two ways to make the call on our transport for the protocol: the generated client, and the high-level API. */
function ours(api: Api, rpc: Rpc, protocol: ZitadelProtocol, target: PerCallTarget): { client: Variant; highLevel: Variant } {
  const transport = createZitadelTransport({ baseUrl: target.url, protocol, auth: target.token });
  const client =
    api === "v2"
      ? { name: "createUserServiceV2Client", call: v2Call(rpc, createUserServiceV2Client(transport), target.userId) }
      : { name: "createManagementClient", call: v1Call(rpc, createManagementClient(transport), target.userId) };
  const scope = createMetadataClient(transport, { api }).user(target.userId);
  const highLevel =
    rpc === "read" ? { name: "md.user(id).get(key)", call: () => scope.get(key) } : { name: "md.user(id).set(key, value)", call: () => scope.set(key, value) };
  return { client, highLevel };
}

/** Raw connect-node vs our transport with the generated client and with the high-level API. */
function againstRaw(api: Api, protocol: RawProtocol, target: PerCallTarget): Case[] {
  const raw = rawTransport(protocol, target.url, target.token);
  return (["read", "write"] as const).map((rpc) => {
    const { client, highLevel } = ours(api, rpc, protocol, target);
    return {
      title: `${titles[api][rpc]} over ${protocol}`,
      reference: {
        name: `raw connect-node ${protocol} transport`,
        call: api === "v2" ? v2Call(rpc, createClient(UserService, raw), target.userId) : v1Call(rpc, createClient(ManagementService, raw), target.userId),
      },
      ours: [client, highLevel],
    };
  });
}

/** REST has no connect-node counterpart (it is ZITADEL's JSON gateway, not an RPC protocol): its reference is our own gRPC transport. */
function restAgainstGrpc(api: Api, target: PerCallTarget): Case[] {
  return (["read", "write"] as const).map((rpc) => {
    const grpc = ours(api, rpc, "grpc", target).highLevel;
    const rest = ours(api, rpc, "rest", target).highLevel;
    return {
      title: `${titles[api][rpc]} over rest`,
      reference: { name: `${grpc.name} over our grpc transport`, call: grpc.call },
      ours: [
        { name: `${rest.name} over our rest transport`, call: rest.call },
        { name: `the same over our connect transport`, call: ours(api, rpc, "connect", target).highLevel.call },
      ],
    };
  });
}

/** Each variant's call times in µs: the variants take turns call by call (in a rotating order), so a burst of load on the machine hits all of them alike. */
async function interleaved(variants: Variant[], calls: number): Promise<number[][]> {
  const times: number[][] = variants.map(() => []);
  for (let n = 0; n < calls; n++) {
    for (let k = 0; k < variants.length; k++) {
      const i = (n + k) % variants.length;
      const started = performance.now();
      await variants[i]!.call();
      times[i]!.push((performance.now() - started) * 1000);
    }
  }
  return times;
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

async function runCase(c: Case): Promise<string[]> {
  const variants = [c.reference, ...c.ours];
  await interleaved(variants, warmUpCalls);
  const times = await interleaved(variants, calls);
  const [ref, ...mine] = times.map((t) => ({ median: quantile(t, 0.5), p25: quantile(t, 0.25), p75: quantile(t, 0.75) }));
  const width = Math.max(...variants.map((v) => v.name.length));
  const us = (x: { median: number; p25: number; p75: number }) =>
    `${x.median.toFixed(0).padStart(5)} µs/call (p25–p75 ${x.p25.toFixed(0)}–${x.p75.toFixed(0)})`;
  return [
    `${c.title} (${calls} calls each, interleaved; median):`,
    `  ${c.reference.name.padEnd(width)}  ${us(ref!)}  reference`,
    ...c.ours.map(
      (v, j) => `  ${v.name.padEnd(width)}  ${us(mine[j]!)}  ×${(mine[j]!.median / ref!.median).toFixed(3)} (${signedUs(mine[j]!.median - ref!.median)})`,
    ),
  ];
}

const signedUs = (x: number) => `${x >= 0 ? "+" : "-"}${Math.abs(x).toFixed(0)} µs`;

/** Runs every per-call case and returns the report lines. */
export async function perCallOverhead(target: PerCallTarget): Promise<string[]> {
  const cases: Case[] = [
    ...(["connect", "grpc", "grpc-web"] as const).flatMap((p) => againstRaw("v2", p, target)),
    // v1 for comparison; v1 is not served over connect by ZITADEL.
    ...(["grpc", "grpc-web"] as const).flatMap((p) => againstRaw("v1", p, target)),
    ...restAgainstGrpc("v2", target),
  ];
  // The key must exist for the reads.
  await createMetadataClient(createZitadelTransport({ baseUrl: target.url, protocol: "grpc", auth: target.token }))
    .user(target.userId)
    .set(key, value);
  const lines: string[] = ["per-call overhead, one user, the emulator in a child process (ratio: median call time / the reference's, same run):"];
  for (const c of cases) lines.push(...(await runCase(c)));
  return lines;
}
