// A stand-in for ZITADEL written with another team's stack: a grpc-js server
// whose ManagementService is built at run time by proto-loader from our
// packed .proto files, serving Set / Get / List / RemoveUserMetadata from an
// in-memory map, and failing as ZITADEL does (status code, "<text> (<id>)",
// and google.rpc.Status with a zitadel.v1.ErrorDetail in
// grpc-status-details-bin). It records each call's headers and request.
import * as grpc from "@grpc/grpc-js";
import type { ForeignToolchain } from "./grpc-js-toolchain.js";
import { serviceDefinition, zitadelStatus } from "./grpc-js-toolchain.js";
import type { ProtobufjsTimestamp } from "./protobufjs-timestamps.js";

export interface StoredEntry {
  value: Buffer;
  sequence: bigint;
  creationDate: Required<ProtobufjsTimestamp>;
  changeDate: Required<ProtobufjsTimestamp>;
}

/** The requests of the four RPCs, as proto-loader decodes them (loaderOptions: bytes as Buffer, 64-bit integers as strings, zeros absent). */
export interface UserMetadataRequest {
  id: string;
  key?: string;
  value?: Buffer;
  query?: { offset?: string; limit?: number };
  queries?: unknown[];
}

export interface RecordedCall {
  rpc: string;
  authorization: string[];
  orgId: string[];
  request: UserMetadataRequest;
}

export interface GrpcJsMetadataServer {
  /** http://127.0.0.1:<port>, for our client's baseUrl. */
  readonly url: string;
  /** Every call in arrival order. */
  readonly calls: RecordedCall[];
  /** What the server holds for a user, by key. */
  stored(userId: string): Map<string, StoredEntry>;
  close(): void;
}

export interface GrpcJsMetadataServerOptions {
  /** The only token accepted (as "Bearer <token>"). */
  token: string;
  /** The organization all users belong to, reported as resource_owner. */
  orgId: string;
  /** The users that exist; writes to any other fail with COMMAND-uXHNj, reads with QUERY-Rgh32. */
  userIds: readonly string[];
  /** A user the caller has no membership for: every call on it fails with NotFound AUTHZ-cdgFk. */
  noMembershipUserId: string;
  /** The sequence of the first write; each write takes the next one. */
  firstSequence: bigint;
  /** The time of the first write; each write is one second later, same nanos. */
  firstWriteAt: Required<ProtobufjsTimestamp>;
  /** The view_timestamp of every list answer. */
  viewTimestamp: Required<ProtobufjsTimestamp>;
}

type Callback = grpc.sendUnaryData<unknown>;

