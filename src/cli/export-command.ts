import { createWriteStream, rmSync } from "node:fs";
import { readFile, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { once } from "node:events";
import { finished } from "node:stream/promises";
import { isIdLike } from "./connection-args.js";
import type { CliIo } from "./io.js";
import { exitCodes, readAll, write } from "./io.js";
import type { ExportCommand } from "./metadata-args.js";
import { signalExitCode, watchInterrupts } from "./interrupt.js";
import { startProgress } from "./progress.js";
import { runWithClient } from "./run-with-client.js";
import { toBase64 } from "./value-format.js";

/** One NDJSON line of an export; the format `zmeta import` reads. */
export interface ExportLine {
  scope: "user" | "org";
  /** The user id, or the organization id. */
  id: string;
  key: string;
  /** The value's bytes in standard base64. */
  value: string;
}

type Target = { kind: "user"; userId: string } | { kind: "org" };

/**
 * `zmeta export`: the metadata of the named users and/or the organization
 * as NDJSON, written entry by entry as the pages arrive. With --out the
 * lines go to a temporary file that replaces FILE only when the export is
 * complete, so a failed export never leaves a truncated file looking whole.
 * On SIGINT, SIGTERM or SIGHUP it stops, removes the temporary file, says how
 * many entries it had written and exits 130, 143 or 129.
 */
export async function runExportCommand(cmd: ExportCommand, io: CliIo): Promise<number> {
  const fromFile = cmd.usersFile === undefined ? { ok: true as const, ids: [] } : await readUsersFile(cmd.usersFile, io);
  if (!fromFile.ok) {
    for (const line of fromFile.problems) io.err(`zmeta export: ${line}`);
    return exitCodes.usage;
  }
  const userIds = [...new Set([...cmd.userIds, ...fromFile.ids])];
  const targets: Target[] = [...userIds.map((userId) => ({ kind: "user" as const, userId })), ...(cmd.org ? [{ kind: "org" as const }] : [])];

  return runWithClient("export", cmd.connection, io, async (md) => {
    // Made before anything is written: on v2 org() without --org-id throws (exit 2), and must not leave half an export behind.
    const orgScope = cmd.org ? md.org() : undefined;
    const sink = await openSink(cmd.out, io);
    if (!sink.ok) {
      io.err(`zmeta export: ${sink.problem}`);
      return exitCodes.usage;
    }
    const progress = startProgress(io, {
      label: "export",
      unit: "users/orgs",
      total: targets.length,
      detail: "0 entries",
    });
    let entries = 0;
    let done = 0;
    const emptyUsers: string[] = [];
    let emptyOrg = false;
    // The bar goes at once, so the terminal is usable again even if the process is killed right after;
    // a forced exit (a second signal) still removes the temporary file.
    const interruption = watchInterrupts({ onSignal: () => progress.stop(), onForcedExit: () => sink.abandon() });
    const { abortSignal } = interruption;
    try {
      for (const target of targets) {
        const scope = target.kind === "user" ? md.user(target.userId) : orgScope!;
        let count = 0;
        for await (const entry of scope.list({ prefix: cmd.prefix, signal: abortSignal })) {
          // The org's own id is its metadata's resource owner, so a v1 export without --org-id still names it (v2 needs --org-id).
          const id = target.kind === "user" ? target.userId : (cmd.connection.orgId ?? entry.details.resourceOwner ?? "");
          if (id === "") throw new ExportProblem("the server did not say which organization owns its metadata; pass --org-id");
          const line: ExportLine = { scope: target.kind, id, key: entry.key, value: toBase64(entry.value) };
          await sink.write(`${JSON.stringify(line)}\n`);
          count++;
          entries++;
          if (abortSignal.aborted) break;
        }
        if (abortSignal.aborted) break;
        if (count === 0 && target.kind === "user") emptyUsers.push(target.userId);
        if (count === 0 && target.kind === "org") emptyOrg = true;
        done++;
        progress.advance(1, `${entries} entries`);
      }
      progress.stop();
      if (interruption.signal === undefined) await sink.commit();
    } catch (e) {
      progress.stop();
      await sink.abort();
      // An interruption cuts the listing short: that is reported below, not as a failure.
      if (interruption.signal === undefined) {
        if (e instanceof ExportProblem) {
          io.err(`zmeta export: ${e.message}`);
          return exitCodes.failure;
        }
        if (!isFileError(e)) throw e;
        io.err(`zmeta export: cannot write ${cmd.out ?? "stdout"}: ${e.message}`);
        return exitCodes.failure;
      }
    } finally {
      interruption.stop();
    }
    if (interruption.signal !== undefined) {
      await sink.abort();
      const far = `${entries} ${entries === 1 ? "entry" : "entries"} (${done} of ${targets.length} users/orgs complete)`;
      io.err(
        cmd.out === undefined
          ? `zmeta export: interrupted by ${interruption.signal} after writing ${far} to stdout; that output is incomplete`
          : `zmeta export: interrupted by ${interruption.signal} after ${far}; removed the unfinished temporary file, so ${cmd.out} was not written`,
      );
      return signalExitCode(interruption.signal);
    }

    const parts = [
      userIds.length > 0 ? `${userIds.length} ${userIds.length === 1 ? "user" : "users"}` : undefined,
      cmd.org ? "the organization" : undefined,
    ].filter((p) => p !== undefined);
    io.err(`zmeta export: ${entries} ${entries === 1 ? "entry" : "entries"} of ${parts.join(" and ")} to ${cmd.out ?? "stdout"}`);
    if (emptyUsers.length > 0) {
      const shown = emptyUsers.slice(0, 10).join(", ") + (emptyUsers.length > 10 ? `, and ${emptyUsers.length - 10} more` : "");
      io.err(
        `zmeta export: note: no metadata for ${emptyUsers.length === 1 ? "user" : `${emptyUsers.length} users`} ${shown}` +
          (cmd.connection.api === "v1"
            ? " (a user in another organization looks like this: see --org-id)"
            : " (a user id that does not exist looks like this)"),
      );
    }
    if (emptyOrg) io.err(`zmeta export: note: the organization has no metadata${cmd.prefix === undefined ? "" : ` with keys starting "${cmd.prefix}"`}`);
    if (cmd.json) {
      // Only with --out (the parser sees to it): on stdout the export itself is the output.
      const summary = { out: cmd.out, entries, users: userIds.length, org: cmd.org, usersWithoutMetadata: emptyUsers, orgWithoutMetadata: emptyOrg };
      await write(io.stdout, `${JSON.stringify(summary)}\n`);
    }
    return exitCodes.ok;
  });
}

/** The export cannot go on for a reason of its own (not a failed call). */
class ExportProblem extends Error {}

/** A failure of the file system (ENOSPC, EPIPE…), as opposed to a failed call. */
function isFileError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === "string" && typeof (e as NodeJS.ErrnoException).syscall === "string";
}

