import type { ContextKey, ContextValues } from "@connectrpc/connect";
import { createContextValues } from "@connectrpc/connect";
import { assertHeaderSafe } from "./header-value.js";

/**
 * The organization one call acts in (sent as x-zitadel-orgid). Its id is a
 * registered symbol, not a fresh one, so that the ESM and the CommonJS copy
 * of this package, loaded side by side in one app, share the key.
 */
export const orgIdKey: ContextKey<string | undefined> = {
  id: Symbol.for("zitadel-metadata.orgId"),
  defaultValue: undefined,
};

/**
 * Context values that make one call act in another organization:
 *
 * ```ts
 * await mgmt.getUserMetadata({ id, key }, { contextValues: withOrgId("69629023906488334") });
 * ```
 *
 * Pass existing context values as the second argument to add to them.
 */
export function withOrgId(orgId: string, contextValues: ContextValues = createContextValues()): ContextValues {
  assertHeaderSafe(orgId, "withOrgId(orgId)", "organization id");
  return contextValues.set(orgIdKey, orgId);
}
