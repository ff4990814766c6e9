import { create } from "@bufbuild/protobuf";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { TimestampSchema } from "@bufbuild/protobuf/wkt";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { TextFilterMethod } from "../../gen/zitadel/filter/v2/filter_pb.js";
import type { Metadata as MetadataV2 } from "../../gen/zitadel/metadata/v2/metadata_pb.js";
import { MetadataSchema as MetadataV2Schema } from "../../gen/zitadel/metadata/v2/metadata_pb.js";
import type { MetadataSearchFilter } from "../../gen/zitadel/metadata/v2/metadata_pb.js";
import type { Metadata as MetadataV2beta, MetadataQuery as MetadataQueryV2beta } from "../../gen/zitadel/metadata/v2beta/metadata_pb.js";
import { MetadataSchema as MetadataV2betaSchema } from "../../gen/zitadel/metadata/v2beta/metadata_pb.js";
import { TextQueryMethod as TextQueryMethodV2beta } from "../../gen/zitadel/object/v2beta/object_pb.js";
import type { OrganizationService as OrganizationServiceV2 } from "../../gen/zitadel/org/v2/org_service_pb.js";
import type { OrganizationService as OrganizationServiceV2beta } from "../../gen/zitadel/org/v2beta/org_service_pb.js";
import type { UserService } from "../../gen/zitadel/user/v2/user_service_pb.js";
import type { TextQueryMethod } from "../../gen/zitadel/object_pb.js";
import { runeLength, v1Limits } from "../zitadel/v1/limits.js";
import { authenticate, hasPermission, requirePermission } from "./authz.js";
import { timestamp } from "./services.js";
import type { Micros, StoredMetadata, Store, V2ListOptions, V2Target } from "./store.js";
import { requireEach, requireEachKey, requireEmbedded, requireIdOrKey, requireValue } from "./validate.js";
import { errors, invalidArgument } from "./zitadel-error.js";

/** The v2 / v2beta services' implementations, on the same store as v1's. */
export interface ServicesV2 {
  user: ServiceImpl<typeof UserService>;
  orgV2: ServiceImpl<typeof OrganizationServiceV2>;
  orgV2beta: ServiceImpl<typeof OrganizationServiceV2beta>;
}

/** v2 lists: 100 rows when pagination is absent or its limit 0, at most 1000. */
const defaultLimit = 100;
const maxLimit = 1000;

/**
 * ZITADEL's v2 metadata RPCs (ZITADEL-V2.md). The target decides the
 * organization: a user's own, or organization_id; x-zitadel-orgid is only
 * checked to name an existing organization. The order of checks: the token
 * and header, request validation, then (writes) existence and permission
 * as ZITADEL's command layer checks them, (lists) permission as a filter.
 */
