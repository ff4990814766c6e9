import type { connectNodeAdapter } from "@connectrpc/connect-node";

// The request and response types connect-node's handlers use (HTTP/1.1 or
// HTTP/2; not exported by name), so that the REST gateway's parts take
// exactly what the adapter's fallback hands them.
type NodeHandler = ReturnType<typeof connectNodeAdapter>;

export type NodeRequest = Parameters<NodeHandler>[0];
export type NodeResponse = Parameters<NodeHandler>[1];
