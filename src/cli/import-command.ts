import { createReadStream } from "node:fs";
import { once } from "node:events";
import { Code, ConnectError } from "@connectrpc/connect";
import type { MetadataClient, MetadataScope } from "../index.js";
import { runBatches, splitIntoBatches, ZitadelError } from "../index.js";
import type { ConnectionSettings } from "./connection-args.js";
import type { ImportEntry } from "./import-lines.js";
import { parseImportLine } from "./import-lines.js";
import type { CliIo } from "./io.js";
import { exitCodes } from "./io.js";
import { readLines } from "./line-reader.js";
import type { ImportCommand } from "./metadata-args.js";
import type { Interruption, StopSignal } from "./interrupt.js";
import { signalExitCode, watchInterrupts } from "./interrupt.js";
import type { Progress } from "./progress.js";
import { startProgress } from "./progress.js";
import { reportFailure } from "./report-error.js";
import { runWithClient } from "./run-with-client.js";

/** The longest line a valid entry can make: a 500000-byte value in base64, a 200-character key, an id, the JSON around them. */
const maxLineBytes = 1024 * 1024;

/** Entries per setMany call: the bulk API's request size, and the step the progress bar moves in. */
const entriesPerWrite = 500;

/**
 * Bytes per setMany call, as the library counts them (key + value + 16). The
 * CLI makes the requests itself so that each call is exactly one request: a
 * failure then tells exactly which entries were stored.
 */
const bytesPerWrite = 3 * 1024 * 1024;

/** Everything the input holds for one user or organization. */
interface Target {
  scope: "user" | "org";
  id: string;
  /** Key → value and the line it came from, in input order. */
  entries: Map<string, { value: Uint8Array; line: number }>;
}

/** What has to be written to one target. */
interface Plan {
  target: Target;
  changed: [string, Uint8Array][];
  unchanged: number;
}

/**
 * `zmeta import`: reads NDJSON as `zmeta export` writes it, checks every
 * line before writing anything, then per user and organization sends only
 * the entries whose stored value differs (so running it again is a no-op),
 * with bulk requests and bounded concurrency.
 */
export async function runImportCommand(cmd: ImportCommand, io: CliIo): Promise<number> {
  let progress: Progress | undefined;
  // The bar goes at once, so the terminal is usable again even if the process is killed right after.
  const interruption = watchInterrupts({ onSignal: () => progress?.stop() });
  try {
    return await importEntries(cmd, io, interruption, (p) => (progress = p));
  } finally {
    interruption.stop();
  }
}

