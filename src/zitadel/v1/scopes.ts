import type { ScopeRpcs } from "../metadata-port.js";
import type { AuthClient, ManagementClient } from "./clients.js";

// The v1 RPCs behind each scope of the high-level API.

/** A user's metadata in the context organization (ManagementService). */
export function userRpcs(mgmt: ManagementClient, id: string): Required<ScopeRpcs> {
  return {
    get: (key, call) => mgmt.getUserMetadata({ id, key }, call),
    list: (query, queries, call) => mgmt.listUserMetadata({ id, query, queries }, call),
    set: (key, value, call) => mgmt.setUserMetadata({ id, key, value }, call),
    remove: (key, call) => mgmt.removeUserMetadata({ id, key }, call),
    setMany: (metadata, call) => mgmt.bulkSetUserMetadata({ id, metadata }, call),
    removeMany: (keys, call) => mgmt.bulkRemoveUserMetadata({ id, keys }, call),
  };
}

/** The context organization's metadata (ManagementService). */
export function orgRpcs(mgmt: ManagementClient): Required<ScopeRpcs> {
  return {
    get: (key, call) => mgmt.getOrgMetadata({ key }, call),
    list: (query, queries, call) => mgmt.listOrgMetadata({ query, queries }, call),
    set: (key, value, call) => mgmt.setOrgMetadata({ key, value }, call),
    remove: (key, call) => mgmt.removeOrgMetadata({ key }, call),
    setMany: (metadata, call) => mgmt.bulkSetOrgMetadata({ metadata }, call),
    removeMany: (keys, call) => mgmt.bulkRemoveOrgMetadata({ keys }, call),
  };
}

/** The caller's own metadata, read-only (AuthService). */
export function myRpcs(auth: AuthClient): ScopeRpcs {
  return {
    get: (key, call) => auth.getMyMetadata({ key }, call),
    list: (query, queries, call) => auth.listMyMetadata({ query, queries }, call),
  };
}
