// A host that drops SYNs (a firewall, a host that is down): the connect
// never completes and never fails. A call to it must fail at its deadline,
// or at connectTimeoutMs, and the process must then be free to exit: no
// socket still connecting and no connect timer may hold it (a script or cron
// job whose call failed used to hang for two minutes more, until the
// kernel gave up on the SYNs). Each run is a child process that makes one
// call and then returns; it is killed after 30 s, which the test reads as
// "held".
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SynDropPeer } from "./support/syn-drop-peer.js";
import { startSynDropPeer } from "./support/syn-drop-peer.js";
import { root, run } from "./support/packed-package.js";

let peer: SynDropPeer;

beforeAll(async () => {
  peer = await startSynDropPeer();
}, 60_000);

afterAll(async () => {
  await peer?.close();
});

interface Ended {
  code: string;
  message: string;
  ms: number;
}

async function callOnce(protocol: string, httpVersion: string, scenario: string): Promise<Ended> {
  const child = join(root, "test", "support", "unreachable-child.ts");
  const r = await run(process.execPath, ["--import", "tsx", child, peer.url, protocol, httpVersion, scenario], root, { timeoutMs: 30_000 });
  expect(r.code, `the process did not exit on its own after the call ended\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`).toBe(0);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as Ended;
}

const timeout = { timeout: 60_000 };

describe("a host that drops SYNs", () => {
  const lanes = [
    ["grpc", "2"],
    ["grpc-web", "2"],
    ["connect", "2"],
    ["rest", "2"],
    ["grpc-web", "1.1"],
    ["connect", "1.1"],
    ["rest", "1.1"],
  ] as const;

  for (const [protocol, httpVersion] of lanes) {
    it(`${protocol} over HTTP/${httpVersion}: the call fails at its deadline, and the process exits (the connect is given up)`, timeout, async () => {
      const ended = await callOnce(protocol, httpVersion, "deadline");
      expect(ended).toMatchObject({ code: "DeadlineExceeded", message: expect.stringContaining("got no complete response within 1 s") });
    });
  }

  for (const protocol of ["grpc", "grpc-web", "connect", "rest"]) {
    it(`${protocol} over HTTP/2 without a deadline: connectTimeoutMs fails the call Unavailable, and the process exits`, timeout, async () => {
      const ended = await callOnce(protocol, "2", "connect-timeout");
      expect(ended).toMatchObject({ code: "Unavailable", message: expect.stringContaining(`connecting to ${peer.url} did not complete within 500 ms`) });
    });
  }
});
