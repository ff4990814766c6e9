// The list guarantee: every key exactly once, or a clear error, whatever
// order ZITADEL returns rows in and while others write.
import { create } from "@bufbuild/protobuf";
import type { Interceptor } from "@connectrpc/connect";
import { Code, ConnectError, createRouterTransport } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { ManagementService } from "../gen/zitadel/management_pb.js";
import { MetadataSchema } from "../gen/zitadel/metadata_pb.js";
import { MetadataSchema as MetadataV2Schema } from "../gen/zitadel/metadata/v2/metadata_pb.js";
import { OrganizationService as OrganizationServiceV2 } from "../gen/zitadel/org/v2/org_service_pb.js";
import { createMetadataClient, createZitadelTransport, ZitadelError } from "../src/index.js";
import { maxExtraPasses } from "../src/metadata/exact-list.js";
import { useEmulator } from "./support/emulator.js";
import { protocols } from "./support/protocols.js";

/** Records the limit of every list request. */
function limitRecorder() {
  const limits: number[] = [];
  const interceptor: Interceptor = (next) => (req) => {
    const query = (req.message as { query?: { limit?: number } }).query;
    if (req.method.name.startsWith("List")) limits.push(query?.limit ?? 0);
    return next(req);
  };
  return { limits, interceptor };
}

describe.each(protocols)("list() is exact over %s", (protocol) => {
  const emulator = useEmulator();
  const client = (interceptors: Interceptor[] = []) =>
    createMetadataClient(createZitadelTransport({ baseUrl: emulator().url, protocol, auth: emulator().user("acme-admin").token, interceptors }));
  const entries = Object.fromEntries(Array.from({ length: 1_000 }, (_, i) => [`x.${i}`, `value ${i}`]));

  it("in storage order and without other writers: one pass, no request more than the pages", async () => {
    emulator().quirks.listOrder = "storage";
    const { limits, interceptor } = limitRecorder();
    const user = client([interceptor]).user(emulator().user("alice").id);
    await user.setMany(entries);
    const listed = await user.list({ prefix: "x.", pageSize: 100 }).toArray();
    expect(listed.map((e) => e.key).sort()).toEqual(Object.keys(entries).sort());
    expect(limits).toEqual(Array(10).fill(100));
  });

  it("when the row order changes on every query: each key exactly once, with its value", async () => {
    emulator().quirks.listOrder = "changing";
    try {
      const { limits, interceptor } = limitRecorder();
      const user = client([interceptor]).user(emulator().user("alice").id);
      await user.setMany(entries);
      const listed = await user.list({ prefix: "x.", pageSize: 100 }).toArray();
      expect(listed).toHaveLength(1_000);
      expect(new Set(listed.map((e) => e.key)).size).toBe(1_000);
      for (const e of listed) expect(e.text()).toBe(entries[e.key]);
      // The pages missed some rows; the snapshot (limit 0) filled them in.
      expect(limits.at(-1)).toBe(0);
    } finally {
      emulator().quirks.listOrder = "storage";
    }
  });

  it("while another client keeps re-setting existing keys: each key once, its value old or new", async () => {
    const org = client().org();
    await org.setMany(entries);
    const writer = client().org();
    let stop = false;
    let rewrites = 0;
    const writing = (async () => {
      // Each write moves its row to the end of the storage order.
      while (!stop) {
        const i = rewrites++ % 200;
        await writer.set(`x.${i}`, `new ${i}`);
      }
    })();
    try {
      const listed = await org.list({ prefix: "x.", pageSize: 50 }).toArray();
      expect(listed).toHaveLength(1_000);
      expect(new Set(listed.map((e) => e.key)).size).toBe(1_000);
      for (const e of listed) {
        const i = e.key.slice(2);
        expect([`value ${i}`, `new ${i}`]).toContain(e.text());
      }
    } finally {
      stop = true;
      await writing;
    }
    expect(rewrites).toBeGreaterThan(0);
  });
});

