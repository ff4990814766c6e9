// How the default emulator, as ZITADEL for its v1 services, picks a handler
// by content-type: application/grpc → gRPC, application/grpc-web… → gRPC-web,
// everything else → the REST gateway. So the Connect protocol on a v1 path
// gets the gateway's 404, and a JSON codec (application/grpc+json) is not
// served: grpc-go decodes the JSON as protobuf and fails with Internal.
import { create, toBinary, toJsonString } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { SetOrgMetadataRequestSchema } from "../gen/zitadel/management_pb.js";
import { useEmulator } from "./support/emulator.js";
import type { RawResponse } from "./support/raw-http.js";
import { frame, http1, http2Request, parseFrames } from "./support/raw-http.js";
import { utf8 } from "./support/protocols.js";

const setOrgMetadata = "/zitadel.management.v1.ManagementService/SetOrgMetadata";

/** What ZITADEL's gateway answers for a path it has no route for (a "details" key is the gateway's business, not checked). */
function expectGatewayNotFound(res: RawResponse) {
  expect(res.status).toBe(404);
  expect(String(res.headers["content-type"])).toMatch(/^application\/json/);
  const body = JSON.parse(res.body.toString("utf8")) as { code?: unknown; message?: unknown };
  expect({ code: body.code, message: body.message }).toEqual({ code: 5, message: "Not Found" });
}

describe.each([
  ["HTTP/1.1", http1],
  ["HTTP/2", http2Request],
] as const)("the default emulator routes by content-type, over %s", (_version, send) => {
  const emulator = useEmulator();
  const auth = () => ({ authorization: `Bearer ${emulator().user("acme-admin").token}` });
  const request = create(SetOrgMetadataRequestSchema, { key: "routed", value: utf8("v") });

  /** Runs `write` and asserts it stored nothing: the instance's sequence did not move. */
  async function expectNothingStored<T>(write: () => Promise<T>): Promise<T> {
    const before = emulator().store.metadataEvents();
    const result = await write();
    expect(emulator().store.metadataEvents()).toBe(before);
    return result;
  }

  it("a Connect JSON call on a v1 path is not served: the REST gateway's 404, nothing stored", async () => {
    const res = await expectNothingStored(() =>
      send(emulator().url + setOrgMetadata, {
        headers: { ...auth(), "content-type": "application/json", "connect-protocol-version": "1" },
        body: toJsonString(SetOrgMetadataRequestSchema, request),
      }),
    );
    expectGatewayNotFound(res);
  });

  it("a Connect binary call (application/proto) on a v1 path: the same 404", async () => {
    const res = await expectNothingStored(() =>
      send(emulator().url + setOrgMetadata, {
        headers: { ...auth(), "content-type": "application/proto", "connect-protocol-version": "1" },
        body: toBinary(SetOrgMetadataRequestSchema, request),
      }),
    );
    expectGatewayNotFound(res);
  });

  it("a Connect GET on a v1 path: the same 404", async () => {
    const message = encodeURIComponent(JSON.stringify({ key: "routed" }));
    const res = await send(`${emulator().url}/zitadel.management.v1.ManagementService/GetOrgMetadata?connect=v1&encoding=json&message=${message}`, {
      method: "GET",
      headers: auth(),
    });
    expectGatewayNotFound(res);
  });

  it("application/grpc-web+json is not served: grpc-go's Internal, trailers-only, nothing stored", async () => {
    const res = await expectNothingStored(() =>
      send(emulator().url + setOrgMetadata, {
        headers: { ...auth(), "content-type": "application/grpc-web+json" },
        body: frame(utf8(toJsonString(SetOrgMetadataRequestSchema, request))),
      }),
    );
    expect(res.status).toBe(200);
    expect(res.headers["grpc-status"]).toBe(String(Code.Internal));
    expect(res.headers["grpc-message"]).toBe("grpc: error unmarshalling request: proto: cannot parse invalid wire-format data");
    expect(res.body.length).toBe(0);
  });
});

describe("gRPC (HTTP/2) on the default emulator, raw", () => {
  const emulator = useEmulator();
  const auth = () => ({ authorization: `Bearer ${emulator().user("acme-admin").token}` });
  const request = create(SetOrgMetadataRequestSchema, { key: "raw-grpc", value: utf8("v") });

  it("application/grpc+json is not served: status Internal with grpc-go's message, never a successful call", async () => {
    const before = emulator().store.metadataEvents();
    const res = await http2Request(emulator().url + setOrgMetadata, {
      headers: { ...auth(), "content-type": "application/grpc+json", te: "trailers" },
      body: frame(utf8(toJsonString(SetOrgMetadataRequestSchema, request))),
    });
    expect(res.status).toBe(200);
    expect(res.headers["grpc-status"]).toBe(String(Code.Internal));
    expect(res.headers["grpc-message"]).toBe("grpc: error unmarshalling request: proto: cannot parse invalid wire-format data");
    expect(res.endedWithHeaders).toBe(true);
    expect(emulator().store.metadataEvents()).toBe(before);
  });

  it("what grpc-go does with +json is decode protobuf, so only binary under that label gets through, as with ZITADEL", async () => {
    const res = await http2Request(emulator().url + setOrgMetadata, {
      headers: { ...auth(), "content-type": "application/grpc+json", te: "trailers" },
      body: frame(toBinary(SetOrgMetadataRequestSchema, request)),
    });
    expect(res.status).toBe(200);
    // grpc-go answers with the content-type of the request's codec name.
    expect(res.headers["content-type"]).toBe("application/grpc+json");
    expect(parseFrames(res.body).map((f) => f.flag)).toEqual([0]);
    expect(res.trailers?.["grpc-status"]).toBe("0");
  });

  it("application/grpc (binary) is served, with the status in HTTP/2 trailers", async () => {
    for (const contentType of ["application/grpc", "application/grpc+proto"]) {
      const res = await http2Request(emulator().url + setOrgMetadata, {
        headers: { ...auth(), "content-type": contentType, te: "trailers" },
        body: frame(toBinary(SetOrgMetadataRequestSchema, request)),
      });
      expect(res.status, contentType).toBe(200);
      expect(
        parseFrames(res.body).map((f) => f.flag),
        contentType,
      ).toEqual([0]);
      expect(res.trailers?.["grpc-status"], contentType).toBe("0");
    }
  });

  it("an unknown service or method is Unimplemented, as grpc-go answers", async () => {
    const res = await http2Request(`${emulator().url}/zitadel.admin.v1.AdminService/Healthz`, {
      headers: { "content-type": "application/grpc", te: "trailers" },
      body: frame(new Uint8Array()),
    });
    expect([res.headers["grpc-status"], res.headers["grpc-message"]]).toEqual([String(Code.Unimplemented), "unknown service zitadel.admin.v1.AdminService"]);
  });
});
