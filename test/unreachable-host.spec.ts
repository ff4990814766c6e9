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
  /** connectionFailureOf(error)?.kind */
  kind: string | null;
  message: string;
  /** The messages of the error's causes, outermost first. */
  causes: string[];
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

  const noAnswer = () => `127.0.0.1:${peer.port} did not answer the connection (a firewall that drops it, or a host that is down)`;

  for (const [protocol, httpVersion] of lanes) {
    it(`${protocol} over HTTP/${httpVersion}: the call fails at its deadline, and the process exits (the connect is given up)`, timeout, async () => {
      const ended = await callOnce(protocol, httpVersion, "deadline");
      if (httpVersion === "2") {
        // Our session manager knows the call waited on a connect all along, and says so.
        expect(ended).toMatchObject({
          code: "DeadlineExceeded",
          kind: "no-answer",
          message: expect.stringContaining(`the call's deadline passed while connecting: ${noAnswer()}: check the host and port in baseUrl`),
        });
        expect(ended.causes).toContainEqual(expect.stringContaining("got no complete response within 1 s"));
      } else {
        // Over HTTP/1.1 Node's agent connects: the deadline's own message, without the cause.
        expect(ended).toMatchObject({ code: "DeadlineExceeded", kind: null, message: expect.stringContaining("got no complete response within 1 s") });
      }
    });
  }

  it("rest on the global fetch without a deadline: undici's connect timeout is explained the same way", timeout, async () => {
    const ended = await callOnce("rest", "1.1", "fetch");
    expect(ended).toMatchObject({
      code: "Unavailable",
      kind: "no-answer",
      message: expect.stringContaining(`${noAnswer()}: check the host and port in baseUrl`),
    });
  });

  it("zmeta over gRPC: exit 1 at --timeout, with the cause and the fix in the CLI's flags", timeout, async () => {
    const zmeta = join(root, "bin", "zmeta.js");
    const r = await run(process.execPath, [zmeta, "get", "-u", "1", "plan", "--url", peer.url, "--token", "pat-unreachable", "--timeout", "2s"], root, {
      timeoutMs: 30_000,
    });
    expect(r).toMatchObject({ code: 1, stdout: "" });
    expect(r.stderr.trim()).toBe(
      `zmeta get: DeadlineExceeded: ${noAnswer()}. Hint: check the host and port in --url (or ZITADEL_URL), and that this machine may reach them`,
    );
  });

  for (const protocol of ["grpc", "grpc-web", "connect", "rest"]) {
    it(`${protocol} over HTTP/2 without a deadline: connectTimeoutMs fails the call Unavailable, and the process exits`, timeout, async () => {
      const ended = await callOnce(protocol, "2", "connect-timeout");
      expect(ended).toMatchObject({
        code: "Unavailable",
        kind: "no-answer",
        message: expect.stringContaining(`${noAnswer()}: check the host and port in baseUrl`),
      });
      expect(ended.causes).toContainEqual(expect.stringContaining(`connecting to ${peer.url} did not complete within 500 ms`));
    });
  }
});
