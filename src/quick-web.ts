// The "zitadel-metadata/quick" entry in browsers: createMetadataClient on
// transport options. It keeps all three browser transports in a bundle; a
// size-minded app passes one transport (createZitadelGrpcWebTransport, say)
// to createMetadataClient from the main entry instead.
import type { Transport } from "@connectrpc/connect";
import type { MetadataClient, MetadataClientOptions } from "./metadata/client.js";
import { isTransport, metadataClientFor } from "./metadata/client.js";
import type { WebZitadelTransportOptions } from "./transport/web.js";
import { createZitadelTransport } from "./transport/web.js";

/** The high-level metadata API on the options for a browser transport (or on a transport). */
export function createMetadataClient(target: Transport | WebZitadelTransportOptions, options?: MetadataClientOptions): MetadataClient {
  if (isTransport(target)) return metadataClientFor(target, options);
  // The transport's organization is also the one org() means (v2 needs it in the request).
  const orgId = options?.orgId ?? target.orgId;
  return metadataClientFor(createZitadelTransport(target), { ...options, ...(orgId === undefined ? {} : { orgId }) });
}
