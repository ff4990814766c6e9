// `zmeta export` and `zmeta import` at scale: 10,000 entries of 50 users and
// an organization, through the built CLI in child processes, against an
// emulator in this process whose call log shows exactly what was written.
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator, EmulatorSeed } from "../src/emulator/index.js";
import { startEmulator } from "../src/emulator/index.js";
import { random } from "./support/random.js";
import { assertBuilt, bin, cleanEnv, lines, root, zmetaCli } from "./support/zmeta.js";

const { zmeta, run, killRunning } = zmetaCli({ timeoutMs: 60_000 });

const userCount = 50;
const entriesPerUser = 196;
const orgEntries = 200;
const total = userCount * entriesPerUser + orgEntries;

const seed: EmulatorSeed = {
  orgs: [{ name: "acme" }, { name: "globex" }],
  users: [
    { userName: "admin", org: "acme", roles: ["ORG_OWNER"] },
    { userName: "root", org: "acme", roles: ["IAM_OWNER"] },
    ...Array.from({ length: userCount }, (_, i) => ({ userName: `user${String(i).padStart(2, "0")}`, org: "acme", roles: [] })),
  ],
};

/**
 * Keys of every shape ZITADEL allows (one of 200 characters, non-ASCII ones)
 * and values of every kind: random bytes (almost never UTF-8), text, JSON,
 * and one of the largest size, 500000 bytes.
 */
function generate(target: string, count: number, next: () => number): Map<string, Uint8Array> {
  const entries = new Map<string, Uint8Array>();
  for (let i = 0; i < count; i++) {
    const key = i === 0 ? "k".repeat(200) : i % 7 === 0 ? `ключ.${i}` : i % 11 === 0 ? `emoji.🙂.${i}` : `key.${String(i).padStart(3, "0")}`;
    let value: Uint8Array;
    if (i === 1 && target === "org") {
      value = Uint8Array.from({ length: 500_000 }, () => Math.floor(next() * 256));
    } else if (i % 5 === 0) {
      value = Buffer.from(i % 10 === 0 ? JSON.stringify({ target, i, big: "12345678901234567890" }) : `text value ${i} of ${target}\n`);
    } else {
      const length = 1 + Math.floor(next() * (i % 50 === 3 ? 20_000 : 64));
      value = Uint8Array.from({ length }, () => Math.floor(next() * 256));
    }
    entries.set(key, value);
  }
  return entries;
}

let emulator: Emulator;
const calls: string[] = [];
let dir: string;
/** Target name ("user:<id>" or "org:<id>") → key → value: what must be stored after every import. */
const data = new Map<string, Map<string, Uint8Array>>();
let userIds: string[];
let acmeId: string;

beforeAll(async () => {
  assertBuilt();
  emulator = await startEmulator({ seed, log: (line) => calls.push(line) });
  dir = await mkdtemp(join(tmpdir(), "zmeta-cli-import-"));
  acmeId = emulator.org("acme").id;
  userIds = emulator.users.filter((u) => u.userName.startsWith("user")).map((u) => u.id);
  const next = random(20261125);
  for (const id of userIds) data.set(`user:${id}`, generate(`user ${id}`, entriesPerUser, next));
  data.set(`org:${acmeId}`, generate("org", orgEntries, next));
  for (const [target, entries] of data) {
    const list = [...entries].map(([key, value]) => ({ key, value }));
    const [kind, id] = target.split(":") as ["user" | "org", string];
    if (kind === "user") emulator.store.bulkSetUserMetadata(acmeId, id, list);
    else emulator.store.bulkSetOrgMetadata(id, list);
  }
});

