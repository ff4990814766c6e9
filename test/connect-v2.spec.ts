// ZITADEL serves its v2 / v2beta APIs over the Connect protocol (they are
// connect-go handlers), so the guard that refuses Connect on v1 must let v2
// calls through, without connectV1. A tiny connect-node server stands in for
// ZITADEL here, so the test sees exactly what each call sent. Also: v2's REST paths
// are absolute (/v2/...), so its REST prefix is "".
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { ConnectRouter } from "@connectrpc/connect";
import { Code } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TextFilterMethod } from "../gen/zitadel/filter/v2/filter_pb.js";
import { MetadataSchema } from "../gen/zitadel/metadata/v2/metadata_pb.js";
import { OrganizationService as OrgV2 } from "../gen/zitadel/org/v2/org_service_pb.js";
import { OrganizationService as OrgV2beta } from "../gen/zitadel/org/v2beta/org_service_pb.js";
import { UserService } from "../gen/zitadel/user/v2/user_service_pb.js";
import {
  createManagementClient,
  createOrganizationServiceV2betaClient,
  createOrganizationServiceV2Client,
  createUserServiceV2Client,
  createZitadelTransport,
} from "../src/index.js";
import { isZitadelV1Service } from "../src/transport/connect-v1-guard.js";
import * as webEntry from "../src/web.js";
import { apiVersionOf, restPrefixOf } from "../src/zitadel/versions.js";
import { rejection } from "./support/failures.js";

const v2Services = [UserService.typeName, OrgV2.typeName, OrgV2beta.typeName];

describe("v2 serving facts", () => {
  it("v2 and v2beta services belong to v2, which serves Connect and has no REST prefix", () => {
    expect(v2Services).toEqual(["zitadel.user.v2.UserService", "zitadel.org.v2.OrganizationService", "zitadel.org.v2beta.OrganizationService"]);
    for (const name of v2Services) {
      expect(apiVersionOf(name)?.name, name).toBe("v2");
      expect(apiVersionOf(name)?.servesConnect, name).toBe(true);
      expect(restPrefixOf(name), name).toBe("");
      expect(isZitadelV1Service(name), name).toBe(false);
    }
  });

  it("v1 keeps its prefixes and its refusal; a service that is not ZITADEL's belongs to neither", () => {
    expect(restPrefixOf("zitadel.management.v1.ManagementService")).toBe("/management/v1");
    expect(apiVersionOf("zitadel.auth.v1.AuthService")?.name).toBe("v1");
    expect(isZitadelV1Service("zitadel.management.v1.ManagementService")).toBe(true);
    for (const name of ["acme.user.v2.UserService", "zitadel.user.v3.UserService", "zitadel.user.v2alpha.UserService"]) {
      expect(apiVersionOf(name), name).toBeUndefined();
    }
  });
});

/** What the stand-in server saw of one call. */
interface Seen {
  path: string;
  contentType: string | undefined;
  authorization: string | undefined;
}

/** A connect-node server with the nine v2 metadata RPCs, answering from fixed data. */
function useV2Server() {
  const seen: Seen[] = [];
  const when = timestampFromMs(Date.UTC(2026, 0, 2, 3, 4, 5));
  const routes = (router: ConnectRouter) => {
    router.service(UserService, {
      setUserMetadata: () => ({ setDate: when }),
      listUserMetadata: (req) => ({
        pagination: { totalResult: 1n, appliedLimit: BigInt(req.pagination?.limit || 100) },
        metadata: [
          create(MetadataSchema, {
            key: `${req.userId}:${req.filters[0]?.filter.value?.key ?? ""}`,
            value: new Uint8Array([0, 0xff]),
            creationDate: when,
            changeDate: when,
          }),
        ],
      }),
      deleteUserMetadata: (req) => ({ deletionDate: req.keys.length > 0 ? when : undefined }),
    });
    router.service(OrgV2, {
      setOrganizationMetadata: () => ({ setDate: when }),
      listOrganizationMetadata: (req) => ({ pagination: { totalResult: 0n, appliedLimit: BigInt(req.pagination?.limit ?? 0) }, metadata: [] }),
      deleteOrganizationMetadata: () => ({ deletionDate: when }),
    });
    router.service(OrgV2beta, {
      setOrganizationMetadata: () => ({ setDate: when }),
      listOrganizationMetadata: () => ({ pagination: { totalResult: 0n, appliedLimit: 0n }, metadata: [] }),
      deleteOrganizationMetadata: () => ({ deletionDate: when }),
    });
  };
  const adapter = connectNodeAdapter({ routes });
  const server = createServer((req, res) => {
    seen.push({ path: req.url ?? "", contentType: req.headers["content-type"], authorization: req.headers.authorization });
    adapter(req, res);
  });
  beforeAll(() => new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve)));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, when };
}

