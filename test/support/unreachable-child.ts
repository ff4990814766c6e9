// A child process for test/unreachable-host.spec.ts: one metadata call to a
// host whose connects never complete, then nothing: the process must exit
// on its own once the call has failed. It prints one line, the JSON of how
// the call ended: {"code": "DeadlineExceeded", "kind": "no-answer", "message": ..., "causes": [...], "ms": ...}.
//
//   node --import tsx unreachable-child.ts <url> <protocol> <httpVersion> <case>
//
// httpVersion: 1.1 | 2 (grpc: 2 only)
// case: deadline          a deadline of 1 s (and over HTTP/2 a connect timeout of 120 s, far after it)
//       connect-timeout   no deadline, a connect timeout of 500 ms, no retries (HTTP/2 only)
//       fetch             rest on the global fetch, no deadline, no retries: undici's connect timeout
import { Code } from "@connectrpc/connect";
import type { ZitadelProtocol, ZitadelTransportOptions } from "../../src/index.js";
import { connectionFailureOf, createMetadataClient, createZitadelTransport, ZitadelError } from "../../src/index.js";

const [url, protocol, httpVersion, scenario] = process.argv.slice(2) as [string, ZitadelProtocol, "1.1" | "2", "deadline" | "connect-timeout" | "fetch"];

const options: ZitadelTransportOptions = { baseUrl: url, protocol, auth: "pat-unreachable" };
if (protocol !== "grpc") options.httpVersion = httpVersion;
if (scenario === "deadline") {
  options.defaultTimeoutMs = 1_000;
  if (httpVersion === "2") options.connectTimeoutMs = 120_000;
} else if (scenario === "connect-timeout") {
  options.defaultTimeoutMs = 0;
  options.connectTimeoutMs = 500;
  options.retry = false;
} else {
  // REST on Node's fetch: undici's own connect timeout (10 s).
  options.httpVersion = undefined;
  options.fetch = globalThis.fetch;
  options.defaultTimeoutMs = 0;
  options.retry = false;
}

const started = Date.now();
const client = createMetadataClient(createZitadelTransport(options), protocol === "connect" ? { api: "v2", orgId: "1" } : {});
await client
  .user("1")
  .get("k")
  .then(
    () => console.log(JSON.stringify({ code: "ok" })),
    (e: unknown) => {
      const error = ZitadelError.from(e);
      const causes: string[] = [];
      for (let c: unknown = error.cause; c instanceof Error && causes.length < 8; c = c.cause) causes.push(c.message);
      const kind = connectionFailureOf(error)?.kind ?? null;
      console.log(JSON.stringify({ code: Code[error.code], kind, message: error.message, causes, ms: Date.now() - started }));
    },
  );