afterAll(async () => {
  killRunning();
  await emulator?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function connection(userName = "admin", protocol = "grpc"): string[] {
  return ["--url", emulator.url, "--token", emulator.user(userName).token, "--protocol", protocol];
}

function storedMap(target: string): Map<string, StoredLike> {
  const [kind, id] = target.split(":") as ["user" | "org", string];
  const owner = kind === "user" ? emulator.store.users.get(id) : emulator.store.orgs.get(id);
  return owner?.metadata ?? new Map();
}

interface StoredLike {
  value: Uint8Array;
  sequence: bigint;
}

/** Every expected byte is stored, and nothing else. */
function expectAllStored(): void {
  let compared = 0;
  for (const [target, entries] of data) {
    const stored = storedMap(target);
    expect([...stored.keys()].sort(), target).toEqual([...entries.keys()].sort());
    for (const [key, value] of entries) {
      const got = stored.get(key)?.value;
      if (got === undefined || !Buffer.from(got).equals(value)) throw new Error(`${target} ${key}: stored bytes differ`);
      compared++;
    }
  }
  expect(compared).toBe(total);
}

/** The write calls the emulator served since `from`. */
function writesSince(from: number): string[] {
  return calls.slice(from).filter((line) => /^(BulkSet|Set|Remove|BulkRemove)\w*Metadata\b/.test(line));
}

function wipe(): void {
  for (const [target, entries] of data) {
    const [kind, id] = target.split(":") as ["user" | "org", string];
    const keys = [...entries.keys()];
    if (kind === "user") emulator.store.bulkRemoveUserMetadata(acmeId, id, keys);
    else emulator.store.bulkRemoveOrgMetadata(id, keys);
  }
  for (const target of data.keys()) expect(storedMap(target).size, target).toBe(0);
}

describe("zmeta export and import of 10,000 entries", () => {
  let backup: string;

  it("exports every entry of 50 users and the organization as NDJSON, to a file only it can read", async () => {
    const usersFile = join(dir, "users.txt");
    await writeFile(usersFile, `# the fifty\n${userIds.join("\n")}\n\n`);
    backup = join(dir, "backup.ndjson");
    const res = await zmeta(["export", "--users-file", usersFile, "--org", "--out", backup, ...connection()]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.out).toBe("");
    expect(lines(res.stderr)).toEqual([`zmeta export: ${total} entries of ${userCount} users and the organization to ${backup}`]);
    // No progress bar when stderr is not a terminal: no carriage returns, no escape sequences.
    expect(res.stderr).not.toMatch(/[\r\u001b]/);
    expect((await stat(backup)).mode & 0o777).toBe(0o600);

    const exported = lines(await readFile(backup, "utf8"));
    expect(exported).toHaveLength(total);
    const seen = new Set<string>();
    for (const line of exported) {
      const parsed = JSON.parse(line) as { scope: string; id: string; key: string; value: string };
      expect(Object.keys(parsed)).toEqual(["scope", "id", "key", "value"]);
      const target = `${parsed.scope}:${parsed.id}`;
      const want = data.get(target)?.get(parsed.key);
      if (want === undefined || !Buffer.from(parsed.value, "base64").equals(want)) throw new Error(`exported ${target} ${parsed.key} differs`);
      seen.add(`${target}\u0000${parsed.key}`);
    }
    expect(seen.size).toBe(total);
    console.log(`export of ${total} entries: ${res.ms.toFixed(0)} ms`);

    // To stdout, for named users and a prefix: the same lines, streamed.
    const some = await zmeta(["export", "--user", userIds[3]!, "--user", userIds[7]!, "--prefix", "key.", ...connection()]);
    expect(some.code, some.stderr).toBe(0);
    const expected = exported.filter((l) => {
      const p = JSON.parse(l) as { scope: string; id: string; key: string };
      return p.scope === "user" && (p.id === userIds[3] || p.id === userIds[7]) && p.key.startsWith("key.");
    });
    expect(expected.length).toBeGreaterThan(100);
    // The same lines; in whatever order the server listed them (ZITADEL's lists have none).
    expect(lines(some.out).sort()).toEqual(expected.sort());
  });

  it("restores every byte after a wipe, with one bulk request per user and organization", async () => {
    wipe();
    const from = calls.length;
    const res = await zmeta(["import", backup, ...connection()]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.out).toBe("");
    expect(lines(res.stderr)).toEqual([`zmeta import: ${total} entries for ${userCount} users and 1 organization: ${total} written, 0 unchanged`]);
    expect(res.stderr).not.toMatch(/[\r\u001b]/);
    expectAllStored();
    const writes = writesSince(from);
    expect(writes).toHaveLength(userCount + 1);
    expect(writes.every((w) => /^BulkSet(User|Org)Metadata \S+ ok/.test(w))).toBe(true);
    console.log(`import of ${total} entries: ${res.ms.toFixed(0)} ms`);
  });

  it("running the same import again (from stdin) writes nothing, and says so", async () => {
    const sequences = [...storedMap(`user:${userIds[0]}`).values()].map((e) => e.sequence);
    const from = calls.length;
    const res = await zmeta(["import", "-", "--concurrency", "8", ...connection()], { stdin: await readFile(backup) });
    expect(res.code, res.stderr).toBe(0);
    expect(lines(res.stderr)).toEqual([`zmeta import: ${total} entries for ${userCount} users and 1 organization: all ${total} unchanged, nothing to write`]);
    expect(writesSince(from)).toEqual([]);
    expect([...storedMap(`user:${userIds[0]}`).values()].map((e) => e.sequence)).toEqual(sequences);
  });

  it("--dry-run reports per target what would change and writes nothing; the import then writes just that", async () => {
    const user = userIds[10]!;
    const changedKey = "key.002";
    emulator.store.setUserMetadata(acmeId, user, changedKey, Buffer.from("changed since the backup"));
    const removedKey = [...data.get(`org:${acmeId}`)!.keys()][1]!;
    emulator.store.removeOrgMetadata(acmeId, removedKey);

    const from = calls.length;
    const dry = await zmeta(["import", backup, "--dry-run", ...connection()]);
    expect(dry.code, dry.stderr).toBe(0);
    const plan = lines(dry.out);
    expect(plan).toHaveLength(userCount + 1);
    expect(plan).toContain(`user ${user}: ${entriesPerUser} entries, 1 to write, ${entriesPerUser - 1} unchanged`);
    expect(plan).toContain(`organization ${acmeId}: ${orgEntries} entries, 1 to write, ${orgEntries - 1} unchanged`);
    expect(plan).toContain(`user ${userIds[0]}: ${entriesPerUser} entries, 0 to write, ${entriesPerUser} unchanged`);
    expect(lines(dry.stderr)).toEqual([
      `zmeta import: dry run: ${total} entries for ${userCount} users and 1 organization: 2 would be written, ${total - 2} unchanged; nothing was written`,
    ]);
    expect(writesSince(from)).toEqual([]);
    expect(Buffer.from(storedMap(`user:${user}`).get(changedKey)!.value).toString()).toBe("changed since the backup");

    const res = await zmeta(["import", backup, "--concurrency", "1", ...connection()]);
    expect(res.code, res.stderr).toBe(0);
    expect(lines(res.stderr)).toEqual([`zmeta import: ${total} entries for ${userCount} users and 1 organization: 2 written, ${total - 2} unchanged`]);
    expect(writesSince(from)).toHaveLength(2);
    expectAllStored();
  });

  it("reports every bad line with its number and writes nothing", async () => {
    const good = (key: string, value = "dmFsdWU=") => JSON.stringify({ scope: "user", id: userIds[0], key, value });
    const input = [
      good("new.1"), // 1
      JSON.stringify({ scope: "user", id: userIds[0], key: "new.2", value: "not base64!" }), // 2
      good("new.3"), // 3
      "{not json", // 4
      JSON.stringify({ scope: "team", id: userIds[0], key: "new.5", value: "dg==" }), // 5
      JSON.stringify({ scope: "user", id: userIds[0], key: "k".repeat(201), value: "dg==" }), // 6
      JSON.stringify({ scope: "org", id: acmeId, key: "new.7", value: Buffer.alloc(500_001, 1).toString("base64") }), // 7
      JSON.stringify({ scope: "user", key: "new.8", value: "dg==" }), // 8
      good("new.1", "b3RoZXI="), // 9: the same key again
      "", // 10: blank lines are fine
      JSON.stringify({ scope: "user", id: userIds[0], key: "new.11", value: "dg==", Value: "dg==" }), // 11
      "[1,2]", // 12
      JSON.stringify({ scope: "user", id: userIds[0], key: "new.13", value: "" }), // 13
    ].join("\n");
    const from = calls.length;
    const res = await zmeta(["import", ...connection()], { stdin: input });
    expect(res.code).toBe(2);
    expect(res.out).toBe("");
    expect(lines(res.stderr)).toEqual([
      'zmeta import: line 2: "value" is not valid base64',
      expect.stringMatching(/^zmeta import: line 4: not JSON \(/),
      'zmeta import: line 5: "scope" must be "user" or "org", got "team"',
      'zmeta import: line 6: "key" must be 1 to 200 characters, got 201',
      'zmeta import: line 7: "value" must be 1 to 500000 bytes, got 500001',
      'zmeta import: line 8: "id" is missing',
      `zmeta import: line 9: user ${userIds[0]} key "new.1" is already on line 1`,
      'zmeta import: line 11: unknown field "Value" (allowed: "scope", "id", "key", "value")',
      expect.stringMatching(/^zmeta import: line 12: expected a JSON object such as \{"scope":"user"/),
      'zmeta import: line 13: "value" must be 1 to 500000 bytes, got 0',
      "zmeta import: 10 of 12 lines are bad; nothing was written",
    ]);
    expect(writesSince(from)).toEqual([]);
    expect(storedMap(`user:${userIds[0]}`).has("new.1")).toBe(false);
    expect(storedMap(`user:${userIds[0]}`).has("new.3")).toBe(false);
  });

  it("skips a byte order mark before the first line only; one at the start of a later line is a bad line", async () => {
    const line = (key: string) => JSON.stringify({ scope: "user", id: userIds[0], key, value: "dg==" });
    const first = await zmeta(["import", "--dry-run", ...connection()], { stdin: `\uFEFF${line("bom.1")}\n${line("bom.2")}\n` });
    expect(first.code, first.stderr).toBe(0);
    expect(lines(first.stderr)).toEqual([expect.stringContaining("2 would be written")]);
    const later = await zmeta(["import", "--dry-run", ...connection()], { stdin: `${line("bom.1")}\n\uFEFF${line("bom.2")}\n` });
    expect(later.code).toBe(2);
    expect(lines(later.stderr)).toEqual([
      expect.stringMatching(/^zmeta import: line 2: not JSON \(/),
      "zmeta import: 1 of 2 lines are bad; nothing was written",
    ]);
  });

  it("writes an org line into the organization it names (x-zitadel-orgid), over REST too", async () => {
    const globexId = emulator.org("globex").id;
    const input = [
      JSON.stringify({ scope: "org", id: globexId, key: "imported.org", value: Buffer.from("for globex").toString("base64") }),
      JSON.stringify({ scope: "user", id: userIds[1], key: "imported.user", value: Buffer.from([0xff]).toString("base64") }),
    ].join("\r\n");
    const res = await zmeta(["import", ...connection("root", "rest")], { stdin: input });
    expect(res.code, res.stderr).toBe(0);
    expect(lines(res.stderr)).toEqual(["zmeta import: 2 entries for 1 user and 1 organization: 2 written, 0 unchanged"]);
    expect(Buffer.from(storedMap(`org:${globexId}`).get("imported.org")!.value).toString()).toBe("for globex");
    expect(storedMap(`org:${acmeId}`).has("imported.org")).toBe(false);
    expect(storedMap(`user:${userIds[1]}`).get("imported.user")!.value).toEqual(new Uint8Array([0xff]));
    emulator.store.removeOrgMetadata(globexId, "imported.org");
    emulator.store.removeUserMetadata(acmeId, userIds[1]!, "imported.user");
  });

  it("a failed write says which target failed, how much was written, and that a re-run finishes it", async () => {
    const input = [JSON.stringify({ scope: "user", id: "999999999999999999", key: "k", value: "dg==" })].join("\n");
    const res = await zmeta(["import", ...connection()], { stdin: input });
    expect(res.code).toBe(1);
    const [failure, written, ...rest] = lines(res.stderr);
    expect(rest).toEqual([]);
    expect(failure).toMatch(/^zmeta import: user 999999999999999999: FailedPrecondition: .*\(COMMAND-uXHNj\)\. Hint: .*--org-id/);
    expect(written).toBe(
      "zmeta import: 0 of 1 changed entries were written before the failure; running the same import again writes only what is still missing or different",
    );
  });

  it("an export to --out stopped by SIGTERM or Ctrl-C leaves neither FILE nor its temporary file", async () => {
    // Slow pages, so the export is still running when the signal comes.
    emulator.faults.latencyMs = 300;
    try {
      for (const [signal, code] of [
        ["SIGTERM", 143],
        ["SIGINT", 130],
      ] as const) {
        const outDir = await mkdtemp(join(dir, "interrupted-"));
        const out = join(outDir, "backup.ndjson");
        const args = ["export", ...userIds.flatMap((id) => ["--user", id]), "--org", "--out", out, ...connection()];
        const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] });
        let stderr = "";
        child.stderr.setEncoding("utf8");
        child.stderr.on("data", (chunk: string) => (stderr += chunk));
        const closed = new Promise<number | null>((resolve) => child.on("close", (exitCode) => resolve(exitCode)));
        try {
          // Wait until entries are in the temporary file: the export has started writing.
          let partial: string | undefined;
          for (let waited = 0; partial === undefined; waited += 25) {
            expect(waited, `no .partial file with content in ${outDir} after 10 s; stderr: ${stderr}`).toBeLessThan(10_000);
            await new Promise((resolve) => setTimeout(resolve, 25));
            for (const name of await readdir(outDir)) {
              if (name.endsWith(".partial") && (await stat(join(outDir, name)).catch(() => undefined))?.size) partial = name;
            }
          }
          expect(partial).toBe(`.backup.ndjson.${child.pid}.partial`);
          child.kill(signal);
          expect(await closed, stderr).toBe(code);
          expect(lines(stderr), signal).toEqual([
            expect.stringMatching(
              new RegExp(
                `^zmeta export: interrupted by ${signal} after \\d+ entries .*; removed the unfinished temporary file, so .*backup\\.ndjson was not written$`,
              ),
            ),
          ]);
          expect(await readdir(outDir), signal).toEqual([]);
        } finally {
          child.kill("SIGKILL");
        }
      }
    } finally {
      emulator.faults.latencyMs = 0;
    }
  });

  // `script` runs the CLI on a pseudo-terminal: the only way to see the bar a person sees.
  const hasScript = spawnSync("script", ["--version"]).status === 0;
  it("draws a progress bar on stderr when it is a terminal", async () => {
    // Fail, never skip: script(1) is in Debian's essential bsdutils package.
    expect(hasScript, "script(1) is missing: apt-get install -y bsdutils").toBe(true);
    const command = [process.execPath, bin, "import", backup, "--dry-run", ...connection()].map((a) => `'${a}'`).join(" ");
    const res = await run("script", ["-qec", command, "/dev/null"]);
    expect(res.code, res.out).toBe(0);
    expect(res.out).toMatch(/compare \[[█░]+\] +\d+% \| \d+\/10000 entries/);
    expect(res.out).toContain("0 would be written");
  });
});
