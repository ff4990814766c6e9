import { Code, ConnectError } from "@connectrpc/connect";
import type { Emulator } from "../emulator/index.js";
import { startEmulator } from "../emulator/index.js";
import type { MetadataApiName, TokenSource, ZitadelProtocol } from "../index.js";
import {
  redact as redactSecrets,
  accessToken,
  createAuthClient,
  createManagementClient,
  createOrganizationServiceV2betaClient,
  createOrganizationServiceV2Client,
  createUserServiceV2Client,
  createZitadelTransport,
  getErrorDetail,
  isConnectV1Refusal,
  ZitadelError,
} from "../index.js";
import type { DemoCommand } from "./args.js";
import type { DemoCall, DemoContext } from "./demo-calls.js";
import { UnexpectedResult, demoCalls } from "./demo-calls.js";
import type { DemoV2Context } from "./demo-calls-v2.js";
import { demoCallsV2 } from "./demo-calls-v2.js";
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
  /** The target user's own token, when the demo has it: v2's "list your own" call. */
  selfAuth: TokenSource | undefined;
  userId: string;
  /** x-zitadel-orgid of the v1 calls; undefined: the caller's own organization. */
  v1OrgId: string | undefined;
  /** The organization v2 names in its org requests; v2 needs it (the parser checks --org-id with --url). */
  orgId: string | undefined;
  /** True when the "my" token is known to belong to userId. */
  meIsTarget: boolean | undefined;
  /** Call v1 over Connect (--connect-v1); otherwise the client refuses it, as ZITADEL does not serve it. */
  connectV1: boolean;
  /** The first stdout lines: what is being called, with whose rights. */
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
    const acme = emulator.org("acme");
    setup = {
      baseUrl: emulator.url,
      adminAuth: accessToken(admin.token),
      meAuth: accessToken(alice.token),
      selfAuth: accessToken(alice.token),
      userId: alice.id,
      // v1 runs in the caller's organization (acme, acme-admin's own); v2 names it.
      v1OrgId: undefined,
      orgId: acme.id,
      meIsTarget: true,
      connectV1: cmd.connectV1,
      intro:
        `zmeta demo: emulator at ${emulator.url}\n` + `acme-admin writes metadata of alice (${alice.id}) and of org acme (${acme.id}); alice reads her own`,
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
      selfAuth: undefined,
      userId,
      v1OrgId: orgId,
      orgId,
      meIsTarget: undefined,
      connectV1: cmd.connectV1,
      intro:
        `zmeta demo: ZITADEL at ${url}\n` +
        `writing metadata of user ${userId} and of ` +
        (orgId === undefined ? "the token's organization" : `organization ${orgId}`) +
        ", then removing it",
      // A getter: the tokens the key file or client secret obtain are known only once the calls ran.
      get secrets() {
        return secretsOf(auth);
      },
    };
    if (cmd.connectV1) {
      io.err(
        "zmeta demo: note: --connect-v1 calls v1 over Connect, which only an emulator started with --connect-v1 serves; against ZITADEL that column fails",
      );
    }
  }

  try {
    return await runAll(cmd, setup, io);
  } finally {
    await emulator?.close();
  }
}

/** One API's table: its calls, their columns and how a column's context is made. */
interface DemoTable<C> {
  api: MetadataApiName;
  /** The line above the table: which services, and which ZITADEL serves them. */
  title: string;
  calls: readonly DemoCall<C>[];
  protocols: readonly ZitadelProtocol[];
  context(protocol: ZitadelProtocol): C;
  /** After each column, with its context (v1 learns whose the "my" token is). */
  afterColumn?(ctx: C): void;
}

/** What one table prints and how it went. */
interface TableResult {
  title: string;
  header: string[];
  rows: string[][];
  /** The summary, and a note on the protocols not served, if any. */
  tail: string[];
  /** Calls that did not behave as expected (n/a excluded). */
  bad: number;
  failures: string[];
}

async function runAll(cmd: DemoCommand, setup: DemoSetup, io: CliIo): Promise<number> {
  let meIsTarget = setup.meIsTarget;
  const results: TableResult[] = [];
  for (const api of cmd.apis) {
    const result =
      api === "v1"
        ? await runTable(
            {
              api,
              title: "v1: ManagementService and AuthService (every ZITADEL; served without Connect)",
              calls: demoCalls,
              protocols: cmd.protocols.v1,
              context: (protocol) => createContext(protocol, setup),
              afterColumn: (ctx) => {
                meIsTarget ??= ctx.meIsTarget;
              },
            },
            setup,
          )
        : await runTable(
            {
              api,
              title: "v2: UserService (ZITADEL v4.0+) and OrganizationService v2 (v4.7+) and v2beta, over all four",
              calls: demoCallsV2.filter((c) => c.needsSelf !== true || setup.selfAuth !== undefined),
              protocols: cmd.protocols.v2,
              context: (protocol) => createV2Context(protocol, setup),
            },
            setup,
          );
    results.push(result);
  }

  io.out(setup.intro);
  // Tables of the same columns share their column widths, so v1 and v2 read side by side.
  const widths = (header: string[]) =>
    header.map((_, col) =>
      Math.max(...results.filter((r) => r.header.join() === header.join()).flatMap((r) => [r.header, ...r.rows].map((row) => (row[col] ?? "").length))),
    );
  for (const result of results) {
    io.out("");
    io.out(result.title);
    for (const line of renderTable(result.header, result.rows, widths(result.header))) io.out(line);
    for (const line of result.tail) io.out(line);
  }
  if (cmd.apis.includes("v1") && meIsTarget === false) {
    io.out("");
    io.out(`note: the token's own user is not ${setup.userId}, so v1's "my" calls were expected not to see the demo key`);
  }
  // Error texts are not trusted to leave credentials out (a token echoed by a proxy, say).
  for (const line of results.flatMap((r) => r.failures)) io.err(redactSecrets(line, setup.secrets));
  return results.every((r) => r.bad === 0) ? 0 : 1;
}

