// One SetUserMetadata call per protocol, sent by hand on a connection of its
// own, with whatever came back (an answer, or a dropped connection): for the
// tests of the emulator's faults and hostile-input guards.
import * as http from "node:http";
import * as http2 from "node:http2";
import { SetUserMetadataRequestSchema } from "../../gen/zitadel/management_pb.js";
import type { Emulator } from "../../src/emulator/index.js";
import { framedMessage } from "./raw-http.js";

export type FaultProtocol = "grpc" | "grpc-web" | "connect" | "rest";
export const faultProtocols: readonly FaultProtocol[] = ["grpc", "grpc-web", "connect", "rest"];

export type Outcome =
  | { kind: "answer"; status: number; headers: Record<string, string | string[] | undefined>; body: Buffer; trailers?: Record<string, unknown> }
  | { kind: "dropped"; error: string; goaway?: number };

/** The gRPC status of an answer: from the trailers, else from trailers-only headers. */
export function grpcStatusOf(outcome: Outcome): string | undefined {
  if (outcome.kind !== "answer") return undefined;
  const fromTrailers = outcome.trailers?.["grpc-status"];
  return String(fromTrailers ?? outcome.headers["grpc-status"] ?? "") || undefined;
}

/** Sets `key` of alice to `value` (as acme-admin) over one protocol; gRPC over HTTP/2, the others over HTTP/1.1 unless `h2`. */
export function setKey(
  emulator: Emulator,
  protocol: FaultProtocol,
  key: string,
  value: string,
  options: { h2?: boolean; signal?: AbortSignal; token?: string } = {},
): Promise<Outcome> {
  const userId = emulator.user("alice").id;
  const token = options.token ?? emulator.user("acme-admin").token;
  const bytes = Buffer.from(value, "utf8");
  let path: string;
  let headers: Record<string, string>;
  let body: Buffer;
  switch (protocol) {
    case "grpc":
    case "grpc-web":
      path = "/zitadel.management.v1.ManagementService/SetUserMetadata";
      headers = { "content-type": protocol === "grpc" ? "application/grpc" : "application/grpc-web+proto", ...(protocol === "grpc" ? { te: "trailers" } : {}) };
      body = framedMessage(SetUserMetadataRequestSchema, { id: userId, key, value: bytes });
      break;
    case "connect":
      path = "/zitadel.user.v2.UserService/SetUserMetadata";
      headers = { "content-type": "application/json" };
      body = Buffer.from(JSON.stringify({ userId, metadata: [{ key, value: bytes.toString("base64") }] }));
      break;
    case "rest":
      path = `/management/v1/users/${userId}/metadata/${encodeURIComponent(key)}`;
      headers = { "content-type": "application/json" };
      body = Buffer.from(JSON.stringify({ value: bytes.toString("base64") }));
      break;
  }
  headers.authorization = `Bearer ${token}`;
  const useH2 = protocol === "grpc" || options.h2 === true;
  return useH2 ? viaHttp2(emulator.url, path, headers, body, options.signal) : viaHttp1(emulator.url, path, headers, body, options.signal);
}

function viaHttp1(url: string, path: string, headers: Record<string, string>, body: Buffer, signal?: AbortSignal): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = http.request(
      `${url}${path}`,
      { method: "POST", headers: { ...headers, "content-length": String(body.length) }, agent: false, signal },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ kind: "answer", status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on("error", (e) => resolve({ kind: "dropped", error: (e as NodeJS.ErrnoException).code ?? e.message }));
      },
    );
    req.on("error", (e) => resolve({ kind: "dropped", error: (e as NodeJS.ErrnoException).code ?? e.name }));
    req.end(body);
  });
}

function viaHttp2(url: string, path: string, headers: Record<string, string>, body: Buffer, signal?: AbortSignal): Promise<Outcome> {
  const session = http2.connect(url);
  let goaway: number | undefined;
  session.on("goaway", (code) => (goaway = code));
  return new Promise<Outcome>((resolve) => {
    const dropped = (error: string) => resolve({ kind: "dropped", error, goaway });
    session.on("error", (e) => dropped((e as NodeJS.ErrnoException).code ?? e.message));
    const stream = session.request({ ":method": "POST", ":path": path, ...headers }, { signal });
    let status = 0;
    let responseHeaders: Record<string, string | string[] | undefined> = {};
    let trailers: Record<string, unknown> | undefined;
    const chunks: Buffer[] = [];
    stream.on("response", (h) => {
      status = Number(h[":status"]);
      responseHeaders = h as Record<string, string | string[] | undefined>;
    });
    stream.on("trailers", (t) => (trailers = t));
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => {
      // A stream that ends without a response: the connection went away under it.
      if (status === 0) dropped(`stream ended without a response (code ${stream.rstCode})`);
      else resolve({ kind: "answer", status, headers: responseHeaders, body: Buffer.concat(chunks), trailers });
    });
    stream.on("error", (e) => dropped((e as NodeJS.ErrnoException).code ?? e.message));
    stream.on("close", () => {
      if (status === 0) dropped(`stream closed with code ${stream.rstCode}`);
    });
    stream.end(body);
  }).finally(() => session.destroy());
}

/** Alice's stored value of `key`, or undefined. */
export function storedValue(emulator: Emulator, key: string): string | undefined {
  const alice = emulator.user("alice");
  try {
    return Buffer.from(emulator.store.getUserMetadata(alice.orgId, alice.id, key).entry.value).toString("utf8");
  } catch {
    return undefined;
  }
}

/** The outcome, shortened to what the tests compare: "ok", "grpc 14", "http 429", "dropped". */
export function summary(outcome: Outcome): string {
  if (outcome.kind === "dropped") return "dropped";
  const grpc = grpcStatusOf(outcome);
  if (grpc !== undefined) return grpc === "0" ? "ok" : `grpc ${grpc}`;
  return outcome.status === 200 ? "ok" : `http ${outcome.status}`;
}
