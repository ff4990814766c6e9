// One call through an HTTP/2 session manager (connect-node's interface), the
// way connect-node's HTTP client makes it: a stream from request(), the body
// read with notifyResponseByteRead() after each chunk. For
// test/keep-alive-session-manager.spec.ts and its child process.
import * as http2 from "node:http2";
import type { NodeHttp2ClientSessionManager } from "../../src/transport/keep-alive-session-manager.js";

/** Requests `path` and resolves to the response body; rejects on a stream error or reset. */
export async function callThrough(manager: NodeHttp2ClientSessionManager, path = "/"): Promise<string> {
  const stream = await manager.request("POST", path, {}, {});
  stream.end();
  return new Promise<string>((resolve, reject) => {
    let body = "";
    stream.on("data", (chunk: Buffer) => {
      body += chunk.toString();
      manager.notifyResponseByteRead(stream);
    });
    stream.once("end", () => resolve(body));
    stream.once("error", reject);
    stream.once("close", () => {
      if (stream.rstCode !== http2.constants.NGHTTP2_NO_ERROR) reject(new Error(`stream reset with code ${stream.rstCode}`));
    });
  });
}
