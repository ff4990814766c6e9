// A child process for test/keep-alive-session-manager.spec.ts: whether a
// KeepAliveSessionManager keeps the process alive exactly while a call needs
// it. Each scenario prints what it saw, a line at a time, and must then exit
// on its own; the test kills it after 30 s, and reads a kill as "kept alive".
//
//   node --import tsx session-lifetime-child.ts <scenario> <url>
//
// idle:            one call, then nothing: the idle session (its idle close is 15 minutes away) must not hold the process.
// idle-ping:       one call, then "ok"; waits for a line on stdin (the test has silenced the path), lets a keep-alive PING
//                  go unanswered: that PING (its timeout is 60 s) must not hold the process either.
// waiting:         a held call A, then "holding"; after a line on stdin (path silenced), call B waits on the session's PING,
//                  and A is closed: B still holds the process until its PING times out and it is sent on a new connection.
// connect-timeout: a connect that never completes (connectTimeoutMs 500): the failure is printed, and the socket
//                  must not hold the process.
import * as http2 from "node:http2";
import { KeepAliveSessionManager } from "../../src/transport/keep-alive-session-manager.js";
import { callThrough as call } from "./session-manager-call.js";

const [scenario, url] = process.argv.slice(2) as [string, string];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The next line on stdin; stdin is then let go, so that it holds the process no longer. */
function nextLine(): Promise<void> {
  return new Promise((resolve) => {
    process.stdin.once("data", () => {
      process.stdin.destroy();
      resolve();
    });
  });
}

const say = (line: string) => process.stdout.write(`${line}\n`);

switch (scenario) {
  case "idle": {
    const manager = new KeepAliveSessionManager(url, { pingIntervalMs: 60_000 });
    say(await call(manager));
    break;
  }
  case "idle-ping": {
    const manager = new KeepAliveSessionManager(url, { pingIntervalMs: 50, pingIdleConnection: true, pingTimeoutMs: 60_000 });
    say(await call(manager));
    await nextLine();
    // Long enough for a keep-alive PING to go out into the silence.
    await sleep(300);
    say("idle");
    break;
  }
  case "waiting": {
    const manager = new KeepAliveSessionManager(url, { pingIntervalMs: 100, pingTimeoutMs: 2_000 });
    const a = await manager.request("POST", "/hold", {}, {});
    a.on("error", () => {});
    say("holding");
    await nextLine();
    // Past the PING interval: B's request waits on a PING into the silence.
    await sleep(300);
    const b = call(manager);
    await sleep(100);
    a.close(http2.constants.NGHTTP2_CANCEL);
    say(`B ${await b}`);
    break;
  }
  case "connect-timeout": {
    const manager = new KeepAliveSessionManager(url, { connectTimeoutMs: 500 });
    await call(manager).then(
      () => say("connected?"),
      (e: unknown) => say(e instanceof Error ? e.message : String(e)),
    );
    break;
  }
  default:
    throw new Error(`unknown scenario ${scenario}`);
}
