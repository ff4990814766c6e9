// A stand-in for ZITADEL written with another team's stack: a grpc-js server
// whose services are built at run time by proto-loader from our packed
// .proto files, serving from in-memory maps:
// - v1 ManagementService: Set / Get / List / RemoveUserMetadata;
// - v2 UserService: Set / List / DeleteUserMetadata, on the same users' maps
//   (one store, as in ZITADEL);
// - v2 and v2beta OrganizationService: Set / List / DeleteOrganizationMetadata,
//   both on one map per organization (one store, as in ZITADEL).
// It fails as ZITADEL does (status code, "<text> (<id>)", and google.rpc.Status
// with a zitadel.v1.ErrorDetail in grpc-status-details-bin) for the cases the
// tests need, and records each call's service, RPC, headers and request. It is
// deliberately small: no permissions beyond one token, no validation beyond
// what the tests reach, no "nothing changed" writes (every write is one).
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

/** A key filter of a v2 list (metadata.v2.MetadataKeyFilter) or a v2beta one (metadata.v2beta.MetadataKeyQuery); the method by enum name, absent for EQUALS (the zero). */
export interface KeyFilter {
  key?: string;
  method?: string;
}

/**
 * The requests of every RPC served, as proto-loader decodes them (loaderOptions:
 * bytes as Buffer, 64-bit integers as strings, enums by name, a oneof's case
 * by name, zeros absent, repeated fields [] when empty).
 */
export interface MetadataRequest {
  /** v1: the user. */
  id?: string;
  /** v1: the key of Set / Get / Remove. */
  key?: string;
  /** v1: the value of Set. */
  value?: Buffer;
  /** v1 List: the page. */
  query?: { offset?: string; limit?: number };
  /** v1 List: the key queries. */
  queries?: unknown[];
  /** v2 UserService: the user. */
  userId?: string;
  /** v2 / v2beta OrganizationService: the organization. */
  organizationId?: string;
  /** v2 / v2beta Set: the entries; an empty (absent) value deletes its key. */
  metadata?: { key?: string; value?: Buffer }[];
  /** v2 / v2beta Delete: the keys. */
  keys?: string[];
  /** v2 / v2beta List: the page. */
  pagination?: { offset?: string; limit?: number; asc?: boolean };
  /** v2 / v2beta List: "pagination" when it was sent (proto3 `optional` is a synthetic oneof, whose case proto-loader names). */
  _pagination?: "pagination";
  /** v2 List: metadata.v2.MetadataSearchFilter, oneof `filter`. */
  filters?: { filter?: string; keyFilter?: KeyFilter }[];
  /** v2beta List: metadata.v2beta.MetadataQuery, oneof `query` (the field is singular in v2beta). */
  filter?: { query?: string; keyQuery?: KeyFilter }[];
}

export interface RecordedCall {
  /** The service's full name, e.g. "zitadel.user.v2.UserService". */
  service: string;
  rpc: string;
  authorization: string[];
  orgId: string[];
  request: MetadataRequest;
}

/** The full names of the services the server serves. */
export const servedServices = {
  managementV1: "zitadel.management.v1.ManagementService",
  userV2: "zitadel.user.v2.UserService",
  orgV2: "zitadel.org.v2.OrganizationService",
  orgV2beta: "zitadel.org.v2beta.OrganizationService",
} as const;

export interface GrpcJsMetadataServer {
  /** http://127.0.0.1:<port>, for our client's baseUrl. */
  readonly url: string;
  /** Every call in arrival order. */
  readonly calls: RecordedCall[];
  /** What the server holds for a user, by key (v1 and v2 alike). */
  stored(userId: string): Map<string, StoredEntry>;
  /** What the server holds for an organization, by key (v2 and v2beta alike). */
  storedOrg(organizationId: string): Map<string, StoredEntry>;
  close(): void;
}

