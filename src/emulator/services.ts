import { create } from "@bufbuild/protobuf";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { TimestampSchema } from "@bufbuild/protobuf/wkt";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { AuthService } from "../../gen/zitadel/auth_pb.js";
import type { ManagementService } from "../../gen/zitadel/management_pb.js";
import type { Metadata, MetadataQuery } from "../../gen/zitadel/metadata_pb.js";
import { MetadataSchema } from "../../gen/zitadel/metadata_pb.js";
import type { ListDetails, ListQuery, ObjectDetails } from "../../gen/zitadel/object_pb.js";
import { ListDetailsSchema, ObjectDetailsSchema } from "../../gen/zitadel/object_pb.js";
import { authorize } from "./authz.js";
import type { Details, ListOptions, ListResult, Micros, StoredMetadata, Store } from "./store.js";
import { requireBulkEntries, requireEachKey, requireIdOrKey, requireQueries, requireValue } from "./validate.js";

/** The two services' implementations; shared by the gRPC/Connect router and the REST gateway. */
export interface Services {
  management: ServiceImpl<typeof ManagementService>;
  auth: ServiceImpl<typeof AuthService>;
}

export function createServices(store: Store): Services {
  const can = (ctx: HandlerContext, permission: Parameters<typeof authorize>[2]) => authorize(store, ctx.requestHeader, permission);

  const management: ServiceImpl<typeof ManagementService> = {
    setUserMetadata(req, ctx) {
      const { orgId } = can(ctx, "user.write");
      const m = "SetUserMetadataRequest";
      requireIdOrKey(m, "Id", req.id);
      requireIdOrKey(m, "Key", req.key);
      requireValue(m, "Value", req.value);
      return { id: "", details: objectDetails(store.setUserMetadata(orgId, req.id, req.key, req.value)) };
    },
    bulkSetUserMetadata(req, ctx) {
      const { orgId } = can(ctx, "user.write");
      requireIdOrKey("BulkSetUserMetadataRequest", "Id", req.id);
      requireBulkEntries("BulkSetUserMetadataRequest", req.metadata);
      return { details: objectDetails(store.bulkSetUserMetadata(orgId, req.id, req.metadata)) };
    },
    listUserMetadata(req, ctx) {
      const { orgId } = can(ctx, "user.read");
      requireIdOrKey("ListUserMetadataRequest", "Id", req.id);
      requireQueries("ListUserMetadataRequest", req.queries);
      return listResponse(store.listUserMetadata(orgId, req.id, listOptions(req.query, req.queries)));
    },
    getUserMetadata(req, ctx) {
      const { orgId } = can(ctx, "user.read");
      requireIdOrKey("GetUserMetadataRequest", "Id", req.id);
      requireIdOrKey("GetUserMetadataRequest", "Key", req.key);
      const found = store.getUserMetadata(orgId, req.id, req.key);
      return { metadata: metadata(found.entry, found.resourceOwner) };
    },
    removeUserMetadata(req, ctx) {
      const { orgId } = can(ctx, "user.write");
      requireIdOrKey("RemoveUserMetadataRequest", "Id", req.id);
      requireIdOrKey("RemoveUserMetadataRequest", "Key", req.key);
      return { details: objectDetails(store.removeUserMetadata(orgId, req.id, req.key)) };
    },
    bulkRemoveUserMetadata(req, ctx) {
      const { orgId } = can(ctx, "user.write");
      requireIdOrKey("BulkRemoveUserMetadataRequest", "Id", req.id);
      requireEachKey("BulkRemoveUserMetadataRequest", "Keys", req.keys);
      return { details: objectDetails(store.bulkRemoveUserMetadata(orgId, req.id, req.keys)) };
    },
    setOrgMetadata(req, ctx) {
      const { orgId } = can(ctx, "org.write");
      requireIdOrKey("SetOrgMetadataRequest", "Key", req.key);
      requireValue("SetOrgMetadataRequest", "Value", req.value);
      return { details: objectDetails(store.setOrgMetadata(orgId, req.key, req.value)) };
    },
    bulkSetOrgMetadata(req, ctx) {
      const { orgId } = can(ctx, "org.write");
      requireBulkEntries("BulkSetOrgMetadataRequest", req.metadata);
      return { details: objectDetails(store.bulkSetOrgMetadata(orgId, req.metadata)) };
    },
    listOrgMetadata(req, ctx) {
      const { orgId } = can(ctx, "org.read");
      requireQueries("ListOrgMetadataRequest", req.queries);
      return listResponse(store.listOrgMetadata(orgId, listOptions(req.query, req.queries)));
    },
    getOrgMetadata(req, ctx) {
      const { orgId } = can(ctx, "org.read");
      requireIdOrKey("GetOrgMetadataRequest", "Key", req.key);
      const found = store.getOrgMetadata(orgId, req.key);
      return { metadata: metadata(found.entry, found.resourceOwner) };
    },
    removeOrgMetadata(req, ctx) {
      const { orgId } = can(ctx, "org.write");
      requireIdOrKey("RemoveOrgMetadataRequest", "Key", req.key);
      return { details: objectDetails(store.removeOrgMetadata(orgId, req.key)) };
    },
    bulkRemoveOrgMetadata(req, ctx) {
      const { orgId } = can(ctx, "org.write");
      requireEachKey("BulkRemoveOrgMetadataRequest", "Keys", req.keys);
      return { details: objectDetails(store.bulkRemoveOrgMetadata(orgId, req.keys)) };
    },
  };

  const auth: ServiceImpl<typeof AuthService> = {
    listMyMetadata(req, ctx) {
      const { user } = can(ctx, "authenticated");
      requireQueries("ListMyMetadataRequest", req.queries);
      // The caller's own user lives in its own organization, whatever the context org.
      return listResponse(store.listUserMetadata(user.orgId, user.id, listOptions(req.query, req.queries)));
    },
    getMyMetadata(req, ctx) {
      const { user } = can(ctx, "authenticated");
      requireIdOrKey("GetMyMetadataRequest", "Key", req.key);
      const found = store.getUserMetadata(user.orgId, user.id, req.key);
      return { metadata: metadata(found.entry, found.resourceOwner) };
    },
  };

  return { management, auth };
}

