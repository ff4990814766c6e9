import type { CallOptions } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import type { Metadata } from "../../../gen/zitadel/metadata/v2/metadata_pb.js";
import type { MetadataSearchFilter } from "../../../gen/zitadel/metadata/v2/metadata_pb.js";
import type { PaginationRequest, PaginationResponse } from "../../../gen/zitadel/filter/v2/filter_pb.js";
import { orgIdKey } from "../../core/org-context.js";
import type { BatchRules, KeyFilter, ListingRules, MetadataApiBinding, ReadRpcs, RowDetails, StoredRow, WriteRpcs } from "../metadata-port.js";
import { keyMatches } from "../metadata-port.js";
import { myRpcs } from "../v1/scopes.js";
import { createAuthClient } from "../v1/clients.js";
import type { OrganizationServiceV2Client, UserServiceV2Client } from "./clients.js";
import { createOrganizationServiceV2Client, createUserServiceV2Client } from "./clients.js";

// The v2 RPCs behind each scope of the high-level API: UserService for users
// (and the caller, given its id), OrganizationService v2 for organizations,
// which v2 names in the request body instead of x-zitadel-orgid.

/** v2 pages hold at most 1000 rows; `limit: 0` means 100, not "all"; pages carry no change marker. */
const listing: ListingRules = { maxPageSize: 1000, wholeListQuery: false, changeMarker: false };

/**
 * connect-go sets no message limit and one Set is one transaction however
 * many entries it has, so only bytes bound a request: 3 MiB, which also
 * passes the 4 MiB default of gRPC proxies in front of ZITADEL. A Delete
 * over REST carries its keys in the URL (?keys=a&keys=b), and proxies in
 * front of ZITADEL refuse request lines over 8 KiB (nginx's default), so
 * a Delete holds at most 6 KiB of percent-encoded keys, on every protocol
 * (the high-level API does not know the transport's).
 */
const batching: BatchRules = {
  maxEntriesPerRequest: Number.MAX_SAFE_INTEGER,
  maxBytesPerRequest: 3 * 1024 * 1024,
  removeSize: (key) => encodeURIComponent(key).length + "keys=&".length,
  maxRemoveBytesPerRequest: 6 * 1024,
};

type Page = { pagination?: PaginationResponse; metadata: Metadata[] };
type ListFn = (pagination: PaginationRequest, filters: MetadataSearchFilter[], call: CallOptions) => Promise<Page>;

/**
 * `hidden` names what a caller without read permission is refused: ZITADEL
 * v2 then drops the rows and (for users) still counts them, so an empty page
 * with a non-zero total is a permission failure; for organizations the total
 * is 0 too and nothing can tell it from an empty list.
 */
function reads(list: ListFn, hidden: string | undefined): ReadRpcs {
  const page: ReadRpcs["list"] = async ({ offset, limit }, filters, call) => {
    const { pagination, metadata } = await list({ offset, limit, asc: true } as PaginationRequest, filters.map(toFilter), call);
    const total = pagination?.totalResult ?? 0n;
    if (metadata.length === 0 && total > 0n && hidden !== undefined) {
      throw new ConnectError(
        `ZITADEL counts ${total} metadata ${total === 1n ? "entry" : "entries"} of ${hidden} but returned none: the caller may not read them ` +
          "(v2 hides what the caller lacks user.read for, instead of failing). Grant the caller user.read in the user's organization " +
          "(e.g. ORG_USER_MANAGER or ORG_OWNER there).",
        Code.PermissionDenied,
      );
    }
    return { rows: metadata.map(row), total };
  };
  return {
    listing,
    list: page,
    async get(key, call) {
      const { rows } = await page({ offset: 0n, limit: 1 }, [{ key, match: "equals" }], call);
      return rows.find((r) => r.key === key);
    },
  };
}

function toFilter(filter: KeyFilter): MetadataSearchFilter {
  return { filter: { case: "keyFilter", value: { key: filter.key, method: keyMatches.indexOf(filter.match) } } } as MetadataSearchFilter;
}

function row(m: Metadata): StoredRow {
  return { key: m.key, value: m.value, details: { creationDate: m.creationDate, changeDate: m.changeDate } };
}

const setAt = async (response: Promise<{ setDate?: Timestamp }>): Promise<RowDetails> => ({ changeDate: (await response).setDate });
const deletedAt = async (response: Promise<{ deletionDate?: Timestamp }>): Promise<RowDetails> => ({ changeDate: (await response).deletionDate });

type Entries = readonly { key: string; value: Uint8Array }[];

/** The writes over one Set and one Delete RPC, where an empty value in a Set deletes. */
function writes(
  set: (metadata: { key: string; value: Uint8Array }[], call: CallOptions) => Promise<{ setDate?: Timestamp }>,
  del: (keys: string[], call: CallOptions) => Promise<{ deletionDate?: Timestamp }>,
): Omit<WriteRpcs, keyof ReadRpcs> {
  return {
    batching,
    set: (key, value, call) => setAt(set([{ key, value }], call)),
    remove: (key, call) => deletedAt(del([key], call)),
    setMany: (entries, call) => setAt(set([...entries], call)),
    removeMany: (keys, call) => deletedAt(del([...keys], call)),
    setAndDelete: (entries: Entries, keys, call) => setAt(set([...entries, ...keys.map((key) => ({ key, value: new Uint8Array(0) }))], call)),
  };
}

function userRpcs(users: UserServiceV2Client, userId: string): WriteRpcs {
  return {
    ...reads((pagination, filters, call) => users.listUserMetadata({ userId, pagination, filters }, call), `user ${userId}`),
    ...writes(
      (metadata, call) => users.setUserMetadata({ userId, metadata }, call),
      (keys, call) => users.deleteUserMetadata({ userId, keys }, call),
    ),
  };
}

function orgRpcs(orgs: OrganizationServiceV2Client, named: string | undefined): WriteRpcs {
  // A per-call orgId (in the call's context) wins over the scope's, as on v1.
  const organizationId = (call: CallOptions): string => {
    const id = call.contextValues?.get(orgIdKey) ?? named;
    // The high-level API asks for the id before it builds the scope.
    if (id === undefined) throw new Error("zitadel-metadata: a v2 organization scope without an organization id");
    return id;
  };
  return {
    ...reads((pagination, filters, call) => orgs.listOrganizationMetadata({ organizationId: organizationId(call), pagination, filters }, call), undefined),
    ...writes(
      (metadata, call) => orgs.setOrganizationMetadata({ organizationId: organizationId(call), metadata }, call),
      (keys, call) => orgs.deleteOrganizationMetadata({ organizationId: organizationId(call), keys }, call),
    ),
  };
}

/**
 * ZITADEL's v2 metadata RPCs for the high-level API. v2 has no "my
 * metadata" RPC: me() reads ListUserMetadata with the caller's own id when
 * the client knows it (selfUserId), else v1's AuthService, which ZITADEL
 * keeps (not deprecated) but serves over gRPC, gRPC-web and REST only.
 */
export const v2Metadata: MetadataApiBinding = {
  name: "v2",
  needsOrgId: true,
  scopes(transport) {
    const users = createUserServiceV2Client(transport);
    const orgs = createOrganizationServiceV2Client(transport);
    return {
      user: (userId) => userRpcs(users, userId),
      org: (orgId) => orgRpcs(orgs, orgId),
      me: (selfUserId) => (selfUserId === undefined ? myRpcs(createAuthClient(transport)) : userRpcs(users, selfUserId)),
    };
  },
};
