import type { Code } from "@connectrpc/connect";
import type { Transport } from "@connectrpc/connect";
import { ConnectError } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { expect } from "vitest";
import type { Emulator } from "../../src/emulator/index.js";
import type { MetadataApiName, ZitadelProtocol, ZitadelTransportOptions } from "../../src/index.js";
import { createAuthClient, createManagementClient, createRestTransport, createZitadelTransport, getErrorDetail } from "../../src/index.js";

/**
 * Every protocol a behaviour test runs over: those a real ZITADEL serves for
 * its v1 APIs, against the emulator's default (ZITADEL's) behaviour. Connect
 * on v1 is an opt-in of both sides and has its own file, test/connect-v1.spec.ts.
 */
export const protocols: readonly ZitadelProtocol[] = ["grpc", "grpc-web", "rest"];

/** Every (API, protocol) pair ZITADEL serves: v1 has no Connect; v2 is connect-go, so it has all four. */
export const servedPairs = [
  ["v1", "grpc"],
  ["v1", "grpc-web"],
  ["v1", "rest"],
  ["v2", "connect"],
  ["v2", "grpc"],
  ["v2", "grpc-web"],
  ["v2", "rest"],
] as const satisfies readonly (readonly [MetadataApiName, ZitadelProtocol])[];

/** Clients acting as one seeded user over one protocol. */
export function clientsAs(emulator: Emulator, protocol: ZitadelProtocol, userName: string, extra: Partial<ZitadelTransportOptions> = {}) {
  const transport = createZitadelTransport({
    baseUrl: emulator.url,
    protocol,
    auth: emulator.user(userName).token,
    ...extra,
  });
  return { transport, mgmt: createManagementClient(transport), auth: createAuthClient(transport) };
}

export interface ExpectedError {
  code: Code;
  /** The ErrorDetail id; undefined asserts that no ErrorDetail is attached. */
  id?: string;
  /** The text without the id, e.g. "Metadata not found". */
  text: string;
}

/** Asserts the call fails exactly as ZITADEL would: code, message "<text> (<id>)", ErrorDetail. */
export async function expectZitadelError(call: Promise<unknown>, expected: ExpectedError): Promise<ConnectError> {
  let caught: unknown;
  try {
    await call;
  } catch (e) {
    caught = e;
  }
  expect(caught, "the call should have failed").toBeInstanceOf(ConnectError);
  const err = caught as ConnectError;
  expect({ code: err.code, message: err.rawMessage }).toEqual({
    code: expected.code,
    message: expected.id ? `${expected.text} (${expected.id})` : expected.text,
  });
  const detail = getErrorDetail(err);
  if (expected.id) expect({ id: detail?.id, message: detail?.message }).toEqual({ id: expected.id, message: expected.text });
  else expect(detail).toBeUndefined();
  return err;
}

export const utf8 = (s: string) => new TextEncoder().encode(s);

/**
 * A transport with no ZITADEL interceptor, for tests that send headers by hand.
 * "connect" has no v1 guard either: it is for an emulator started with connectV1.
 */
export function rawTransport(emulator: Emulator, protocol: ZitadelProtocol): Transport {
  const baseUrl = emulator.url;
  switch (protocol) {
    case "grpc":
      return createGrpcTransport({ baseUrl });
    case "grpc-web":
      return createGrpcWebTransport({ baseUrl, httpVersion: "1.1" });
    case "connect":
      return createConnectTransport({ baseUrl, httpVersion: "1.1" });
    case "rest":
      return createRestTransport({ baseUrl });
  }
}

/**
 * Asserts two byte arrays are equal byte for byte. Decoded bytes may be
 * Buffers (a Uint8Array subclass), which toEqual would tell apart; and a
 * byte-wise loop is far quicker than a deep equal on 500 kB.
 */
export function expectBytes(actual: Uint8Array | undefined, expected: Uint8Array): void {
  expect(actual, "bytes expected").toBeInstanceOf(Uint8Array);
  expect(actual!.length, "length").toBe(expected.length);
  const firstDifference = expected.findIndex((b, i) => actual![i] !== b);
  expect(firstDifference, "index of the first differing byte").toBe(-1);
}