type UsersFile = { ok: true; ids: string[] } | { ok: false; problems: string[] };

/** User ids, one per line; blank lines and lines starting with # are skipped. */
async function readUsersFile(path: string, io: CliIo): Promise<UsersFile> {
  let text: string;
  if (path === "-") {
    if (io.stdinIsTTY) return { ok: false, problems: ["--users-file - reads user ids from stdin, but stdin is a terminal; pipe them in"] };
    const bytes = await readAll(io.stdin, 64 * 1024 * 1024);
    if (bytes === undefined) return { ok: false, problems: ["--users-file -: more than 64 MiB on stdin"] };
    text = new TextDecoder().decode(bytes);
  } else {
    try {
      text = await readFile(path, "utf8");
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (e as Error).message;
      return { ok: false, problems: [`cannot read --users-file "${path}": ${why}`] };
    }
  }
  const ids: string[] = [];
  const problems: string[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    if (isIdLike(line)) ids.push(line);
    else problems.push(`--users-file "${path}" line ${i + 1}: expected one user id such as 69629023906488334, got "${line.slice(0, 60)}"`);
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, ids };
}

type Sink =
  | {
      ok: true;
      write(chunk: string): Promise<void>;
      commit(): Promise<void>;
      abort(): Promise<void>;
      /** abort() for a process on its way out: synchronous, and never throws. */
      abandon(): void;
    }
  | { ok: false; problem: string };

async function openSink(out: string | undefined, io: CliIo): Promise<Sink> {
  if (out === undefined) {
    return { ok: true, write: (chunk) => write(io.stdout, chunk), commit: async () => {}, abort: async () => {}, abandon: () => {} };
  }
  const temp = join(dirname(out), `.${basename(out)}.${process.pid}.partial`);
  // Owner-only: metadata often holds personal data.
  const stream = createWriteStream(temp, { flags: "wx", mode: 0o600 });
  try {
    await once(stream, "open");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "its directory does not exist" : code === "EACCES" ? "permission denied" : (e as Error).message;
    return { ok: false, problem: `cannot write --out "${out}": ${why}` };
  }
  return {
    ok: true,
    write: (chunk) => write(stream, chunk),
    async commit() {
      stream.end();
      await finished(stream);
      await rename(temp, out);
    },
    async abort() {
      // A write still in flight fails once the stream is gone; that is expected now, not a crash.
      stream.on("error", () => {});
      stream.destroy();
      await rm(temp, { force: true });
    },
    abandon() {
      try {
        rmSync(temp, { force: true });
      } catch {
        // On the way out; nothing more can be done.
      }
    },
  };
}
