// `--json` on every zmeta command that prints data, as users run it: the
// built bin/zmeta.js in child processes against an emulator in this process.
// With --json stdout holds JSON only (list: one object per line); stderr keeps
// its notes and errors, and the exit codes stay what they are without it.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useEmulator } from "./support/emulator.js";
import { assertBuilt, lines, zmetaCli } from "./support/zmeta.js";

const { zmeta, killRunning } = zmetaCli({ timeoutMs: 60_000 });

let dir: string;
beforeAll(async () => {
  assertBuilt();
  dir = await mkdtemp(join(tmpdir(), "zmeta-cli-json-"));
});
afterAll(async () => {
  killRunning();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const isoDate = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const notUtf8 = Buffer.from([0xff, 0x00, 0xfe, 0xc3, 0x28]);

describe.concurrent("zmeta --json", () => {
  const emulator = useEmulator();
  const as = (userName: string, api = "v1") => ["--url", emulator().url, "--token", emulator().user(userName).token, "--api", api];
  const stored = (userName: string, key: string) => {
    const user = emulator().user(userName);
    return emulator().store.users.get(user.id)?.metadata.get(key)?.value;
  };
  const seed = (userName: string, key: string, value: string | Uint8Array) => {
    const user = emulator().user(userName);
    emulator().store.setUserMetadata(user.orgId, user.id, key, typeof value === "string" ? Buffer.from(value) : value);
  };

  it("get and list: the value in base64, and as text where it is UTF-8 (else null)", async () => {
    const alice = emulator().user("alice");
    seed("alice", "json.get.text", "héllo\nwörld");
    seed("alice", "json.get.bytes", notUtf8);
    const details = {
      sequence: expect.stringMatching(/^\d+$/),
      creationDate: expect.stringMatching(isoDate),
      changeDate: expect.stringMatching(isoDate),
      resourceOwner: alice.orgId,
    };

    const text = await zmeta(["get", "--user", alice.id, "json.get.text", "--json", ...as("acme-admin")]);
    expect([text.code, text.stderr]).toEqual([0, ""]);
    expect(lines(text.out)).toHaveLength(1);
    expect(JSON.parse(text.out)).toEqual({ key: "json.get.text", value: Buffer.from("héllo\nwörld").toString("base64"), text: "héllo\nwörld", details });
    const bytes = await zmeta(["get", "--user", alice.id, "json.get.bytes", "--json", ...as("acme-admin")]);
    expect(JSON.parse(bytes.out)).toEqual({ key: "json.get.bytes", value: notUtf8.toString("base64"), text: null, details });

    const list = await zmeta(["list", "--user", alice.id, "--prefix", "json.get.", "--json", ...as("acme-admin")]);
    expect([list.code, list.stderr]).toEqual([0, ""]);
    expect(lines(list.out).map((l) => JSON.parse(l) as unknown)).toEqual([JSON.parse(text.out), JSON.parse(bytes.out)]);

    // Nothing listed: no line on stdout, the note on stderr, exit 0 as without --json.
    const empty = await zmeta(["list", "--user", alice.id, "--prefix", "json.none.", "--json", ...as("acme-admin")]);
    expect([empty.code, empty.out]).toEqual([0, ""]);
    expect(empty.stderr).toContain("has no metadata with keys starting");
    // A missing key: exit 3, the line on stderr, nothing on stdout.
    const missing = await zmeta(["get", "--user", alice.id, "json.none", "--json", ...as("acme-admin")]);
    expect([missing.code, missing.out]).toEqual([3, ""]);
    expect(lines(missing.stderr)).toEqual([expect.stringContaining('has no metadata "json.none"')]);
  });

  it("set: what was written and the server's details on stdout, never the value; the confirmation stays on stderr", async () => {
    const alice = emulator().user("alice");
    const v1 = await zmeta(["set", "--user", alice.id, "json.set", "s3cret-value", "--json", ...as("acme-admin")]);
    expect(v1.code, v1.stderr).toBe(0);
    expect(lines(v1.out)).toHaveLength(1);
    expect(JSON.parse(v1.out)).toEqual({
      key: "json.set",
      bytes: 12,
      // What v1's SetUserMetadata sends, as ZITADEL: a sequence, the write's date as creation_date, the owner.
      details: { sequence: expect.stringMatching(/^[1-9]\d*$/), creationDate: expect.stringMatching(isoDate), changeDate: null, resourceOwner: alice.orgId },
    });
    expect(v1.out + v1.stderr).not.toContain("s3cret");
    expect(lines(v1.stderr)).toEqual([expect.stringMatching(/^zmeta set: "json\.set" on user \d+: 12 bytes \(sequence \d+/)]);
    expect(Buffer.from(stored("alice", "json.set") ?? []).toString()).toBe("s3cret-value");

    // v2 sends a date and no sequence: the same keys, null where nothing came.
    const v2 = await zmeta(["set", "--user", alice.id, "json.set.v2", "x", "--json", ...as("acme-admin", "v2"), "--protocol", "connect"]);
    expect(v2.code, v2.stderr).toBe(0);
    expect(JSON.parse(v2.out)).toEqual({
      key: "json.set.v2",
      bytes: 1,
      details: { sequence: null, creationDate: null, changeDate: expect.stringMatching(isoDate), resourceOwner: null },
    });
  });

  it("rm: the removed keys, each once, in the order given; a missing key prints nothing and exits 3", async () => {
    const alice = emulator().user("alice");
    for (const key of ["json.rm.a", "json.rm.b", "json.rm.c"]) seed("alice", key, "v");
    const removed = await zmeta(["rm", "--user", alice.id, "json.rm.b", "json.rm.a", "json.rm.b", "--json", ...as("acme-admin")]);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.out).toBe('{"removed":["json.rm.b","json.rm.a"]}\n');
    expect([stored("alice", "json.rm.a"), stored("alice", "json.rm.b")]).toEqual([undefined, undefined]);

    const missing = await zmeta(["rm", "--user", alice.id, "json.rm.c", "json.rm.none", "--json", ...as("acme-admin")]);
    expect([missing.code, missing.out]).toEqual([3, ""]);
    expect(missing.stderr).toContain('"json.rm.none"');
    expect(stored("alice", "json.rm.c")).toBeDefined();
  });

  it("export --out --json: a summary on stdout; without --out stdout is the export, so --json is refused", async () => {
    const alice = emulator().user("alice");
    const bob = emulator().user("bob"); // in globex: nothing for him in acme's context
    for (const key of ["json.export.a", "json.export.b"]) seed("alice", key, "v");
    const out = join(dir, "export.ndjson");
    const res = await zmeta(["export", "--user", alice.id, "--user", bob.id, "--prefix", "json.export.", "--out", out, "--json", ...as("acme-admin")]);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.out)).toEqual({ out, entries: 2, users: 2, org: false, usersWithoutMetadata: [bob.id], orgWithoutMetadata: false });
    expect(res.stderr).toContain("note: no metadata for user");

    const refused = await zmeta(["export", "--user", alice.id, "--json", ...as("acme-admin")]);
    expect([refused.code, refused.out]).toEqual([2, ""]);
    expect(lines(refused.stderr)).toEqual([
      'zmeta export: export writes NDJSON to stdout already, one {"scope","id","key","value"} per line; --json prints a JSON summary instead, so it needs --out FILE (see "zmeta export --help")',
    ]);
  });

  it("import --json: per user and organization what was written and what was unchanged, for a dry run what would be", async () => {
    const bob = emulator().user("bob");
    const globex = emulator().org("globex");
    seed("bob", "json.import.same", "same");
    const line = (scope: string, id: string, key: string, value: string) => JSON.stringify({ scope, id, key, value: Buffer.from(value).toString("base64") });
    const file = join(dir, "import.ndjson");
    await writeFile(
      file,
      [line("user", bob.id, "json.import.same", "same"), line("user", bob.id, "json.import.new", "new"), line("org", globex.id, "json.import.org", "o")].join(
        "\n",
      ),
    );
    const targets = (changedUser: number, changedOrg: number) => [
      { scope: "user", id: bob.id, entries: 2, changed: changedUser, unchanged: 1 },
      { scope: "org", id: globex.id, entries: 1, changed: changedOrg, unchanged: 1 - changedOrg },
    ];

    const dry = await zmeta(["import", file, "--dry-run", "--json", ...as("globex-admin")]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.out)).toEqual({ dryRun: true, entries: 3, written: 0, unchanged: 1, targets: targets(1, 1) });
    expect(stored("bob", "json.import.new")).toBeUndefined();
    expect(dry.stderr).toContain("dry run:");

    const first = await zmeta(["import", file, "--json", ...as("globex-admin")]);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.out)).toEqual({ dryRun: false, entries: 3, written: 2, unchanged: 1, targets: targets(1, 1) });
    expect(Buffer.from(stored("bob", "json.import.new") ?? []).toString()).toBe("new");

    const again = await zmeta(["import", file, "--json", ...as("globex-admin")]);
    expect(JSON.parse(again.out)).toEqual({
      dryRun: false,
      entries: 3,
      written: 0,
      unchanged: 3,
      targets: [
        { scope: "user", id: bob.id, entries: 2, changed: 0, unchanged: 2 },
        { scope: "org", id: globex.id, entries: 1, changed: 0, unchanged: 1 },
      ],
    });

    const empty = await zmeta(["import", "-", "--json", ...as("globex-admin")], { stdin: "\n" });
    expect([empty.code, JSON.parse(empty.out)]).toEqual([0, { dryRun: false, entries: 0, written: 0, unchanged: 0, targets: [] }]);

    // Bad input: exit 2 and the line numbers on stderr, as without --json; nothing on stdout.
    const bad = await zmeta(["import", "-", "--json", ...as("globex-admin")], { stdin: "{}\n" });
    expect([bad.code, bad.out]).toEqual([2, ""]);
    expect(bad.stderr).toContain("line 1:");
  });

  it("is refused, saying why, where the output is not data or is JSON already", async () => {
    const cases: [string[], string][] = [
      [["emulator", "--json"], "the emulator's ready line is JSON already"],
      [["demo", "--json"], "the demo prints a table for people"],
      [["completion", "bash", "--json"], "completion prints a shell script"],
      [["help", "--json"], "help prints text"],
    ];
    for (const [args, reason] of cases) {
      const res = await zmeta(args);
      expect([res.code, res.out], args.join(" ")).toEqual([2, ""]);
      expect(lines(res.stderr), args.join(" ")).toEqual([
        expect.stringMatching(new RegExp(`^zmeta( \\w+)?: --json does not apply: ${reason.replace(/[.()]/g, "\\$&")}`)),
      ]);
    }
  });
});
