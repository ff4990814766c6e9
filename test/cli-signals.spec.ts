// SIGINT, SIGTERM and SIGHUP against the built CLI in child processes: each
// command stops, says how far it got (only what the server confirmed), exits
// 128 + the signal's number, and an interrupted import re-run finishes the job
// byte for byte. The emulator removes its key files on each of the three.
import type { ChildProcess } from "node:child_process";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../src/emulator/index.js";
import { adminAndUsers } from "./support/emulator.js";
import { startEmulator } from "../src/emulator/index.js";
import { assertBuilt, bin, cleanEnv, lines, root, zmetaCli } from "./support/zmeta.js";

const { zmeta, killRunning } = zmetaCli({ timeoutMs: 60_000 });

const signals = [
  ["SIGINT", 130],
  ["SIGTERM", 143],
  ["SIGHUP", 129],
] as const;

const userCount = 12;
const perUser = 1500;

const seed = adminAndUsers(userCount);

let emulator: Emulator;
let dir: string;
let orgId: string;
let userIds: string[];
let file: string;
let wanted: string[];
const connection = () => ["--url", emulator.url, "--token", emulator.user("admin").token];

beforeAll(async () => {
  assertBuilt();
  emulator = await startEmulator({ seed });
  dir = await mkdtemp(join(tmpdir(), "zmeta-cli-signals-"));
  orgId = emulator.org("acme").id;
  userIds = emulator.users.filter((u) => u.userName.startsWith("user")).map((u) => u.id);
  const text = userIds
    .flatMap((id) =>
      Array.from({ length: perUser }, (_, i) => ({
        scope: "user",
        id,
        key: `k.${i}`,
        value: Buffer.from(`${id}:${i}:${"v".repeat(i % 13)}`).toString("base64"),
      })),
    )
    .map((l) => `${JSON.stringify(l)}\n`)
    .join("");
  file = join(dir, "backup.ndjson");
  await writeFile(file, text);
  wanted = lines(text)
    .map((l) => JSON.parse(l) as { id: string; key: string; value: string })
    .map((e) => `${e.id} ${e.key} ${e.value}`)
    .sort();
});

afterAll(async () => {
  killRunning();
  await emulator?.close();
  await rm(dir, { recursive: true, force: true });
});

function state(): string[] {
  return userIds
    .flatMap((id) =>
      emulator.store
        .listUserMetadata(orgId, id, { offset: 0n, limit: 0, keyFilters: [] })
        .result.map(({ entry }) => `${id} ${entry.key} ${Buffer.from(entry.value).toString("base64")}`),
    )
    .sort();
}

function wipe(): void {
  for (const id of userIds) {
    const keys = emulator.store.listUserMetadata(orgId, id, { offset: 0n, limit: 0, keyFilters: [] }).result.map(({ entry }) => entry.key);
    if (keys.length > 0) emulator.store.bulkRemoveUserMetadata(orgId, id, keys);
  }
}

interface Started {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  closed: Promise<number | null>;
}

function start(args: string[]): Started {
  const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.setEncoding("utf8");
  child.stderr!.setEncoding("utf8");
  child.stdout!.on("data", (c: string) => (out += c));
  child.stderr!.on("data", (c: string) => (err += c));
  const closed = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, closed };
}