async function importEntries(cmd: ImportCommand, io: CliIo, interruption: Interruption, showing: (p: Progress) => void): Promise<number> {
  const { abortSignal } = interruption;
  const input = await openInput(cmd, io);
  if (!input.ok) {
    io.err(`zmeta import: ${input.problem}`);
    return exitCodes.usage;
  }
  const read = await readTargets(input.stream, abortSignal);
  if (interruption.signal !== undefined) {
    io.err(`zmeta import: interrupted by ${interruption.signal} while reading the input; nothing was written`);
    return signalExitCode(interruption.signal);
  }
  if (!read.ok) {
    for (const problem of read.problems) io.err(`zmeta import: ${problem}`);
    return exitCodes.usage;
  }
  const { targets, entries } = read;
  if (entries === 0) {
    io.err(`zmeta import: ${cmd.file ?? "stdin"} holds no entries; nothing to do`);
    if (cmd.json) io.out(JSON.stringify(outcomeJson(cmd, [], 0)));
    return exitCodes.ok;
  }
  const what = `${entries} ${entries === 1 ? "entry" : "entries"} for ${describeTargets(targets)}`;

  return runWithClient("import", cmd.connection, io, async (md) => {
    const progress = startProgress(io, { label: cmd.dryRun ? "compare" : "import", unit: "entries", total: entries });
    showing(progress);
    if (abortSignal.aborted) progress.stop();
    const failed = (target: Target | undefined, e: unknown) => {
      progress.stop();
      return reportFailure("import", e, cmd.connection, (line) => io.err(line), target === undefined ? "" : `${targetName(target, cmd.connection)}: `);
    };
    // What the server confirmed, and what went in requests whose answer never came (stored or not: nobody knows).
    const tally = { unchanged: 0, written: 0, uncertain: 0 };
    const interrupted = (signal: StopSignal) => {
      progress.stop();
      io.err(`zmeta import: interrupted by ${signal}: ${describeTally(tally, entries)}; running the same import again finishes the job`);
      return signalExitCode(signal);
    };

    let plans: Plan[];
    try {
      plans = await runBatches(
        targets,
        cmd.concurrency,
        async (target) => {
          try {
            const plan = await planTarget(scopeOf(md, target), target, abortSignal);
            tally.unchanged += plan.unchanged;
            // Unchanged entries are done already; the rest move the bar as they are written.
            progress.advance(cmd.dryRun ? target.entries.size : plan.unchanged);
            return plan;
          } catch (e) {
            throw new TargetFailure(target, e);
          }
        },
        abortSignal,
      );
    } catch (e) {
      if (interruption.signal !== undefined) return interrupted(interruption.signal);
      const code = e instanceof TargetFailure ? failed(e.target, e.cause) : failed(undefined, e);
      // Lists only so far: this much is certain.
      if (!cmd.dryRun) io.err("zmeta import: nothing was written (it failed while comparing with what is stored); running the same import again starts over");
      return code;
    }
    const toWrite = plans.reduce((n, p) => n + p.changed.length, 0);
    const unchanged = entries - toWrite;

    if (cmd.dryRun) {
      progress.stop();
      if (cmd.json) io.out(JSON.stringify(outcomeJson(cmd, plans, 0)));
      else {
        for (const plan of plans) {
          io.out(
            `${targetName(plan.target, cmd.connection)}: ${plan.target.entries.size} entries, ` +
              `${plan.changed.length} to write, ${plan.unchanged} unchanged`,
          );
        }
      }
      io.err(`zmeta import: dry run: ${what}: ${toWrite} would be written, ${unchanged} unchanged; nothing was written`);
      return exitCodes.ok;
    }

    const writes = plans.flatMap((plan) => requestsOf(plan.changed).map((entries) => ({ plan, entries })));
    try {
      await runBatches(
        writes,
        cmd.concurrency,
        async ({ plan, entries: batch }) => {
          try {
            // Exactly one request per call (requestsOf sized it), so its answer says what happened to all of the batch.
            await scopeOf(md, plan.target).setMany(batch, {
              concurrency: 1,
              maxEntriesPerRequest: entriesPerWrite,
              maxBytesPerRequest: bytesPerWrite,
              signal: abortSignal,
            });
          } catch (e) {
            if (!certainlyNotStored(e)) tally.uncertain += batch.length;
            throw new TargetFailure(plan.target, e);
          }
          tally.written += batch.length;
          progress.advance(batch.length);
        },
        abortSignal,
      );
    } catch (e) {
      if (interruption.signal !== undefined) return interrupted(interruption.signal);
      const code = e instanceof TargetFailure ? failed(e.target, e.cause) : failed(undefined, e);
      io.err(
        (tally.uncertain === 0
          ? `zmeta import: ${tally.written} of ${toWrite} changed entries were written before the failure; `
          : `zmeta import: at least ${tally.written} of ${toWrite} changed entries were written before the failure ` +
            `(${tally.uncertain} more went in ${tally.uncertain === 1 ? "a request" : "requests"} whose answer was lost, and may or may not be stored); `) +
          "running the same import again writes only what is still missing or different",
      );
      return code;
    }
    progress.stop();
    if (cmd.json) io.out(JSON.stringify(outcomeJson(cmd, plans, tally.written)));
    io.err(
      toWrite === 0
        ? `zmeta import: ${what}: all ${unchanged} unchanged, nothing to write`
        : `zmeta import: ${what}: ${tally.written} written, ${unchanged} unchanged`,
    );
    return exitCodes.ok;
  });
}

/**
 * import --json: one object once the import is done, also for a dry run
 * (written is then 0 and each target's "changed" is what would be written).
 * A failed or interrupted import prints none: stderr says how far it got.
 */
function outcomeJson(cmd: ImportCommand, plans: Plan[], written: number): object {
  const targets = plans.map((plan) => ({
    scope: plan.target.scope,
    id: plan.target.id,
    entries: plan.target.entries.size,
    changed: plan.changed.length,
    unchanged: plan.unchanged,
  }));
  return {
    dryRun: cmd.dryRun,
    entries: targets.reduce((n, t) => n + t.entries, 0),
    written,
    unchanged: targets.reduce((n, t) => n + t.unchanged, 0),
    targets,
  };
}

/** "1500 written, 300 unchanged, 1200 left", with "at least" where requests were cut short. */
function describeTally(tally: { unchanged: number; written: number; uncertain: number }, entries: number): string {
  const left = entries - tally.written - tally.unchanged;
  if (tally.uncertain === 0) return `${tally.written} written, ${tally.unchanged} unchanged, ${left} left`;
  return (
    `at least ${tally.written} written, ${tally.unchanged} unchanged, at most ${left} left ` +
    `(${tally.uncertain} of them were in requests cut short, which may or may not have been stored)`
  );
}

/**
 * Whether a failed write certainly stored nothing: ZITADEL answered it with
 * a refusal (a bulk set is one transaction, all or nothing). A lost answer
 * (the connection broke, the deadline passed, the command was interrupted)
 * or a server error may come after the write, so those are uncertain. By
 * code and ZITADEL's error id only.
 */
function certainlyNotStored(e: unknown): boolean {
  const err = e instanceof ZitadelError ? e : e instanceof ConnectError ? ZitadelError.from(e) : undefined;
  if (err === undefined) return false;
  if (err.id !== undefined && err.code !== Code.Internal && err.code !== Code.Unknown) return true;
  return refusals.has(err.code);
}

/** Codes that mean "refused before anything was done": never given to a request that was applied. */
const refusals: ReadonlySet<Code> = new Set([
  Code.InvalidArgument,
  Code.NotFound,
  Code.AlreadyExists,
  Code.PermissionDenied,
  Code.FailedPrecondition,
  Code.OutOfRange,
  Code.Unauthenticated,
  Code.Unimplemented,
  Code.ResourceExhausted,
]);