describe("list() while others add and remove keys", () => {
  it("a swap that keeps the total (one key removed, one added between pages) is noticed: no key that stayed is lost", async () => {
    // Storage order A B C D; after the first page A goes and E comes: same total, C would slip past page 2.
    let rows = ["A", "B", "C", "D"];
    let changedAt = 1n;
    let requests = 0;
    const transport = createRouterTransport((router) =>
      router.service(ManagementService, {
        listOrgMetadata(req) {
          requests++;
          const offset = Number(req.query?.offset ?? 0n);
          const limit = req.query?.limit || rows.length;
          const page = rows.slice(offset, offset + limit);
          const answer = {
            details: { totalResult: page.length === 0 ? 0n : BigInt(rows.length), viewTimestamp: { seconds: changedAt, nanos: 0 } },
            result: page.map((key) => create(MetadataSchema, { key, value: new Uint8Array([1]) })),
          };
          if (requests === 1) {
            rows = ["B", "C", "D", "E"];
            changedAt = 2n;
          }
          return answer;
        },
      }),
    );
    const listed = await createMetadataClient(transport).org().list({ pageSize: 2 }).toArray();
    const keys = listed.map((e) => e.key);
    expect(keys).toContain("C");
    expect(new Set(keys).size).toBe(keys.length);
    expect(["B", "C", "D"].every((k) => keys.includes(k))).toBe(true);
  });

  it("on v2, whose pages carry no change marker, the same swap is caught by the confirming pass", async () => {
    let rows = ["A", "B", "C", "D"];
    const limits: number[] = [];
    const transport = createRouterTransport((router) =>
      router.service(OrganizationServiceV2, {
        listOrganizationMetadata(req) {
          expect(req.organizationId).toBe("42");
          const offset = Number(req.pagination?.offset ?? 0n);
          const limit = req.pagination?.limit ?? 0;
          limits.push(limit);
          const page = rows.slice(offset, offset + (limit || 100));
          const answer = {
            pagination: { totalResult: page.length === 0 ? 0n : BigInt(rows.length), appliedLimit: BigInt(limit) },
            metadata: page.map((key) => create(MetadataV2Schema, { key, value: new Uint8Array([1]) })),
          };
          if (limits.length === 1) rows = ["B", "C", "D", "E"];
          return answer;
        },
      }),
    );
    const listed = await createMetadataClient(transport, { api: "v2", orgId: "42" }).org().list({ pageSize: 2 }).toArray();
    const keys = listed.map((e) => e.key);
    // The first pass saw A B | D E: four keys, as many as counted, but C was never seen; only another pass finds it.
    expect(keys).toContain("C");
    expect(new Set(keys).size).toBe(keys.length);
    expect(limits.every((l) => l === 2)).toBe(true);
    expect(limits.length).toBeGreaterThan(2);
  });

  it("on v2 a page size above 1000 is lowered to ZITADEL's maximum, and a list that fits one page takes one request", async () => {
    const limits: number[] = [];
    const transport = createRouterTransport((router) =>
      router.service(OrganizationServiceV2, {
        listOrganizationMetadata(req) {
          limits.push(req.pagination?.limit ?? 0);
          return {
            pagination: { totalResult: 3n, appliedLimit: 1000n },
            metadata: ["a", "b", "c"].map((key) => create(MetadataV2Schema, { key, value: new Uint8Array([1]) })),
          };
        },
      }),
    );
    const md = createMetadataClient(transport, { api: "v2", orgId: "42" });
    expect((await md.org().list({ pageSize: 5_000 }).toArray()).map((e) => e.key)).toEqual(["a", "b", "c"]);
    expect(await md.org().list().toArray()).toHaveLength(3);
    expect(limits).toEqual([1000, 1000]);
  });
});

describe.each(protocols)("list() over %s when one snapshot is too large for ZITADEL's 10 MiB and the order changes per query", (protocol) => {
  const emulator = useEmulator({ quirks: { listOrder: "changing" } });

  it("pages on until one unchanged state was seen whole: every key once", async () => {
    const { limits, interceptor } = limitRecorder();
    const md = createMetadataClient(
      createZitadelTransport({ baseUrl: emulator().url, protocol, auth: emulator().user("acme-admin").token, interceptors: [interceptor] }),
    );
    const user = md.user(emulator().user("alice").id);
    const big = Object.fromEntries(Array.from({ length: 24 }, (_, i) => [`big.${i}`, new Uint8Array(480_000).fill(i)]));
    await user.setMany(big);
    const listed = await user.list({ prefix: "big.", pageSize: 4 }).toArray();
    expect(listed.map((e) => e.key).sort()).toEqual(Object.keys(big).sort());
    for (const e of listed) expect(e.value[0]).toBe(Number(e.key.slice(4)));
    // The snapshot was tried (and refused by the emulator's 10 MiB limit), then more pages.
    expect(limits).toContain(0);
    expect(limits.at(-1)).toBe(4);
  });
});

describe("list() when one snapshot is too large", () => {
  /** A server whose rows come in a new order per query and that refuses limit 0, as ZITADEL does over 10 MiB. */
  function shufflingServer(keys: string[], options: { hide?: string } = {}) {
    let requests = 0;
    const transport = createRouterTransport((router) =>
      router.service(ManagementService, {
        listOrgMetadata(req) {
          requests++;
          const limit = req.query?.limit ?? 0;
          if (limit === 0) throw new ConnectError("grpc: trying to send message larger than max (11000000 vs. 10485760)", Code.ResourceExhausted);
          const rows = keys.filter((k) => k !== options.hide).sort(() => Math.random() - 0.5);
          const offset = Number(req.query?.offset ?? 0n);
          const page = rows.slice(offset, offset + limit);
          return {
            details: { totalResult: page.length === 0 ? 0n : BigInt(keys.length) },
            result: page.map((key) => create(MetadataSchema, { key, value: new TextEncoder().encode(key) })),
          };
        },
      }),
    );
    return { transport, requests: () => requests };
  }

  it("repeats offset passes until every counted key was seen, each yielded once", async () => {
    const keys = Array.from({ length: 300 }, (_, i) => `k${i}`);
    const server = shufflingServer(keys);
    const listed = await createMetadataClient(server.transport).org().list({ pageSize: 30 }).toArray();
    expect(listed.map((e) => e.key).sort()).toEqual([...keys].sort());
    expect(server.requests()).toBeGreaterThan(11);
  });

  it("gives up with Aborted, saying how far it got, when the counted rows never all show up", async () => {
    const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
    // A row the count includes but no page ever returns (e.g. a concurrent writer keeps moving it).
    const server = shufflingServer(keys, { hide: "k7" });
    const err = await createMetadataClient(server.transport)
      .org()
      .list({ pageSize: 10 })
      .toArray()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZitadelError);
    expect((err as ZitadelError).code).toBe(Code.Aborted);
    expect((err as ZitadelError).message).toMatch(
      new RegExp(`after ${maxExtraPasses + 1} passes 39 distinct keys were seen of the 40 the server counts. Narrow the listing`),
    );
  });
});