async function waitFor(done: () => boolean, what: string, ms = 20_000): Promise<void> {
  const started = Date.now();
  while (!done()) {
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("zmeta import interrupted", () => {
  for (const [signal, code] of signals) {
    it(`on ${signal}: stops, prints written / unchanged / left as confirmed, exits ${code}; the re-run finishes byte-exact`, async () => {
      wipe();
      // Two users are done already, so "unchanged" is not zero.
      const done = userIds.slice(0, 2);
      for (const id of done) {
        emulator.store.bulkSetUserMetadata(
          orgId,
          id,
          Array.from({ length: perUser }, (_, i) => ({ key: `k.${i}`, value: Buffer.from(`${id}:${i}:${"v".repeat(i % 13)}`) })),
        );
      }
      emulator.faults.latencyMs = 150;
      const run = start(["import", file, "--concurrency", "2", ...connection()]);
      try {
        // Under way: entries beyond the two done users are stored.
        await waitFor(() => state().length >= 2 * perUser + 1000, "1000 entries imported");
        const storedAtSignal = state().length;
        run.child.kill(signal);
        expect(await run.closed, run.stderr()).toBe(code);
        const stderr = lines(run.stderr());
        expect(stderr).toHaveLength(1);
        const match =
          /^zmeta import: interrupted by (\w+): (at least )?(\d+) written, (\d+) unchanged, (at most )?(\d+) left( \((\d+) of them were in requests cut short, which may or may not have been stored\))?; running the same import again finishes the job$/.exec(
            stderr[0] ?? "",
          );
        expect(match, stderr[0]).not.toBeNull();
        const [, name, , written, unchanged, , left, , uncertain] = match!;
        expect(name).toBe(signal);
        expect(Number(unchanged)).toBe(2 * perUser);
        expect(Number(written) + Number(unchanged) + Number(left)).toBe(userCount * perUser);
        // Only what the server confirmed counts as written; what was in flight may be stored too.
        const storedNow = state().length;
        expect(Number(written) + Number(unchanged)).toBeLessThanOrEqual(storedNow);
        expect(storedNow).toBeLessThanOrEqual(Number(written) + Number(unchanged) + Number(uncertain ?? 0));
        expect(Number(written) + Number(unchanged)).toBeGreaterThanOrEqual(storedAtSignal - Number(uncertain ?? 0));
      } finally {
        run.child.kill("SIGKILL");
        emulator.faults.latencyMs = 0;
      }
      const again = await zmeta(["import", file, ...connection()]);
      expect(again.code, again.stderr).toBe(0);
      expect(state()).toEqual(wanted);
      const third = await zmeta(["import", file, ...connection()]);
      expect(lines(third.stderr)).toEqual([
        `zmeta import: ${userCount * perUser} entries for ${userCount} users: all ${userCount * perUser} unchanged, nothing to write`,
      ]);
    }, 90_000);
  }
});

describe("zmeta export interrupted", () => {
  beforeAll(async () => {
    wipe();
    const res = await zmeta(["import", file, ...connection()]);
    expect(res.code, res.stderr).toBe(0);
  });

  for (const [signal, code] of signals) {
    it(`to stdout on ${signal}: says how many entries it wrote (as many as arrived), exits ${code}`, async () => {
      emulator.faults.latencyMs = 150;
      const run = start(["export", ...userIds.flatMap((id) => ["--user", id]), ...connection()]);
      try {
        await waitFor(() => lines(run.stdout()).length >= perUser, "the first user's entries on stdout");
        run.child.kill(signal);
        expect(await run.closed, run.stderr()).toBe(code);
        const written = lines(run.stdout()).length;
        expect(lines(run.stderr())).toEqual([
          expect.stringMatching(
            new RegExp(
              `^zmeta export: interrupted by ${signal} after writing ${written} entries \\(\\d+ of ${userCount} users/orgs complete\\) to stdout; that output is incomplete$`,
            ),
          ),
        ]);
      } finally {
        run.child.kill("SIGKILL");
        emulator.faults.latencyMs = 0;
      }
    }, 60_000);
  }

  it("to --out on SIGHUP: removes the temporary file, names FILE as not written, exits 129", async () => {
    emulator.faults.latencyMs = 150;
    const outDir = await mkdtemp(join(dir, "out-"));
    const out = join(outDir, "backup.ndjson");
    const run = start(["export", ...userIds.flatMap((id) => ["--user", id]), "--out", out, ...connection()]);
    try {
      // Entries in the temporary file: the first list has been answered (a condition, not a fixed wait).
      const partial = join(outDir, `.backup.ndjson.${run.child.pid}.partial`);
      await waitFor(() => existsSync(partial) && statSync(partial).size > 0, "entries in the temporary file");
      run.child.kill("SIGHUP");
      expect(await run.closed, run.stderr()).toBe(129);
      expect(lines(run.stderr())).toEqual([
        expect.stringMatching(
          new RegExp(
            `^zmeta export: interrupted by SIGHUP after \\d+ entries \\(\\d+ of ${userCount} users/orgs complete\\); removed the unfinished temporary file, so ${out.replace(/[.]/g, "\\.")} was not written$`,
          ),
        ),
      ]);
      expect(await readdir(outDir)).toEqual([]);
    } finally {
      run.child.kill("SIGKILL");
      emulator.faults.latencyMs = 0;
    }
  }, 60_000);
});

describe("zmeta list and rm interrupted", () => {
  it("list on SIGINT: says how many entries it printed, exits 130", async () => {
    emulator.faults.latencyMs = 300;
    // Small pages would need a flag; one user's 1500 entries are three pages of 500.
    const run = start(["list", "--user", userIds[0]!, ...connection()]);
    try {
      await waitFor(() => lines(run.stdout()).length >= 500, "the first page");
      run.child.kill("SIGINT");
      expect(await run.closed, run.stderr()).toBe(130);
      const printed = lines(run.stdout()).length;
      expect(printed).toBeLessThan(perUser);
      expect(lines(run.stderr())).toEqual([`zmeta list: interrupted by SIGINT after ${printed} entries; the listing is incomplete`]);
    } finally {
      run.child.kill("SIGKILL");
      emulator.faults.latencyMs = 0;
    }
  }, 60_000);

  it("rm on SIGTERM while its request is in flight: says it may or may not have happened, exits 143", async () => {
    // Far longer than the signal takes to follow the request's arrival, however loaded the machine.
    emulator.faults.latencyMs = 30_000;
    const requestsBefore = emulator.faultCounts.requests;
    const run = start(["rm", "--user", userIds[1]!, "k.1", "k.2", "--org-id", orgId, ...connection()]);
    try {
      // Until the removal has reached the emulator (counted on arrival, before the latency): a fixed
      // wait could end before node has even started zmeta on a loaded machine.
      await waitFor(() => emulator.faultCounts.requests > requestsBefore, "the removal at the emulator");
      run.child.kill("SIGTERM");
      expect(await run.closed, run.stderr()).toBe(143);
      expect(lines(run.stderr())).toEqual([
        expect.stringMatching(
          /^zmeta rm: interrupted by SIGTERM while removing from user \d+.*: the removal may or may not have happened \(it is all or nothing\); see what is left with "zmeta list"$/,
        ),
      ]);
    } finally {
      run.child.kill("SIGKILL");
      emulator.faults.latencyMs = 0;
    }
  }, 60_000);
});

describe("zmeta emulator stopped", () => {
  for (const [signal, code] of signals) {
    it(`on ${signal}: closes, removes its key files, exits ${code}`, async () => {
      const run = start(["emulator", "--port", "0"]);
      try {
        await waitFor(() => run.stdout().includes("\n"), "the ready line");
        const ready = JSON.parse(run.stdout().split("\n")[0]!) as { users: { keyFile?: string }[] };
        const keyFiles = ready.users.flatMap((u) => (u.keyFile === undefined ? [] : [u.keyFile]));
        expect(keyFiles.length).toBeGreaterThan(0);
        for (const f of keyFiles) expect(existsSync(f), f).toBe(true);
        run.child.kill(signal);
        expect(await run.closed, run.stderr()).toBe(code);
        expect(run.stderr()).toContain(`zmeta emulator: stopped (${signal})`);
        for (const f of keyFiles) {
          expect(existsSync(f), f).toBe(false);
          expect(existsSync(dirname(f)), dirname(f)).toBe(false);
        }
      } finally {
        run.child.kill("SIGKILL");
      }
    }, 30_000);
  }

  it("a second signal while closing exits at once, still removing the key files", async () => {
    const run = start(["emulator", "--port", "0"]);
    try {
      await waitFor(() => run.stdout().includes("\n"), "the ready line");
      const ready = JSON.parse(run.stdout().split("\n")[0]!) as { url: string; users: { keyFile?: string }[] };
      const keyFiles = ready.users.flatMap((u) => (u.keyFile === undefined ? [] : [u.keyFile]));
      run.child.kill("SIGTERM");
      run.child.kill("SIGINT");
      const code = await run.closed;
      expect([130, 143]).toContain(code);
      // Whichever came first: if the second one came before the emulator had closed, it cut it short saying so.
      const [first, second] = code === 130 ? ["SIGINT", "SIGTERM"] : ["SIGTERM", "SIGINT"];
      if (!run.stderr().includes(`zmeta emulator: stopped (${first})`))
        expect(run.stderr()).toContain(`zmeta: ${second} while stopping after ${first}; exiting now`);
      for (const f of keyFiles) expect(existsSync(f), f).toBe(false);
    } finally {
      run.child.kill("SIGKILL");
    }
  }, 30_000);
});

// `script` runs the CLI on a pseudo-terminal: the only way to see the bar a person sees.
const hasScript = spawnSync("script", ["--version"]).status === 0;
describe("the terminal after an interrupted import", () => {
  it("clears the progress bar and shows the cursor again before the summary", async () => {
    expect(hasScript, "script(1) is missing: apt-get install -y bsdutils").toBe(true);
    wipe();
    emulator.faults.latencyMs = 150;
    // script(1) stops reading the terminal soon after its child exits, and on a loaded machine it
    // has lost zmeta's last line that way; the shell waits after zmeta so everything it wrote is read.
    const zmetaCommand = [process.execPath, bin, "import", file, "--concurrency", "1", ...connection()].map((a) => `'${a}'`).join(" ");
    const command = `${zmetaCommand}; status=$?; sleep 1; exit $status`;
    const pty = spawn("script", ["-qec", command, "/dev/null"], { cwd: root, env: cleanEnv(), stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    pty.stdout!.setEncoding("utf8");
    pty.stdout!.on("data", (c: string) => (out += c));
    const closed = new Promise<number | null>((resolve) => pty.on("close", (c) => resolve(c)));
    try {
      await waitFor(() => /import \[[█░]+\]/.test(out) && state().length >= 1000, "the bar and 1000 entries");
      // The zmeta process is script's descendant; interrupt it as Ctrl-C would (the terminal sends SIGINT).
      const zmetaPid = descendants(pty.pid!).find((pid) => commandLine(pid).startsWith(`${process.execPath} ${bin}`));
      expect(zmetaPid, "the zmeta process under script").toBeDefined();
      process.kill(zmetaPid!, "SIGINT");
      expect(await closed, out.slice(-600)).toBe(130);
      const afterBar = out.slice(out.lastIndexOf("import ["));
      // cli-progress hid the cursor (ESC[?25l); stopping shows it (ESC[?25h) and clears the line before the summary.
      expect(out).toContain("\u001b[?25l");
      expect(afterBar).toContain("\u001b[?25h");
      expect(afterBar, "the summary after the bar").toContain("zmeta import: interrupted by SIGINT");
      expect(afterBar.indexOf("\u001b[?25h")).toBeLessThan(afterBar.indexOf("zmeta import: interrupted by SIGINT"));
    } finally {
      pty.kill("SIGKILL");
      emulator.faults.latencyMs = 0;
    }
  }, 60_000);
});

function descendants(pid: number): number[] {
  const out: number[] = [];
  const walk = (p: number) => {
    const result = spawnSync("ps", ["-o", "pid=", "--ppid", String(p)], { encoding: "utf8" });
    for (const child of result.stdout
      .split("\n")
      .map((s) => Number(s.trim()))
      .filter((n) => n > 0)) {
      out.push(child);
      walk(child);
    }
  };
  walk(pid);
  return out;
}

function commandLine(pid: number): string {
  return spawnSync("ps", ["-o", "args=", "-p", String(pid)], { encoding: "utf8" }).stdout;
}
