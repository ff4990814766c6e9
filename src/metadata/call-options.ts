import type { CallOptions } from "@connectrpc/connect";
import { withOrgId } from "../core/org-context.js";

/** Options every scope method takes. */
export interface MetadataCallOptions {
  /** Cancels the call (and, for list/setMany/removeMany, every request it still has to make). */
  signal?: AbortSignal;
  /** Deadline per request, in milliseconds. */
  timeoutMs?: number;
  /**
   * Act in this organization for this call, overriding the scope's and the
   * transport's: on v1 the x-zitadel-orgid header (the context organization);
   * on v2 the organization of an org() scope (v2 users are found in any
   * organization; the header is still sent, and ZITADEL only checks it exists).
   */
  orgId?: string;
  /** Extra request headers. */
  headers?: HeadersInit;
}

export function toCallOptions(options: MetadataCallOptions | undefined, scopeOrgId: string | undefined): CallOptions {
  const orgId = options?.orgId ?? scopeOrgId;
  return {
    signal: options?.signal,
    timeoutMs: options?.timeoutMs,
    headers: options?.headers,
    contextValues: orgId === undefined ? undefined : withOrgId(orgId),
  };
}
