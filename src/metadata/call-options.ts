import type { CallOptions } from "@connectrpc/connect";
import { withOrgId } from "../core/org-context.js";

/** Options every scope method takes. */
export interface MetadataCallOptions {
  /** Cancels the call (and, for list/setMany/removeMany, every request it still has to make). */
  signal?: AbortSignal;
  /** Deadline per request, in milliseconds. */
  timeoutMs?: number;
  /** Act in this organization for this call (x-zitadel-orgid), overriding the scope's and the transport's. */
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
