// The "zitadel-metadata/quick" entry (Node): the high-level API straight from
// transport options, for scripts that want one line. It keeps every
// transport; apps that care about size build one transport and pass it to
// createMetadataClient from the main entry.
import type { Transport } from "@connectrpc/connect";
import type { MetadataClient, MetadataClientOptions } from "./metadata/client.js";
import { isTransport, metadataClientFor } from "./metadata/client.js";
import type { ZitadelTransportOptions } from "./transport/node.js";
import { createZitadelTransport } from "./transport/node.js";

/**
 * The high-level metadata API on the options for a transport (or on a transport):
 *
 * ```ts
 * import { createMetadataClient } from "zitadel-metadata/quick";
 * const md = createMetadataClient({ baseUrl, protocol: "grpc", auth: accessToken(pat) });
 * const v2 = createMetadataClient({ baseUrl, protocol: "connect", auth: accessToken(pat), orgId }, { api: "v2" });
 * ```
 */
export function createMetadataClient(target: Transport | ZitadelTransportOptions, options?: MetadataClientOptions): MetadataClient {
  if (isTransport(target)) return metadataClientFor(target, options);
  // The transport's organization is also the one org() means (v2 needs it in the request).
  const orgId = options?.orgId ?? target.orgId;
  return metadataClientFor(createZitadelTransport(target), { ...options, ...(orgId === undefined ? {} : { orgId }) });
}
