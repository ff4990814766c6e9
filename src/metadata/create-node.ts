import type { Transport } from "@connectrpc/connect";
import type { ZitadelTransportOptions } from "../transport/node.js";
import { createZitadelTransport } from "../transport/node.js";
import type { MetadataClient } from "./client.js";
import { isTransport, metadataClientFor } from "./client.js";

/**
 * The high-level metadata API, on a transport or on the options for one:
 *
 * ```ts
 * const md = createMetadataClient({ baseUrl, protocol: "grpc", auth: accessToken(pat) });
 * await md.user(userId).set("plan", "pro");
 * ```
 */
export function createMetadataClient(target: Transport | ZitadelTransportOptions): MetadataClient {
  return metadataClientFor(isTransport(target) ? target : createZitadelTransport(target));
}