function listOptions(query: ListQuery | undefined, queries: MetadataQuery[]): ListOptions {
  return {
    offset: query?.offset ?? 0n,
    limit: query?.limit ?? 0,
    // query.asc has no effect: ZITADEL's metadata lists have no sort column.
    keyFilters: queries.flatMap((q) => (q.query.case === "keyQuery" ? [q.query.value] : [])),
  };
}

function objectDetails(d: Details): ObjectDetails {
  return create(ObjectDetailsSchema, {
    sequence: d.sequence,
    creationDate: d.creationDate === undefined ? undefined : timestamp(d.creationDate),
    changeDate: d.changeDate === undefined ? undefined : timestamp(d.changeDate),
    resourceOwner: d.resourceOwner,
  });
}

function metadata(entry: StoredMetadata, resourceOwner: string): Metadata {
  return create(MetadataSchema, {
    key: entry.key,
    value: entry.value,
    details: objectDetails({
      sequence: entry.sequence,
      creationDate: entry.creationDate,
      changeDate: entry.changeDate,
      resourceOwner,
    }),
  });
}

function listResponse(list: ListResult): { details: ListDetails; result: Metadata[] } {
  return {
    details: create(ListDetailsSchema, {
      totalResult: list.totalResult,
      processedSequence: list.processedSequence,
      viewTimestamp: timestamp(list.viewTimestamp),
    }),
    result: list.result.map((r) => metadata(r.entry, r.resourceOwner)),
  };
}

/** A protobuf Timestamp of microseconds since the epoch (ZITADEL's precision). */
export function timestamp(micros: Micros): Timestamp {
  const seconds = micros / 1_000_000n;
  return create(TimestampSchema, { seconds, nanos: Number(micros - seconds * 1_000_000n) * 1000 });
}
