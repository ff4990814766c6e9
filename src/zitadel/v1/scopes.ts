import type { CallOptions } from "@connectrpc/connect";
import type { Metadata, MetadataQuery } from "../../../gen/zitadel/metadata_pb.js";
import type { ListDetails, ObjectDetails } from "../../../gen/zitadel/object_pb.js";
import { isMetadataNotFound } from "../errors.js";
import type { BatchRules, KeyFilter, ListingRules, ListPage, MetadataApiBinding, ReadRpcs, RowDetails, StoredRow, WriteRpcs } from "../metadata-port.js";
import { keyMatches } from "../metadata-port.js";
import type { AuthClient, ManagementClient } from "./clients.js";
import { createAuthClient, createManagementClient } from "./clients.js";
import { v1Limits } from "./limits.js";

// The v1 RPCs behind each scope of the high-level API: ManagementService for
// users and the context organization (x-zitadel-orgid), AuthService for the caller.

/** v1 pages by offset over rows without order; `limit: 0` is every row in one answer; view_timestamp marks changes. */
const listing: ListingRules = { maxPageSize: 0xffff_ffff, wholeListQuery: true, changeMarker: true };

/**
 * 500 entries (ZITADEL writes one event per entry in one transaction) and
 * 3 MiB, headroom under the 4 MiB request limit for framing and the other fields.
 */
const batching: BatchRules = {
  maxEntriesPerRequest: 500,
  maxBytesPerRequest: (v1Limits.maxRequestBytes / 4) * 3,
  removeSize: (key) => new TextEncoder().encode(key).length + 8,
  maxRemoveBytesPerRequest: (v1Limits.maxRequestBytes / 4) * 3,
};

type V1List = (query: { offset: bigint; limit: number }, queries: MetadataQuery[], call: CallOptions) => Promise<{ details?: ListDetails; result: Metadata[] }>;
type V1Get = (key: string, call: CallOptions) => Promise<{ metadata?: Metadata }>;

function reads(get: V1Get, list: V1List): ReadRpcs {
  return {
    listing,
    async get(key, call) {
      try {
        const { metadata } = await get(key, call);
        return metadata && row(metadata);
      } catch (e) {
        if (isMetadataNotFound(e)) return undefined;
        throw e;
      }
    },
    async list(page, filters, call) {
      const { details, result } = await list({ offset: page.offset, limit: page.limit }, filters.map(toQuery), call);
      const ts = details?.viewTimestamp;
      return { rows: result.map(row), total: details?.totalResult ?? 0n, changeMarker: `${ts?.seconds ?? ""}.${ts?.nanos ?? ""}` } satisfies ListPage;
    },
  };
}

function toQuery(filter: KeyFilter): MetadataQuery {
  return { query: { case: "keyQuery", value: { key: filter.key, method: keyMatches.indexOf(filter.match) } } } as MetadataQuery;
}

function row(m: Metadata): StoredRow {
  return { key: m.key, value: m.value, details: details(m.details) };
}

function details(d: ObjectDetails | undefined): RowDetails {
  return { sequence: d?.sequence, creationDate: d?.creationDate, changeDate: d?.changeDate, resourceOwner: d?.resourceOwner };
}

const written = async (response: Promise<{ details?: ObjectDetails }>): Promise<RowDetails> => details((await response).details);

/** A user's metadata in the context organization (ManagementService). */
export function userRpcs(mgmt: ManagementClient, id: string): WriteRpcs {
  return {
    ...reads(
      (key, call) => mgmt.getUserMetadata({ id, key }, call),
      (query, queries, call) => mgmt.listUserMetadata({ id, query, queries }, call),
    ),
    batching,
    set: (key, value, call) => written(mgmt.setUserMetadata({ id, key, value }, call)),
    remove: (key, call) => written(mgmt.removeUserMetadata({ id, key }, call)),
    setMany: (metadata, call) => written(mgmt.bulkSetUserMetadata({ id, metadata: [...metadata] }, call)),
    removeMany: (keys, call) => written(mgmt.bulkRemoveUserMetadata({ id, keys: [...keys] }, call)),
  };
}

/** The context organization's metadata (ManagementService); the organization is chosen by x-zitadel-orgid. */
export function orgRpcs(mgmt: ManagementClient): WriteRpcs {
  return {
    ...reads(
      (key, call) => mgmt.getOrgMetadata({ key }, call),
      (query, queries, call) => mgmt.listOrgMetadata({ query, queries }, call),
    ),
    batching,
    set: (key, value, call) => written(mgmt.setOrgMetadata({ key, value }, call)),
    remove: (key, call) => written(mgmt.removeOrgMetadata({ key }, call)),
    setMany: (metadata, call) => written(mgmt.bulkSetOrgMetadata({ metadata: [...metadata] }, call)),
    removeMany: (keys, call) => written(mgmt.bulkRemoveOrgMetadata({ keys: [...keys] }, call)),
  };
}

/** The caller's own metadata, read-only (AuthService). */
export function myRpcs(auth: AuthClient): ReadRpcs {
  return reads(
    (key, call) => auth.getMyMetadata({ key }, call),
    (query, queries, call) => auth.listMyMetadata({ query, queries }, call),
  );
}

/**
 * ZITADEL's v1 metadata RPCs for the high-level API. An organization named
 * by id is addressed through x-zitadel-orgid (the high-level API puts the
 * id in the call's context), so org(orgId) and org() share one adapter.
 */
export const v1Metadata: MetadataApiBinding = {
  name: "v1",
  needsOrgId: false,
  scopes(transport) {
    const mgmt = createManagementClient(transport);
    const auth = createAuthClient(transport);
    return {
      user: (userId) => userRpcs(mgmt, userId),
      org: () => orgRpcs(mgmt),
      me: () => myRpcs(auth),
    };
  },
};
