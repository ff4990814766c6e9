import type { MetadataClient, MetadataScope, ReadonlyMetadataScope } from "../index.js";
import type { ConnectionSettings } from "./connection-args.js";
import type { ScopeSelector, WritableScope } from "./metadata-args.js";

/**
 * The high-level API's scope for a selector. The organization is the
 * client's (--org-id): on v1 the context organization, else the caller's
 * own; on v2 it must be given, or org() throws a ZitadelConfigError (exit 2).
 */
export function readScope(md: MetadataClient, scope: ScopeSelector): ReadonlyMetadataScope {
  return scope.kind === "me" ? md.me() : writeScope(md, scope);
}

export function writeScope(md: MetadataClient, scope: WritableScope): MetadataScope {
  return scope.kind === "user" ? md.user(scope.userId) : md.org();
}

/** Whose metadata, for messages: "user 123", "organization 456", "the token's own user". */
export function describeScope(scope: ScopeSelector, connection: ConnectionSettings): string {
  switch (scope.kind) {
    case "user":
      return `user ${scope.userId}`;
    case "org":
      return connection.orgId === undefined ? "the token's organization" : `organization ${connection.orgId}`;
    case "me":
      return "the token's own user";
  }
}
