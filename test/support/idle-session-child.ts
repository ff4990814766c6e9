// A child process for test/keep-alive-session-manager.spec.ts: one call
// through a KeepAliveSessionManager to the server at argv[2], then nothing.
// Prints the answer; must then exit on its own, with its session still open
// and idle (the idle close is 15 minutes away).
import { KeepAliveSessionManager } from "../../src/transport/keep-alive-session-manager.js";

const manager = new KeepAliveSessionManager(process.argv[2]!, { pingIntervalMs: 60_000 });
const stream = await manager.request("POST", "/", {}, {});
stream.end();
let body = "";
stream.on("data", (chunk: Buffer) => {
  body += chunk.toString();
  manager.notifyResponseByteRead(stream);
});
stream.once("end", () => process.stdout.write(`${body}\n`));