/** Starts the server on 127.0.0.1, a free port, plaintext HTTP/2. */
export async function startGrpcJsMetadataServer(tool: ForeignToolchain, options: GrpcJsMetadataServerOptions): Promise<GrpcJsMetadataServer> {
  const users = new Map(options.userIds.map((id) => [id, new Map<string, StoredEntry>()]));
  const calls: RecordedCall[] = [];
  let writes = 0n;
  const nextWrite = () => {
    const n = writes++;
    return {
      sequence: options.firstSequence + n,
      at: { seconds: (BigInt(options.firstWriteAt.seconds) + n).toString(), nanos: options.firstWriteAt.nanos },
    };
  };
  const fail = (callback: Callback, code: grpc.status, id: string, text: string) => callback(zitadelStatus(tool, code, id, text), null);

  /** Records the call, checks the token and the user; returns the user's map or undefined when it has answered. */
  const enter = (
    rpc: string,
    call: grpc.ServerUnaryCall<UserMetadataRequest, unknown>,
    callback: Callback,
    missingUser: [grpc.status, string, string],
  ): Map<string, StoredEntry> | undefined => {
    const text = (name: string) => call.metadata.get(name).map(String);
    calls.push({ rpc, authorization: text("authorization"), orgId: text("x-zitadel-orgid"), request: call.request });
    if (text("authorization")[0] !== `Bearer ${options.token}`) {
      fail(callback, grpc.status.UNAUTHENTICATED, "AUTH-7fs1e", "Errors.Token.Invalid");
      return undefined;
    }
    if (call.request.id === options.noMembershipUserId) {
      fail(callback, grpc.status.NOT_FOUND, "AUTHZ-cdgFk", "membership not found");
      return undefined;
    }
    const entries = users.get(call.request.id);
    if (entries === undefined) fail(callback, ...missingUser);
    return entries;
  };
  const userMissingOnWrite: [grpc.status, string, string] = [grpc.status.FAILED_PRECONDITION, "COMMAND-uXHNj", "User could not be found"];
  const userMissingOnRead: [grpc.status, string, string] = [grpc.status.NOT_FOUND, "QUERY-Rgh32", "Metadata not found"];
  const row = (key: string, e: StoredEntry) => ({
    details: { sequence: e.sequence.toString(), creationDate: e.creationDate, changeDate: e.changeDate, resourceOwner: options.orgId },
    key,
    value: e.value,
  });

  const implementation: grpc.UntypedServiceImplementation = {
    SetUserMetadata(call: grpc.ServerUnaryCall<UserMetadataRequest, unknown>, callback: Callback) {
      const entries = enter("SetUserMetadata", call, callback, userMissingOnWrite);
      if (!entries) return;
      const key = call.request.key ?? "";
      const value = call.request.value ?? Buffer.alloc(0);
      const { sequence, at } = nextWrite();
      entries.set(key, { value, sequence, creationDate: entries.get(key)?.creationDate ?? at, changeDate: at });
      callback(null, { details: { sequence: sequence.toString(), creationDate: at, resourceOwner: options.orgId } });
    },
    GetUserMetadata(call: grpc.ServerUnaryCall<UserMetadataRequest, unknown>, callback: Callback) {
      const entries = enter("GetUserMetadata", call, callback, userMissingOnRead);
      if (!entries) return;
      const key = call.request.key ?? "";
      const entry = entries.get(key);
      if (entry === undefined) fail(callback, grpc.status.NOT_FOUND, "QUERY-Rgh32", "Metadata not found");
      else callback(null, { metadata: row(key, entry) });
    },
    ListUserMetadata(call: grpc.ServerUnaryCall<UserMetadataRequest, unknown>, callback: Callback) {
      const entries = enter("ListUserMetadata", call, callback, userMissingOnRead);
      if (!entries) return;
      const { query, queries = [] } = call.request;
      if (queries.length > 0) {
        callback({ code: grpc.status.UNIMPLEMENTED, details: "this test server lists without queries only" }, null);
        return;
      }
      const all = [...entries].map(([key, e]) => row(key, e));
      const offset = Number(query?.offset ?? "0");
      const limit = query?.limit ?? 0;
      const page = all.slice(offset, limit === 0 ? undefined : offset + limit);
      // As ZITADEL: the total counts every match, but is 0 for a page past the end.
      const totalResult = page.length === 0 ? "0" : String(all.length);
      callback(null, { details: { totalResult, viewTimestamp: options.viewTimestamp }, result: page });
    },
    RemoveUserMetadata(call: grpc.ServerUnaryCall<UserMetadataRequest, unknown>, callback: Callback) {
      const entries = enter("RemoveUserMetadata", call, callback, userMissingOnWrite);
      if (!entries) return;
      const key = call.request.key ?? "";
      if (!entries.delete(key)) {
        fail(callback, grpc.status.NOT_FOUND, "META-ncnw3", "Metadata not found");
        return;
      }
      const { sequence, at } = nextWrite();
      callback(null, { details: { sequence: sequence.toString(), changeDate: at, resourceOwner: options.orgId } });
    },
  };

  const server = new grpc.Server();
  server.addService(serviceDefinition(tool, "zitadel.management.v1.ManagementService"), implementation);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    stored(userId) {
      const entries = users.get(userId);
      if (entries === undefined) throw new Error(`the server has no user ${userId}`);
      return entries;
    },
    close: () => server.forceShutdown(),
  };
}