export interface GrpcJsMetadataServerOptions {
  /** The only token accepted (as "Bearer <token>"). */
  token: string;
  /** The organization all users belong to, reported as resource_owner (v1). */
  orgId: string;
  /** The users that exist; writes to any other fail with COMMAND-uXHNj, v1 reads with QUERY-Rgh32, v2 lists are empty. */
  userIds: readonly string[];
  /** A user the caller has no membership for: every call on it fails with NotFound AUTHZ-cdgFk. */
  noMembershipUserId: string;
  /**
   * The organizations whose metadata v2 / v2beta OrganizationService hold
   * (default: `orgId` alone). Writes to any other fail with NotFound
   * AUTHZ-cdgFk (ZITADEL checks org.write before existence); lists of it are
   * empty with a total of 0.
   */
  organizationIds?: readonly string[];
  /** The sequence of the first write; each write takes the next one. */
  firstSequence: bigint;
  /** The time of the first write; each write (one per request) is one second later, same nanos. */
  firstWriteAt: Required<ProtobufjsTimestamp>;
  /** The view_timestamp of every v1 list answer. */
  viewTimestamp: Required<ProtobufjsTimestamp>;
}

type Callback = grpc.sendUnaryData<unknown>;
type Entries = Map<string, StoredEntry>;
/** One RPC's logic: the response, or a thrown Refusal. */
type Handler = (request: MetadataRequest) => object;

/** A failure a handler answers with. */
class Refusal {
  constructor(readonly status: Partial<grpc.StatusObject>) {}
}

