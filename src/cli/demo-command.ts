import { Code, ConnectError } from "@connectrpc/connect";
import type { Emulator } from "../emulator/index.js";
import { startEmulator } from "../emulator/index.js";
import type { TokenSource, ZitadelProtocol } from "../index.js";
import {
  redact as redactSecrets,
  accessToken,
  createAuthClient,
  createManagementClient,
  createZitadelTransport,
  getErrorDetail,
  isConnectV1Refusal,
  ZitadelError,
} from "../index.js";
import type { DemoCommand } from "./args.js";
import type { DemoContext } from "./demo-calls.js";
import { UnexpectedResult, demoCalls } from "./demo-calls.js";
import type { CallOutcome } from "./demo-table.js";
import { formatCell, renderTable } from "./demo-table.js";
import type { CliIo } from "./io.js";
import { hintFor } from "./hints.js";
import { secretsOf, tokenSourceFor } from "./open-client.js";

/** Who the demo acts as and on. Credentials stay in here and are never printed. */
interface DemoSetup {
  baseUrl: string;
  /** Token source for the management calls (writes on the user and the org). */
  adminAuth: TokenSource;
  /** Token source for the "my" calls. */
  meAuth: TokenSource;
  userId: string;
  orgId: string | undefined;
  /** True when the "my" token is known to belong to userId. */
  meIsTarget: boolean | undefined;
  /** Call v1 over Connect (--connect-v1); otherwise the client refuses it, as ZITADEL does not serve it. */
  connectV1: boolean;
  /** First stdout line: what is being called, with whose rights. */
  intro: string;
  /** Credentials to keep out of every line printed. */
  secrets: string[];
}

/** Deadline per call, so an unreachable or silent server fails a cell instead of hanging the demo. */
const callTimeoutMs = 10_000;

/** Bytes that are not valid UTF-8 (a lone 0xff, a broken 2-byte sequence, a NUL) prove values travel as bytes. */
const nonUtf8Tail = [0x00, 0xff, 0xfe, 0xc3, 0x28, 0x80];

/**
 * `zmeta demo`: runs {@link demoCalls} over each protocol and prints a table.
 * Resolves to 0 when every call behaved as expected, else 1.
 */
export async function runDemoCommand(cmd: DemoCommand, io: CliIo): Promise<number> {
  let emulator: Emulator | undefined;
  let setup: DemoSetup;
  if (cmd.target.kind === "emulator") {
    try {
      emulator = await startEmulator({ port: 0, connectV1: cmd.connectV1 });
    } catch (e) {
      io.err(`zmeta demo: could not start the in-process emulator: ${(e as Error).message}`);
      return 1;
    }
    const admin = emulator.user("acme-admin");
    const alice = emulator.user("alice");
    setup = {
      baseUrl: emulator.url,
      adminAuth: accessToken(admin.token),
      meAuth: accessToken(alice.token),
      userId: alice.id,
      orgId: undefined,
      meIsTarget: true,
      connectV1: cmd.connectV1,
      intro: `zmeta demo: emulator at ${emulator.url}; acme-admin writes metadata of alice (${alice.id}) and of org acme, alice reads her own`,
      secrets: [admin.token, alice.token],
    };
  } else {
    const { url, auth, userId, orgId } = cmd.target;
    let source: TokenSource;
    try {
      // Built here so a pasted newline or a missing key file is one clear line, not a failure in every cell.
      source = await tokenSourceFor(auth);
    } catch (e) {
      io.err(redactSecrets(`zmeta demo: ${(e as Error).message}`, secretsOf(auth)));
      return 2;
    }
    setup = {
      baseUrl: url,
      // One source for both, so a key file or client secret costs one token request, not one per protocol.
      adminAuth: source,
      meAuth: source,
      userId,
      orgId,
      meIsTarget: undefined,
      connectV1: cmd.connectV1,
      intro:
        `zmeta demo: ZITADEL at ${url}; writing metadata of user ${userId} and of ` +
        (orgId === undefined ? "the token's organization" : `organization ${orgId}`) +
        ", then removing it",
      secrets: secretsOf(auth),
    };
    if (cmd.connectV1) {
      io.err("zmeta demo: note: --connect-v1 calls v1 over Connect, which only an emulator started with --connect-v1 serves; against ZITADEL that column fails");
    }
  }

  try {
    return await runAll(cmd.protocols, setup, io);
  } finally {
    await emulator?.close();
  }
}

