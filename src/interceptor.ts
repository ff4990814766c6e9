import type { ContextValues, Interceptor } from "@connectrpc/connect";
import { Code, ConnectError, createContextKey, createContextValues } from "@connectrpc/connect";
import type { Auth } from "./auth/token-source.js";
import { assertHeaderSafe } from "./header-value.js";

const orgIdKey = createContextKey<string | undefined>(undefined, {
  description: "x-zitadel-orgid for one call",
});

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

export interface ZitadelInterceptorOptions {
  /** A bearer token, or a source that yields one per call. Sent as `authorization: Bearer <token>`. */
  auth?: Auth;
  /** Default `x-zitadel-orgid`; a call's {@link withOrgId} wins over it. */
  orgId?: string;
}

/**
 * The interceptor every ZITADEL call needs: it sets `authorization` and, when
 * an organization is known, `x-zitadel-orgid`. Headers the caller set
 * explicitly on a call are left as they are. Put it on any Connect transport.
 */
export function createZitadelInterceptor(options: ZitadelInterceptorOptions): Interceptor {
  const { auth, orgId } = options;
  if (typeof auth === "string") assertHeaderSafe(auth, 'option "auth"', "token");
  else if (auth !== undefined && typeof auth !== "function") {
    throw new TypeError('option "auth": expected a token string or a function that returns one.');
  }
  if (orgId !== undefined) assertHeaderSafe(orgId, 'option "orgId"', "organization id");
  return (next) => async (req) => {
    if (auth !== undefined && !req.header.has("authorization")) {
      const token = typeof auth === "string" ? auth : await auth(req.signal);
      try {
        assertHeaderSafe(token, 'the token returned by option "auth"', "token");
      } catch (e) {
        // Fail the call before anything is sent; the message never includes the token.
        throw new ConnectError((e as Error).message, Code.InvalidArgument);
      }
      req.header.set("authorization", `Bearer ${token}`);
    }
    const org = req.contextValues.get(orgIdKey) ?? orgId;
    if (org !== undefined && !req.header.has("x-zitadel-orgid")) req.header.set("x-zitadel-orgid", org);
    return next(req);
  };
}
