// The facts each ZITADEL API version folder gives the version-neutral code
// (transports, interceptor, retry policies) through src/zitadel/versions.ts.
import { describe, expect, it } from "vitest";
import { AuthService } from "../gen/zitadel/auth_pb.js";
import { ManagementService } from "../gen/zitadel/management_pb.js";
import { UserService } from "../gen/zitadel/user/v2/user_service_pb.js";
import { apiVersionOf, isSafeToRetry, restPrefixOf } from "../src/zitadel/versions.js";

describe("API versions", () => {
  it("v1: REST under /<x>/v1, no Connect; reads and sets may be repeated, removes may not", () => {
    expect(apiVersionOf(ManagementService.typeName)?.name).toBe("v1");
    expect(restPrefixOf(ManagementService.typeName)).toBe("/management/v1");
    expect(restPrefixOf(AuthService.typeName)).toBe("/auth/v1");
    expect(apiVersionOf(AuthService.typeName)?.servesConnect).toBe(false);
    const safe = [...ManagementService.methods, ...AuthService.methods].filter((m) => isSafeToRetry(m.parent.typeName, m.name)).map((m) => m.name);
    expect(safe.sort()).toEqual(
      [
        "SetUserMetadata",
        "BulkSetUserMetadata",
        "ListUserMetadata",
        "GetUserMetadata",
        "SetOrgMetadata",
        "BulkSetOrgMetadata",
        "ListOrgMetadata",
        "GetOrgMetadata",
        "ListMyMetadata",
        "GetMyMetadata",
      ].sort(),
    );
  });

  it("v2: absolute REST paths, Connect served; Set and reads may be repeated, Delete may not", () => {
    expect(apiVersionOf(UserService.typeName)?.name).toBe("v2");
    expect(restPrefixOf(UserService.typeName)).toBe("");
    expect(apiVersionOf(UserService.typeName)?.servesConnect).toBe(true);
    const byName = Object.fromEntries(UserService.methods.map((m) => [m.name, isSafeToRetry(UserService.typeName, m.name)]));
    expect(byName).toMatchObject({ SetUserMetadata: true, ListUserMetadata: true, DeleteUserMetadata: false });
  });

  it("a service that is not ZITADEL's: no prefix, no version, never retried", () => {
    expect(apiVersionOf("acme.v1.Thing")).toBeUndefined();
    expect(restPrefixOf("acme.v1.Thing")).toBe("");
    expect(isSafeToRetry("acme.v1.Thing", "GetThing")).toBe(false);
  });
});