async function runTable<C extends { protocol: ZitadelProtocol }>(table: DemoTable<C>, setup: DemoSetup): Promise<TableResult> {
  const outcomes = new Map<ZitadelProtocol, CallOutcome[]>();
  const failures: string[] = [];
  for (const protocol of table.protocols) {
    const ctx = table.context(protocol);
    const column: CallOutcome[] = [];
    const failed = new Set<string>();
    for (const call of table.calls) {
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
            outcome = { status: "n/a", reason: "not served" };
          } else {
            outcome = { status: "fail", ms, reason: shortReason(e) };
            const where = call.group === undefined ? call.label : `${call.group} ${call.label}`;
            failures.push(`zmeta demo: ${table.api} ${protocol} ${where}: ${longReason(e, protocol, table.api, setup.baseUrl)}`);
          }
        }
      }
      if (outcome.status === "fail" || outcome.status === "skip") failed.add(call.id ?? call.label);
      column.push(outcome);
    }
    table.afterColumn?.(ctx);
    outcomes.set(protocol, column);
  }

  const rows: string[][] = [];
  let group: string | undefined;
  table.calls.forEach((call, i) => {
    if (call.group !== undefined && call.group !== group) rows.push([call.group]);
    group = call.group;
    rows.push([
      call.group === undefined ? call.label : `  ${call.label}`,
      ...table.protocols.map((p) => {
        const outcome = outcomes.get(p)?.[i];
        return outcome === undefined ? "" : formatCell(outcome);
      }),
    ]);
  });

  // A column of nothing but "n/a" is a protocol the server does not serve; the summary says so instead of counting it.
  const notServed = table.protocols.filter((p) => outcomes.get(p)?.every((o) => o.status === "n/a"));
  const all = [...outcomes.values()].flat().filter((o) => o.status !== "n/a");
  const bad = all.filter((o) => o.status !== "ok");
  const skipped = bad.filter((o) => o.status === "skip").length;
  const served = table.protocols.filter((p) => !notServed.includes(p));
  const summary =
    bad.length === 0
      ? served.length === 0
        ? `${table.api}: no call ran`
        : `${table.api}: all ${all.length} calls behaved as expected over ${served.join(", ")}`
      : `${table.api}: ${bad.length} of ${all.length} calls did not behave as expected` +
        (skipped > 0 ? ` (${bad.length - skipped} failed, ${skipped} skipped)` : "") +
        "; reasons on stderr";
  const notServedNote =
    notServed.length === 0 ? [] : [`${table.api}: ${notServed.join(", ")}: not served (${notServedReason}; --connect-v1 opts in, for an emulator only)`];
  return {
    title: table.title,
    header: ["call", ...table.protocols],
    rows,
    tail: [summary, ...notServedNote],
    bad: bad.length,
    failures,
  };
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
    management: createManagementClient(transport(setup.adminAuth, setup.v1OrgId)),
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

function createV2Context(protocol: ZitadelProtocol, setup: DemoSetup): DemoV2Context {
  // v2 takes no x-zitadel-orgid: the user is found wherever it is, the organization goes in the request.
  const transport = (auth: TokenSource) => createZitadelTransport({ baseUrl: setup.baseUrl, protocol, auth, defaultTimeoutMs: callTimeoutMs });
  const admin = transport(setup.adminAuth);
  const encoder = new TextEncoder();
  if (setup.orgId === undefined) throw new Error("zmeta demo: v2 without an organization id");
  return {
    protocol,
    users: createUserServiceV2Client(admin),
    orgs: createOrganizationServiceV2Client(admin),
    orgsBeta: createOrganizationServiceV2betaClient(admin),
    self: setup.selfAuth === undefined ? undefined : createUserServiceV2Client(transport(setup.selfAuth)),
    userId: setup.userId,
    orgId: setup.orgId,
    // Other keys than v1's, and v2beta's apart from v2's (one store), so no table passes on another's writes.
    key: `zmeta.demo.v2.${protocol}`,
    betaKey: `zmeta.demo.v2beta.${protocol}`,
    missingKey: "zmeta.demo.no-such-key",
    userValue: new Uint8Array([...encoder.encode(`zmeta demo v2 over ${protocol} `), ...nonUtf8Tail]),
    orgValue: encoder.encode(`zmeta demo v2 over ${protocol}`),
  };
}

/** The cell text: the code and ZITADEL's error id when there is one, since the id is what people search for. */
function shortReason(e: unknown): string {
  if (e instanceof UnexpectedResult) return e.message;
  const err = ConnectError.from(e);
  return `${Code[err.code]} ${getErrorDetail(err)?.id ?? err.rawMessage}`;
}

/** The stderr line: the full message, plus what usually fixes it. */
function longReason(e: unknown, protocol: ZitadelProtocol, api: MetadataApiName, url: string): string {
  if (e instanceof UnexpectedResult) return e.detail;
  const err = ZitadelError.from(e);
  const hint = hintFor(err, { url, protocol, api, timeoutMs: callTimeoutMs });
  return `${Code[err.code]}: ${err.rawMessage}${hint === undefined ? "" : ` (${hint})`}`;
}