export function createServicesV2(store: Store): ServicesV2 {
  const caller = (ctx: HandlerContext) => authenticate(store, ctx.requestHeader);

  /** The user a write targets: it must exist, then the caller needs user.write in its organization. */
  const writableUser = (who: ReturnType<typeof caller>, userId: string): V2Target => {
    const user = store.users.get(userId);
    if (!user) throw errors.userNotFound();
    // Since v4.3 not even one's own user without user.write.
    requirePermission(store, who, user.orgId, "user.write", errors.permissionMissingV2);
    return { userId };
  };

  /** org.write is checked before existence: only a caller who may write an org id learns it does not exist. */
  const writableOrg = (who: ReturnType<typeof caller>, orgId: string): V2Target => {
    requirePermission(store, who, orgId, "org.write", errors.permissionMissingV2);
    if (!store.activeOrg(orgId)) throw errors.orgNotFound();
    return { orgId };
  };

  const user: ServiceImpl<typeof UserService> = {
    setUserMetadata(req, ctx) {
      const who = caller(ctx);
      const m = "SetUserMetadataRequest";
      requireIdOrKey(m, "UserId", req.userId);
      requireEntries(m, req.metadata, "emptyDeletes");
      if (req.metadata.length === 0) throw errors.metadataListEmpty();
      const target = writableUser(who, req.userId);
      return { setDate: dateOf(store.setMetadataV2(target, req.metadata)) };
    },
    listUserMetadata(req, ctx) {
      const who = caller(ctx);
      const m = "ListUserMetadataRequest";
      requireIdOrKey(m, "UserId", req.userId);
      requireSearchFilters(m, req.filters);
      const limit = pageLimit(req.pagination?.limit);
      const pagination = (total: bigint) => ({ totalResult: total, appliedLimit: BigInt(limit) });
      const target = store.users.get(req.userId);
      if (!target) return { pagination: pagination(0n), metadata: [] };
      const { total, page } = store.listMetadataV2(
        { userId: req.userId },
        listOptions(req.pagination, limit, keyFiltersV2(req.filters), req.pagination?.asc ? "creation-asc" : "creation-desc"),
      );
      // One's own metadata always; others' rows need user.read in their org and are dropped silently (the total still counts them).
      const readable = target.id === who.id || hasPermission(store, who, target.orgId, "user.read");
      return { pagination: pagination(total), metadata: readable ? page.map(metadataV2) : [] };
    },
    deleteUserMetadata(req, ctx) {
      const who = caller(ctx);
      // user_id has no validation rule here; an unknown (or empty) one fails as a missing user.
      requireEachKey("DeleteUserMetadataRequest", "Keys", req.keys);
      if (req.keys.length === 0) throw errors.metadataListEmpty();
      const target = writableUser(who, req.userId);
      return { deletionDate: timestamp(store.deleteMetadataV2(target, req.keys, errors.bulkRemoveUserKeyMissing)) };
    },
  };

  /** Set on an org, v2 and v2beta alike but for what an empty value means. */
  const setOrgMetadata = (
    req: { organizationId: string; metadata: { key: string; value: Uint8Array }[] },
    ctx: HandlerContext,
    empty: Parameters<typeof requireEntries>[2],
  ) => {
    const who = caller(ctx);
    const m = "SetOrganizationMetadataRequest";
    requireIdOrKey(m, "OrganizationId", req.organizationId);
    requireEntries(m, req.metadata, empty);
    if (req.metadata.length === 0) throw errors.metadataListEmpty();
    const target = writableOrg(who, req.organizationId);
    return { setDate: dateOf(store.setMetadataV2(target, req.metadata)) };
  };

  /** Delete on an org, the same in v2 and v2beta. */
  const deleteOrgMetadata = (req: { organizationId: string; keys: string[] }, ctx: HandlerContext) => {
    const who = caller(ctx);
    const m = "DeleteOrganizationMetadataRequest";
    requireIdOrKey(m, "OrganizationId", req.organizationId);
    requireEachKey(m, "Keys", req.keys);
    if (req.keys.length === 0) throw errors.orgBulkRemoveListEmpty();
    const target = writableOrg(who, req.organizationId);
    return { deletionDate: timestamp(store.deleteMetadataV2(target, req.keys, errors.bulkRemoveOrgKeyMissing)) };
  };

  const orgV2: ServiceImpl<typeof OrganizationServiceV2> = {
    setOrganizationMetadata: (req, ctx) => setOrgMetadata(req, ctx, "emptyDeletes"),
    listOrganizationMetadata(req, ctx) {
      const who = caller(ctx);
      const m = "ListOrganizationMetadataRequest";
      requireIdOrKey(m, "OrganizationId", req.organizationId);
      requireSearchFilters(m, req.filters);
      return listOrg(who, req.organizationId, req.pagination, keyFiltersV2(req.filters), metadataV2);
    },
    deleteOrganizationMetadata: deleteOrgMetadata,
  };

  const orgV2beta: ServiceImpl<typeof OrganizationServiceV2beta> = {
    // v2beta still refuses an empty value.
    setOrganizationMetadata: (req, ctx) => setOrgMetadata(req, ctx, "emptyRejected"),
    listOrganizationMetadata(req, ctx) {
      const who = caller(ctx);
      const m = "ListOrganizationMetadataRequest";
      requireIdOrKey(m, "OrganizationId", req.organizationId);
      requireQueriesV2beta(m, req.filter);
      return listOrg(who, req.organizationId, req.pagination, keyFiltersV2beta(req.filter), metadataV2beta);
    },
    deleteOrganizationMetadata: deleteOrgMetadata,
  };

  /**
   * An org's list: org.read on the org id works as a filter (an unknown org
   * or no permission is an empty list with total 0); storage order, `asc`
   * has no effect; applied_limit echoes the request's raw limit.
   */
  function listOrg<M>(
    who: ReturnType<typeof caller>,
    orgId: string,
    pagination: Pagination | undefined,
    keyFilters: V2ListOptions["keyFilters"],
    convert: (entry: StoredMetadata) => M,
  ): { pagination: { totalResult: bigint; appliedLimit: bigint }; metadata: M[] } {
    const limit = pageLimit(pagination?.limit);
    const appliedLimit = BigInt(pagination?.limit ?? 0);
    if (!store.activeOrg(orgId) || !hasPermission(store, who, orgId, "org.read")) {
      return { pagination: { totalResult: 0n, appliedLimit }, metadata: [] };
    }
    const { total, page } = store.listMetadataV2({ orgId }, listOptions(pagination, limit, keyFilters, "storage"));
    return { pagination: { totalResult: total, appliedLimit }, metadata: page.map(convert) };
  }

  return { user, orgV2, orgV2beta };
}

