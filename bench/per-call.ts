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
import type { ZitadelProtocol } from "../src/index.js";
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

/** Cases for one protocol and API: a read and a write, each raw vs ours. */
function casesFor(api: "v1" | "v2", protocol: ZitadelProtocol, target: PerCallTarget, reference: (rpc: "read" | "write") => Variant): Case[] {
  const transport = createZitadelTransport({ baseUrl: target.url, protocol, auth: target.token });
  const scope = createMetadataClient(transport, { api }).user(target.userId);
  if (api === "v2") {
    const users = createUserServiceV2Client(transport);
    return [
      {
        title: `v2 ListUserMetadata (one key) over ${protocol}`,
        reference: reference("read"),
        ours: [
          { name: "createUserServiceV2Client", call: () => users.listUserMetadata(v2ListRequest(target.userId)) },
          { name: "md.user(id).get(key)", call: () => scope.get(key) },
        ],
      },
      {
        title: `v2 SetUserMetadata (one entry) over ${protocol}`,
        reference: reference("write"),
        ours: [
          { name: "createUserServiceV2Client", call: () => users.setUserMetadata({ userId: target.userId, metadata: [{ key, value }] }) },
          { name: "md.user(id).set(key, value)", call: () => scope.set(key, value) },
        ],
      },
    ];
  }
  const mgmt = createManagementClient(transport);
  return [
    {
      title: `v1 GetUserMetadata over ${protocol}`,
      reference: reference("read"),
      ours: [
        { name: "createManagementClient", call: () => mgmt.getUserMetadata({ id: target.userId, key }) },
        { name: "md.user(id).get(key)", call: () => scope.get(key) },
      ],
    },
    {
      title: `v1 SetUserMetadata over ${protocol}`,
      reference: reference("write"),
      ours: [
        { name: "createManagementClient", call: () => mgmt.setUserMetadata({ id: target.userId, key, value }) },
        { name: "md.user(id).set(key, value)", call: () => scope.set(key, value) },
      ],
    },
  ];
}

/** The request md.user(id).get(key) sends on v2: the first row of an exact key filter. */
function v2ListRequest(userId: string) {
  const pagination = { offset: 0n, limit: 1, asc: true } as PaginationRequest;
  const filters = [{ filter: { case: "keyFilter", value: { key, method: TextFilterMethod.EQUALS } } }] as MetadataSearchFilter[];
  return { userId, pagination, filters };
}

function rawReference(api: "v1" | "v2", protocol: RawProtocol, target: PerCallTarget) {
  const transport = rawTransport(protocol, target.url, target.token);
  const name = `raw connect-node ${protocol} transport`;
  if (api === "v2") {
    const users = createClient(UserService, transport);
    return (rpc: "read" | "write"): Variant =>
      rpc === "read"
        ? { name, call: () => users.listUserMetadata(v2ListRequest(target.userId)) }
        : { name, call: () => users.setUserMetadata({ userId: target.userId, metadata: [{ key, value }] }) };
  }
  const mgmt = createClient(ManagementService, transport);
  return (rpc: "read" | "write"): Variant =>
    rpc === "read"
      ? { name, call: () => mgmt.getUserMetadata({ id: target.userId, key }) }
      : { name, call: () => mgmt.setUserMetadata({ id: target.userId, key, value }) };
}

/** REST has no connect-node counterpart (it is ZITADEL's JSON gateway, not an RPC protocol): its reference is our own gRPC transport. */
function restAgainstGrpc(api: "v1" | "v2", target: PerCallTarget): Case[] {
  const grpc = casesFor(api, "grpc", target, () => ({ name: "", call: async () => undefined }));
  const rest = casesFor(api, "rest", target, () => ({ name: "", call: async () => undefined }));
  return rest.map((c, i) => ({
    title: c.title,
    reference: { name: `${c.ours[1]!.name} over our grpc transport`, call: grpc[i]!.ours[1]!.call },
    ours: [{ name: `${c.ours[1]!.name} over our rest transport`, call: c.ours[1]!.call }],
  }));
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
    ...c.ours.map((v, j) => `  ${v.name.padEnd(width)}  ${us(mine[j]!)}  ×${(mine[j]!.median / ref!.median).toFixed(3)} (${signedUs(mine[j]!.median - ref!.median)})`),
  ];
}

const signedUs = (x: number) => `${x >= 0 ? "+" : "-"}${Math.abs(x).toFixed(0)} µs`;

/** Runs every per-call case and returns the report lines. */
export async function perCallOverhead(target: PerCallTarget): Promise<string[]> {
  const cases: Case[] = [
    ...(["connect", "grpc", "grpc-web"] as const).flatMap((p) => casesFor("v2", p, target, rawReference("v2", p, target))),
    ...(["grpc", "grpc-web"] as const).flatMap((p) => casesFor("v1", p, target, rawReference("v1", p, target))),
    ...restAgainstGrpc("v2", target),
  ];
  // The key must exist for the reads.
  await createMetadataClient(createZitadelTransport({ baseUrl: target.url, protocol: "grpc", auth: target.token })).user(target.userId).set(key, value);
  const lines: string[] = ["per-call overhead, one user, the emulator in a child process (ratio: median call time / the reference's, same run):"];
  for (const c of cases) lines.push(...(await runCase(c)));
  return lines;
}