/** Starts the server on 127.0.0.1, a free port, plaintext HTTP/2. */
export async function startGrpcJsMetadataServer(tool: ForeignToolchain, options: GrpcJsMetadataServerOptions): Promise<GrpcJsMetadataServer> {
  const users = new Map(options.userIds.map((id) => [id, new Map<string, StoredEntry>()]));
  const orgs = new Map((options.organizationIds ?? [options.orgId]).map((id) => [id, new Map<string, StoredEntry>()]));
  const calls: RecordedCall[] = [];
  let writes = 0n;
  const nextWrite = () => {
    const n = writes++;
    return {
      sequence: options.firstSequence + n,
      at: { seconds: (BigInt(options.firstWriteAt.seconds) + n).toString(), nanos: options.firstWriteAt.nanos },
    };
  };
  const refuse = (code: grpc.status, id: string, text: string): never => {
    throw new Refusal(zitadelStatus(tool, code, id, text));
  };

  /** The service implementation: records each call, checks the token, runs the handler. */
  const serve = (service: string, handlers: Record<string, Handler>): grpc.UntypedServiceImplementation => {
    const implementation: grpc.UntypedServiceImplementation = {};
    for (const [rpc, handler] of Object.entries(handlers)) {
      implementation[rpc] = (call: grpc.ServerUnaryCall<MetadataRequest, unknown>, callback: Callback) => {
        const text = (name: string) => call.metadata.get(name).map(String);
        calls.push({ service, rpc, authorization: text("authorization"), orgId: text("x-zitadel-orgid"), request: call.request });
        try {
          if (text("authorization")[0] !== `Bearer ${options.token}`) refuse(grpc.status.UNAUTHENTICATED, "AUTH-7fs1e", "Errors.Token.Invalid");
          callback(null, handler(call.request));
        } catch (e) {
          callback(e instanceof Refusal ? e.status : { code: grpc.status.INTERNAL, details: `test server: ${String(e)}` }, null);
        }
      };
    }
    return implementation;
  };

  const member = (userId: string | undefined) => {
    if (userId === options.noMembershipUserId) refuse(grpc.status.NOT_FOUND, "AUTHZ-cdgFk", "membership not found");
  };
  const writableUser = (userId: string | undefined): Entries => {
    member(userId);
    return users.get(userId ?? "") ?? refuse(grpc.status.FAILED_PRECONDITION, "COMMAND-uXHNj", "User could not be found");
  };
  const writableOrg = (organizationId: string | undefined): Entries =>
    orgs.get(organizationId ?? "") ?? refuse(grpc.status.NOT_FOUND, "AUTHZ-cdgFk", "membership not found");

  // ---- v1 ManagementService ----

  const v1Row = (key: string, e: StoredEntry) => ({
    details: { sequence: e.sequence.toString(), creationDate: e.creationDate, changeDate: e.changeDate, resourceOwner: options.orgId },
    key,
    value: e.value,
  });
  const v1ReadableUser = (userId: string | undefined): Entries => {
    member(userId);
    return users.get(userId ?? "") ?? refuse(grpc.status.NOT_FOUND, "QUERY-Rgh32", "Metadata not found");
  };
  const managementV1: Record<string, Handler> = {
    SetUserMetadata(request) {
      const entries = writableUser(request.id);
      const key = request.key ?? "";
      const value = request.value ?? Buffer.alloc(0);
      const { sequence, at } = nextWrite();
      entries.set(key, { value, sequence, creationDate: entries.get(key)?.creationDate ?? at, changeDate: at });
      return { details: { sequence: sequence.toString(), creationDate: at, resourceOwner: options.orgId } };
    },
    GetUserMetadata(request) {
      const key = request.key ?? "";
      const entry = v1ReadableUser(request.id).get(key) ?? refuse(grpc.status.NOT_FOUND, "QUERY-Rgh32", "Metadata not found");
      return { metadata: v1Row(key, entry) };
    },
    ListUserMetadata(request) {
      const entries = v1ReadableUser(request.id);
      const { query, queries = [] } = request;
      if (queries.length > 0) throw new Refusal({ code: grpc.status.UNIMPLEMENTED, details: "this test server lists without queries only" });
      const all = [...entries].map(([key, e]) => v1Row(key, e));
      const offset = Number(query?.offset ?? "0");
      const limit = query?.limit ?? 0;
      const page = all.slice(offset, limit === 0 ? undefined : offset + limit);
      // As ZITADEL: the total counts every match, but is 0 for a page past the end.
      const totalResult = page.length === 0 ? "0" : String(all.length);
      return { details: { totalResult, viewTimestamp: options.viewTimestamp }, result: page };
    },
    RemoveUserMetadata(request) {
      const entries = writableUser(request.id);
      if (!entries.delete(request.key ?? "")) refuse(grpc.status.NOT_FOUND, "META-ncnw3", "Metadata not found");
      const { sequence, at } = nextWrite();
      return { details: { sequence: sequence.toString(), changeDate: at, resourceOwner: options.orgId } };
    },
  };

  // ---- v2 UserService, v2 and v2beta OrganizationService ----

  /**
   * Set, List and Delete of one v2 service, on the map `target` picks from
   * the request (ZITADEL-V2.md: a Set is one atomic write where an empty
   * value deletes; a Delete with any missing key deletes nothing; a list's
   * limit is 100 when absent, at most 1000; user lists order by creation,
   * descending unless asc, and report the limit used; org lists have no
   * order and report the limit requested).
   */
  const v2Rpcs = (
    noun: "User" | "Organization",
    target: { write(request: MetadataRequest): Entries; read(request: MetadataRequest): Entries },
    ids: { deleteEmpty: string; deleteMissing: string },
  ): Record<string, Handler> => ({
    [`Set${noun}Metadata`](request) {
      const entries = target.write(request);
      const items = request.metadata ?? [];
      if (items.length === 0) refuse(grpc.status.FAILED_PRECONDITION, "META-9mm2d", "Metadata list is empty");
      const { sequence, at } = nextWrite();
      for (const { key = "", value = Buffer.alloc(0) } of items) {
        if (value.length === 0) entries.delete(key);
        else entries.set(key, { value, sequence, creationDate: entries.get(key)?.creationDate ?? at, changeDate: at });
      }
      return { setDate: at };
    },
    [`List${noun}Metadata`](request) {
      const entries = target.read(request);
      const { offset = "0", limit = 0, asc = false } = request.pagination ?? {};
      if (limit > 1000) refuse(grpc.status.INVALID_ARGUMENT, "QUERY-4M0fs", "Limit exceeded");
      const filters = [...(request.filters ?? []).map((f) => f.keyFilter), ...(request.filter ?? []).map((f) => f.keyQuery)];
      // Map order is insertion order, which is creation order: a key keeps its place when written again.
      const matching = [...entries].filter(([key]) => filters.every((f) => keyMatches(f, key)));
      if (noun === "User" && !asc) matching.reverse();
      const applied = limit === 0 ? 100 : limit;
      const page = matching.slice(Number(offset), Number(offset) + applied);
      return {
        pagination: { totalResult: page.length === 0 ? "0" : String(matching.length), appliedLimit: String(noun === "User" ? applied : limit) },
        metadata: page.map(([key, e]) => ({ creationDate: e.creationDate, changeDate: e.changeDate, key, value: e.value })),
      };
    },
    [`Delete${noun}Metadata`](request) {
      const entries = target.write(request);
      const keys = request.keys ?? [];
      if (keys.length === 0) refuse(grpc.status.FAILED_PRECONDITION, ids.deleteEmpty, "Metadata list is empty");
      if (!keys.every((k) => entries.has(k))) refuse(grpc.status.NOT_FOUND, ids.deleteMissing, "One or more keys do not exist");
      const { at } = nextWrite();
      for (const key of keys) entries.delete(key);
      return { deletionDate: at };
    },
  });
  const userV2 = v2Rpcs(
    "User",
    {
      write: (r) => writableUser(r.userId),
      // v2 hides what the caller may not read instead of failing: an unknown user lists as empty.
      read: (r) => {
        member(r.userId);
        return users.get(r.userId ?? "") ?? new Map();
      },
    },
    { deleteEmpty: "META-9mm2d", deleteMissing: "META-2nnds" },
  );
  const orgV2 = v2Rpcs(
    "Organization",
    { write: (r) => writableOrg(r.organizationId), read: (r) => orgs.get(r.organizationId ?? "") ?? new Map() },
    { deleteEmpty: "META-9mw2d", deleteMissing: "META-2npds" },
  );

  const server = new grpc.Server();
  const add = (service: string, handlers: Record<string, Handler>) => server.addService(serviceDefinition(tool, service), serve(service, handlers));
  add(servedServices.managementV1, managementV1);
  add(servedServices.userV2, userV2);
  // v2beta differs from v2 only in the list's filter field (`filter` of MetadataQuery), which the handler reads too.
  add(servedServices.orgV2, orgV2);
  add(servedServices.orgV2beta, orgV2);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound)));
  });
  const lookup = (maps: Map<string, Entries>, kind: string) => (id: string) => {
    const entries = maps.get(id);
    if (entries === undefined) throw new Error(`the server has no ${kind} ${id}`);
    return entries;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    stored: lookup(users, "user"),
    storedOrg: lookup(orgs, "organization"),
    close: () => server.forceShutdown(),
  };
}

/** Whether a key passes a filter; a filter whose oneof is unset fails the call as ZITADEL's validation does (InvalidArgument, no ErrorDetail). */
function keyMatches(filter: KeyFilter | undefined, key: string): boolean {
  if (filter === undefined) throw new Refusal({ code: grpc.status.INVALID_ARGUMENT, details: "a metadata filter without a key filter" });
  const method = (filter.method ?? "EQUALS").replace(/^TEXT_(FILTER|QUERY)_METHOD_/, "");
  const ignoreCase = method.endsWith("_IGNORE_CASE");
  const [have, want] = ignoreCase ? [key.toLowerCase(), (filter.key ?? "").toLowerCase()] : [key, filter.key ?? ""];
  switch (method.replace(/_IGNORE_CASE$/, "")) {
    case "EQUALS":
      return have === want;
    case "STARTS_WITH":
      return have.startsWith(want);
    case "CONTAINS":
      return have.includes(want);
    case "ENDS_WITH":
      return have.endsWith(want);
    default:
      throw new Refusal({ code: grpc.status.INVALID_ARGUMENT, details: `an unknown text method ${filter.method}` });
  }
}