/** filter.v2.PaginationRequest and filter.v2beta.PaginationRequest alike. */
interface Pagination {
  offset: bigint;
  limit: number;
  asc: boolean;
}

/** The limit in effect: 100 for none (or 0); above 1000 is QUERY-4M0fs. */
function pageLimit(requested: number | undefined): number {
  if (requested !== undefined && requested > maxLimit) throw errors.limitExceeded();
  return requested === undefined || requested === 0 ? defaultLimit : requested;
}

function listOptions(pagination: Pagination | undefined, limit: number, keyFilters: V2ListOptions["keyFilters"], order: V2ListOptions["order"]): V2ListOptions {
  return { offset: pagination?.offset ?? 0n, limit, keyFilters, order };
}

// filter.v2.TextFilterMethod and object.v2beta.TextQueryMethod number the
// eight comparisons as v1's TextQueryMethod does.
function keyFiltersV2(filters: MetadataSearchFilter[]): V2ListOptions["keyFilters"] {
  return filters.flatMap((f) =>
    f.filter.case === "keyFilter" ? [{ key: f.filter.value.key, method: f.filter.value.method as number as TextQueryMethod }] : [],
  );
}

function keyFiltersV2beta(queries: MetadataQueryV2beta[]): V2ListOptions["keyFilters"] {
  return queries.flatMap((q) => (q.query.case === "keyQuery" ? [{ key: q.query.value.key, method: q.query.value.method as number as TextQueryMethod }] : []));
}

function metadataV2(entry: StoredMetadata): MetadataV2 {
  return create(MetadataV2Schema, {
    creationDate: timestamp(entry.creationDate),
    changeDate: timestamp(entry.changeDate),
    key: entry.key,
    value: entry.value,
  });
}

function metadataV2beta(entry: StoredMetadata): MetadataV2beta {
  return create(MetadataV2betaSchema, {
    creationDate: timestamp(entry.creationDate),
    changeDate: timestamp(entry.changeDate),
    key: entry.key,
    value: entry.value,
  });
}

/**
 * A Set's set_date. A Set that changed nothing reports the owner's last
 * metadata change; if there never was one, Go's zero time (what
 * timestamppb.New(time.Time{}) sends): 0001-01-01T00:00:00Z.
 */
function dateOf(at: Micros | undefined): Timestamp {
  return at === undefined ? create(TimestampSchema, { seconds: -62_135_596_800n, nanos: 0 }) : timestamp(at);
}

// --- validation (protoc-gen-validate's wording, as validate.ts) ------------

const { maxKeyRunes, maxValueBytes } = v1Limits;

/**
 * <Request>.Metadata entries: key 1..200 runes; value at most 500000 bytes
 * where an empty value deletes (user v2, org v2), 1..500000 where it is
 * refused (org v2beta).
 */
function requireEntries(message: string, entries: { key: string; value: Uint8Array }[], empty: "emptyDeletes" | "emptyRejected"): void {
  requireEach(message, "Metadata", entries, (e) => {
    requireIdOrKey("Metadata", "Key", e.key);
    if (empty === "emptyRejected") requireValue("Metadata", "Value", e.value);
    else if (e.value.length > maxValueBytes) {
      throw invalidArgument(`invalid Metadata.Value: value length must be at most ${maxValueBytes} bytes`);
    }
  });
}

/** metadata.v2.MetadataSearchFilter: the oneof is required; key at most 200 runes (may be empty); a defined method. */
function requireSearchFilters(message: string, filters: MetadataSearchFilter[]): void {
  requireEach(message, "Filters", filters, (f) => {
    if (f.filter.case !== "keyFilter") throw invalidArgument("invalid MetadataSearchFilter.Filter: value is required");
    const { key, method } = f.filter.value;
    requireEmbedded("MetadataSearchFilter.KeyFilter", () => {
      if (runeLength(key) > maxKeyRunes) {
        throw invalidArgument(`invalid MetadataKeyFilter.Key: value length must be at most ${maxKeyRunes} runes`);
      }
      if (TextFilterMethod[method] === undefined) {
        throw invalidArgument("invalid MetadataKeyFilter.Method: value must be one of the defined enum values");
      }
    });
  });
}

/** metadata.v2beta.MetadataQuery (field `filter`): the oneof is required; a defined method. */
function requireQueriesV2beta(message: string, queries: MetadataQueryV2beta[]): void {
  requireEach(message, "Filter", queries, (q) => {
    if (q.query.case !== "keyQuery") throw invalidArgument("invalid MetadataQuery.Query: value is required");
    const { method } = q.query.value;
    requireEmbedded("MetadataQuery.KeyQuery", () => {
      if (TextQueryMethodV2beta[method] === undefined) {
        throw invalidArgument("invalid MetadataKeyQuery.Method: value must be one of the defined enum values");
      }
    });
  });
}