describe('protocol "connect" reaches v2 services without connectV1', () => {
  const server = useV2Server();

  it("the Node transport: all nine RPCs go through, Connect protocol, with the bearer token", async () => {
    const transport = createZitadelTransport({ baseUrl: server.url(), protocol: "connect", auth: "tok" });
    const users = createUserServiceV2Client(transport);
    const orgs = createOrganizationServiceV2Client(transport);
    const orgsBeta = createOrganizationServiceV2betaClient(transport);
    const before = server.seen.length;

    expect((await users.setUserMetadata({ userId: "u1", metadata: [{ key: "k", value: new Uint8Array([1]) }] })).setDate).toEqual(server.when);
    const list = await users.listUserMetadata({
      userId: "u1",
      pagination: { limit: 7 },
      filters: [{ filter: { case: "keyFilter", value: { key: "k", method: TextFilterMethod.EQUALS } } }],
    });
    expect(list.pagination?.appliedLimit).toBe(7n);
    expect(list.metadata.map((m) => [m.key, [...m.value]])).toEqual([["u1:k", [0, 0xff]]]);
    expect((await users.deleteUserMetadata({ userId: "u1", keys: ["k"] })).deletionDate).toEqual(server.when);

    expect((await orgs.setOrganizationMetadata({ organizationId: "o1", metadata: [{ key: "k", value: new Uint8Array([1]) }] })).setDate).toEqual(server.when);
    expect((await orgs.listOrganizationMetadata({ organizationId: "o1" })).pagination?.appliedLimit).toBe(0n);
    expect((await orgs.deleteOrganizationMetadata({ organizationId: "o1", keys: ["k"] })).deletionDate).toEqual(server.when);

    expect((await orgsBeta.setOrganizationMetadata({ organizationId: "o1", metadata: [{ key: "k", value: new Uint8Array([1]) }] })).setDate).toEqual(
      server.when,
    );
    expect((await orgsBeta.listOrganizationMetadata({ organizationId: "o1" })).metadata).toEqual([]);
    expect((await orgsBeta.deleteOrganizationMetadata({ organizationId: "o1", keys: ["k"] })).deletionDate).toEqual(server.when);

    const calls = server.seen.slice(before);
    expect(calls.map((c) => c.path)).toEqual([
      "/zitadel.user.v2.UserService/SetUserMetadata",
      "/zitadel.user.v2.UserService/ListUserMetadata",
      "/zitadel.user.v2.UserService/DeleteUserMetadata",
      "/zitadel.org.v2.OrganizationService/SetOrganizationMetadata",
      "/zitadel.org.v2.OrganizationService/ListOrganizationMetadata",
      "/zitadel.org.v2.OrganizationService/DeleteOrganizationMetadata",
      "/zitadel.org.v2beta.OrganizationService/SetOrganizationMetadata",
      "/zitadel.org.v2beta.OrganizationService/ListOrganizationMetadata",
      "/zitadel.org.v2beta.OrganizationService/DeleteOrganizationMetadata",
    ]);
    // Connect unary (application/proto or application/json), not gRPC or gRPC-web.
    for (const c of calls) {
      expect(c.contentType, c.path).toMatch(/^application\/(proto|json)$/);
      expect(c.authorization, c.path).toBe("Bearer tok");
    }
  });

  it("the web entry's Connect transports too", async () => {
    const options = { baseUrl: server.url(), auth: "tok" };
    for (const transport of [webEntry.createZitadelTransport({ ...options, protocol: "connect" }), webEntry.createZitadelConnectTransport(options)]) {
      const list = await webEntry.createUserServiceV2Client(transport).listUserMetadata({ userId: "u2" });
      expect(list.pagination?.appliedLimit).toBe(100n);
      expect(list.metadata.map((m) => m.key)).toEqual(["u2:"]);
    }
  });

  it("while the same transport still refuses v1 before sending (the guard is on)", async () => {
    const transport = createZitadelTransport({ baseUrl: server.url(), protocol: "connect", auth: "tok" });
    const before = server.seen.length;
    const err = await rejection(createManagementClient(transport).getOrgMetadata({ key: "k" }));
    expect(err.code).toBe(Code.Unimplemented);
    expect(err.rawMessage).toMatch(/ZITADEL does not serve its v1 APIs over the Connect protocol/);
    expect(server.seen.length).toBe(before);
  });
});

describe('protocol "rest" on v2: the annotations\' absolute paths, no prefix', () => {
  it("POST /v2/users/{user_id}/metadata/search with the body; DELETE with the keys in the query string", async () => {
    const requests: { method: string; url: string; body: string }[] = [];
    const fetch: typeof globalThis.fetch = async (input, init) => {
      const request = new Request(input, init);
      requests.push({ method: request.method, url: request.url, body: await request.text() });
      const body = request.method === "DELETE" ? { deletionDate: "2026-01-02T03:04:05Z" } : { pagination: { totalResult: "0", appliedLimit: "100" } };
      return new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });
    };
    const transport = createZitadelTransport({ baseUrl: "https://zitadel.example/", protocol: "rest", auth: "tok", fetch });
    const users = createUserServiceV2Client(transport);
    expect((await users.listUserMetadata({ userId: "u1", pagination: { limit: 5 } })).pagination?.appliedLimit).toBe(100n);
    expect((await users.deleteUserMetadata({ userId: "u1", keys: ["a", "b c"] })).deletionDate?.seconds).toBe(BigInt(Date.UTC(2026, 0, 2, 3, 4, 5) / 1000));
    await createOrganizationServiceV2betaClient(transport).listOrganizationMetadata({ organizationId: "o1" });
    expect(requests.map((r) => `${r.method} ${new URL(r.url).origin}${new URL(r.url).pathname}`)).toEqual([
      "POST https://zitadel.example/v2/users/u1/metadata/search",
      "DELETE https://zitadel.example/v2/users/u1/metadata",
      "POST https://zitadel.example/v2beta/organizations/o1/metadata/search",
    ]);
    // As the gateway reads a query string (either space encoding decodes to a space).
    const query = new URL(requests[1]!.url).searchParams;
    expect([...query.keys()]).toEqual(["keys", "keys"]);
    expect(query.getAll("keys")).toEqual(["a", "b c"]);
    expect(new URL(requests[0]!.url).search).toBe("");
    // body "*": every field the path does not bind.
    expect(JSON.parse(requests[0]!.body)).toEqual({ pagination: { limit: 5 } });
    expect(requests[1]!.body).toBe("");
  });
});