async function runAll(protocols: readonly ZitadelProtocol[], setup: DemoSetup, io: CliIo): Promise<number> {
  const outcomes = new Map<ZitadelProtocol, CallOutcome[]>();
  const failures: string[] = [];
  let meIsTarget = setup.meIsTarget;
  for (const protocol of protocols) {
    const ctx = createContext(protocol, setup);
    const column: CallOutcome[] = [];
    const failed = new Set<string>();
    for (const call of demoCalls) {
      const blocker = call.needs.find((n) => failed.has(n));
      let outcome: CallOutcome;
      if (blocker !== undefined) {
        outcome = { status: "skip", reason: `${blocker} failed` };
      } else {
        const started = performance.now();
        try {
          await call.run(ctx);
          outcome = { status: "ok", ms: performance.now() - started };
        } catch (e) {
          const ms = performance.now() - started;
          if (isConnectV1Refusal(e)) {
            // The client refused before sending, as ZITADEL would not serve it: expected, not a failure.
            outcome = { status: "n/a", reason: notServedReason };
          } else {
            outcome = { status: "fail", ms, reason: shortReason(e) };
            failures.push(`zmeta demo: ${protocol} ${call.label}: ${longReason(e, protocol, setup.baseUrl)}`);
          }
        }
      }
      if (outcome.status === "fail" || outcome.status === "skip") failed.add(call.label);
      column.push(outcome);
    }
    meIsTarget ??= ctx.meIsTarget;
    outcomes.set(protocol, column);
  }

  const header = ["call", ...protocols];
  const rows = demoCalls.map((call, i) => [
    call.label,
    ...protocols.map((p) => {
      const outcome = outcomes.get(p)?.[i];
      return outcome === undefined ? "" : formatCell(outcome);
    }),
  ]);
  io.out(setup.intro);
  for (const line of renderTable(header, rows)) io.out(line);
  if (meIsTarget === false) {
    io.out(
      `note: the token's own user is not ${setup.userId}, so ListMyMetadata/GetMyMetadata were expected not to see the demo key`,
    );
  }

  // A column of nothing but "n/a" is a protocol the server does not serve; the summary says so instead of counting it.
  const notServed = protocols.filter((p) => outcomes.get(p)?.every((o) => o.status === "n/a"));
  const all = [...outcomes.values()].flat().filter((o) => o.status !== "n/a");
  const bad = all.filter((o) => o.status !== "ok");
  const skipped = bad.filter((o) => o.status === "skip").length;
  const notServedNote =
    notServed.length === 0
      ? ""
      : `; ${notServed.join(", ")}: not served (${notServedReason}; --connect-v1 opts in, for an emulator only)`;
  // Error texts are not trusted to leave credentials out (a token echoed by a proxy, say).
  for (const line of failures) io.err(redactSecrets(line, setup.secrets));
  if (bad.length === 0) {
    const served = protocols.filter((p) => !notServed.includes(p));
    io.out(
      (served.length === 0 ? "no call ran" : `all ${all.length} calls behaved as expected over ${served.join(", ")}`) + notServedNote,
    );
    return 0;
  }
  io.out(
    `${bad.length} of ${all.length} calls did not behave as expected` +
      (skipped > 0 ? ` (${bad.length - skipped} failed, ${skipped} skipped)` : "") +
      notServedNote +
      "; reasons on stderr",
  );
  return 1;
}

/** What a connect cell says when the call is one ZITADEL does not serve over Connect. */
const notServedReason = "ZITADEL v1 has no Connect";

function createContext(protocol: ZitadelProtocol, setup: DemoSetup): DemoContext {
  const transport = (auth: TokenSource, orgId: string | undefined) =>
    createZitadelTransport({
      baseUrl: setup.baseUrl,
      protocol,
      ...(protocol === "connect" && setup.connectV1 ? { connectV1: true } : {}),
      auth,
      orgId,
      defaultTimeoutMs: callTimeoutMs,
    });
  const encoder = new TextEncoder();
  return {
    protocol,
    management: createManagementClient(transport(setup.adminAuth, setup.orgId)),
    // The "my" calls act on the token's user wherever it belongs; an org header adds nothing there.
    auth: createAuthClient(transport(setup.meAuth, undefined)),
    userId: setup.userId,
    // One key per protocol, so no column can pass on a value another one wrote.
    key: `zmeta.demo.${protocol}`,
    missingKey: "zmeta.demo.no-such-key",
    userValue: new Uint8Array([...encoder.encode(`zmeta demo over ${protocol} `), ...nonUtf8Tail]),
    orgValue: encoder.encode(`zmeta demo over ${protocol}`),
    meIsTarget: setup.meIsTarget,
  };
}

/** The cell text: the code and ZITADEL's error id when there is one, since the id is what people search for. */
function shortReason(e: unknown): string {
  if (e instanceof UnexpectedResult) return e.message;
  const err = ConnectError.from(e);
  return `${Code[err.code]} ${getErrorDetail(err)?.id ?? err.rawMessage}`;
}

/** The stderr line: the full message, plus what usually fixes it. */
function longReason(e: unknown, protocol: ZitadelProtocol, url: string): string {
  if (e instanceof UnexpectedResult) return e.detail;
  const err = ZitadelError.from(e);
  const hint = hintFor(err, { url, protocol, timeoutMs: callTimeoutMs });
  return `${Code[err.code]}: ${err.rawMessage}${hint === undefined ? "" : ` (${hint})`}`;
}
