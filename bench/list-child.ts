// Reads 100,000 entries one way in a fresh process, so RSS growth is this work's alone.
// Usage: node --import tsx bench/list-child.ts URL TOKEN USER_ID stream|one-shot
// Prints one JSON line: { ms, rssGrowthMb, entries, requests }.
import type { Interceptor } from "@connectrpc/connect";
import { TextQueryMethod } from "../gen/zitadel/object_pb.js";
import { createManagementClient, createMetadataClient, createZitadelTransport } from "../src/index.js";
import { measure } from "./measure.js";

const [url, token, userId, mode] = process.argv.slice(2) as [string, string, string, string];
let requests = 0;
const count: Interceptor = (next) => (req) => {
  requests++;
  return next(req);
};
const transport = createZitadelTransport({ baseUrl: url, protocol: "grpc", auth: token, interceptors: [count] });
// Warm up connection and code paths so the measurement is the listing only.
await createManagementClient(transport).getUserMetadata({ id: userId, key: "list.000000" });

const result = await measure(async () => {
  if (mode === "stream") {
    let n = 0;
    for await (const entry of createMetadataClient(transport).user(userId).list({ prefix: "list.", pageSize: 1000 })) {
      if (entry.key) n++;
    }
    return n;
  }
  const res = await createManagementClient(transport).listUserMetadata({
    id: userId,
    query: { limit: 0, asc: true },
    queries: [{ query: { case: "keyQuery", value: { key: "list.", method: TextQueryMethod.STARTS_WITH } } }],
  });
  return res.result.length;
});
process.stdout.write(`${JSON.stringify({ ms: result.ms, rssGrowthMb: result.rssGrowthMb, entries: result.result, requests: requests - 1 })}\n`);