/** A call for one target failed; carries the target so the message can name it. */
class TargetFailure extends Error {
  constructor(
    readonly target: Target,
    override readonly cause: unknown,
  ) {
    super("target failed");
  }
}

type Input = { ok: true; stream: AsyncIterable<Buffer | string> } | { ok: false; problem: string };

async function openInput(cmd: ImportCommand, io: CliIo): Promise<Input> {
  if (cmd.file === undefined) {
    if (io.stdinIsTTY) return { ok: false, problem: 'give a FILE, or pipe NDJSON into stdin (see "zmeta import --help")' };
    return { ok: true, stream: io.stdin as AsyncIterable<Buffer | string> };
  }
  const stream = createReadStream(cmd.file);
  try {
    await once(stream, "open");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : (e as Error).message;
    return { ok: false, problem: `cannot read "${cmd.file}": ${why}` };
  }
  return { ok: true, stream };
}

type Read = { ok: true; targets: Target[]; entries: number } | { ok: false; problems: string[] };

/** Reads and checks every line; any problem anywhere means nothing will be written. */
async function readTargets(stream: AsyncIterable<Buffer | string>, signal: AbortSignal): Promise<Read> {
  const targets = new Map<string, Target>();
  const problems: string[] = [];
  let entries = 0;
  let lines = 0;
  try {
    for await (const line of readLines(stream, maxLineBytes)) {
      if (signal.aborted) break;
      if ("problem" in line) {
        lines++;
        problems.push(`line ${line.number}: ${line.problem}`);
        continue;
      }
      const text = line.number === 1 ? line.text.replace(/^\uFEFF/, "") : line.text;
      if (text.trim() === "") continue;
      lines++;
      const parsed = parseImportLine(text);
      if (!parsed.ok) {
        problems.push(`line ${line.number}: ${parsed.problems.join("; ")}`);
        continue;
      }
      const entry: ImportEntry = parsed.entry;
      const id = `${entry.scope}\u0000${entry.id}`;
      let target = targets.get(id);
      if (target === undefined) {
        target = { scope: entry.scope, id: entry.id, entries: new Map() };
        targets.set(id, target);
      }
      const earlier = target.entries.get(entry.key);
      if (earlier !== undefined) {
        // Which one should win is anyone's guess, so neither does.
        problems.push(`line ${line.number}: ${entry.scope} ${entry.id} key ${JSON.stringify(entry.key)} is already on line ${earlier.line}`);
        continue;
      }
      target.entries.set(entry.key, { value: entry.value, line: line.number });
      entries++;
    }
  } catch (e) {
    return { ok: false, problems: [`cannot read the input: ${(e as Error).message}`] };
  }
  if (problems.length > 0) {
    const bad = problems.length;
    problems.push(`${bad} of ${lines} ${lines === 1 ? "line is" : "lines are"} bad; nothing was written`);
    return { ok: false, problems };
  }
  return { ok: true, targets: [...targets.values()], entries };
}

/** Lists what the target holds and keeps the entries that are missing or different. */
async function planTarget(scope: MetadataScope, target: Target, signal: AbortSignal): Promise<Plan> {
  const same = new Set<string>();
  for await (const stored of scope.list({ signal })) {
    const wanted = target.entries.get(stored.key);
    if (wanted !== undefined && sameBytes(wanted.value, stored.value)) same.add(stored.key);
  }
  const changed: [string, Uint8Array][] = [];
  for (const [key, { value }] of target.entries) if (!same.has(key)) changed.push([key, value]);
  return { target, changed, unchanged: same.size };
}

function scopeOf(md: MetadataClient, target: Target): MetadataScope {
  // An org line names its organization: x-zitadel-orgid on v1, organization_id in the request on v2.
  return target.scope === "user" ? md.user(target.id) : md.org(target.id);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

/** The entries split as setMany would split them with our limits, so that each part is one request. */
function requestsOf(entries: [string, Uint8Array][]): [string, Uint8Array][][] {
  // The library's count plus a margin: ours must never be the smaller one.
  return splitIntoBatches(entries, ([key, value]) => Buffer.byteLength(key) + value.length + 64, entriesPerWrite, bytesPerWrite);
}

function targetName(target: Target, connection: ConnectionSettings): string {
  if (target.scope === "org") return `organization ${target.id}`;
  // v2 finds a user in whichever organization it is; --org-id is v1's context for users.
  return connection.orgId === undefined || connection.api === "v2" ? `user ${target.id}` : `user ${target.id} (organization ${connection.orgId})`;
}

function describeTargets(targets: Target[]): string {
  const users = targets.filter((t) => t.scope === "user").length;
  const orgs = targets.length - users;
  return [
    users > 0 ? `${users} ${users === 1 ? "user" : "users"}` : undefined,
    orgs > 0 ? `${orgs} ${orgs === 1 ? "organization" : "organizations"}` : undefined,
  ]
    .filter((p) => p !== undefined)
    .join(" and ");
}
