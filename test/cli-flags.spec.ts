// zmeta's short flags (-u, -f, -o, -h), the refusal of grouped short forms,
// and "--" for a KEY or VALUE that starts with "-": the parser on its own
// (pure, so every rule is cheap to state), then the built bin in child
// processes against an emulator, over real sockets.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commandNames, commandOptionSpecs, parseCli } from "../src/cli/args.js";
import { usage } from "../src/cli/usage.js";
import { useEmulator } from "./support/emulator.js";
import { assertBuilt, lines, zmetaCli } from "./support/zmeta.js";

const { zmeta, killRunning } = zmetaCli({ timeoutMs: 60_000 });

let dir: string;
beforeAll(async () => {
  assertBuilt();
  dir = await mkdtemp(join(tmpdir(), "zmeta-cli-flags-"));
});
afterAll(async () => {
  killRunning();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const env = { ZITADEL_URL: "http://127.0.0.1:8080", ZITADEL_TOKEN: "t" };
const id = "69629023906488334";

/** The parsed command, or the usage error's message. */
function parse(argv: string[]): unknown {
  const parsed = parseCli(argv, env);
  return parsed.ok ? parsed.value : parsed.errorMessage;
}

describe("short flags", () => {
  it("-u, -f and -o are --user, --file and --out, and nothing else", () => {
    expect(parse(["get", "-u", id, "plan"])).toEqual(parse(["get", "--user", id, "plan"]));
    expect(parse(["set", "-u", id, "logo", "-f", "logo.png"])).toEqual(parse(["set", "--user", id, "logo", "--file", "logo.png"]));
    expect(parse(["export", "-u", id, "-u", "69629023906488335", "-o", "b.ndjson"])).toEqual(
      parse(["export", "--user", id, "--user", "69629023906488335", "--out", "b.ndjson"]),
    );
    expect(parse(["demo", "--url", "http://127.0.0.1:1", "-u", id])).toEqual(parse(["demo", "--url", "http://127.0.0.1:1", "--user", id]));
    // -f is set's --file only: get and list have --format, and no short for it.
    expect(parse(["get", "-u", id, "plan", "-f", "json"])).toMatch(/^zmeta get: unknown option "-f"/);
    expect(parse(["list", "--org", "-o", "x"])).toMatch(/^zmeta list: unknown option "-o"/);
  });

  it("no short letter means two flags, and the help of each command names every flag it takes", () => {
    for (const name of commandNames) {
      const spec = commandOptionSpecs[name];
      const shorts = Object.values(spec).flatMap((d) => (d.short === undefined ? [] : [d.short]));
      expect(new Set(shorts).size, name).toBe(shorts.length);
      const help = usage(name);
      for (const [flag, def] of Object.entries(spec)) {
        expect(help, `${name} --${flag}`).toMatch(new RegExp(`--${flag}[ ,\\n]`));
        if (def.short !== undefined) expect(help, `${name} -${def.short}`).toContain(`-${def.short}, --${flag}`);
      }
    }
    // One meaning per letter across commands too.
    const meaning = new Map<string, string>();
    for (const spec of Object.values(commandOptionSpecs)) {
      for (const [flag, def] of Object.entries(spec)) {
        if (def.short === undefined) continue;
        expect(meaning.get(def.short) ?? flag, `-${def.short}`).toBe(flag);
        meaning.set(def.short, flag);
      }
    }
    expect(Object.fromEntries(meaning)).toEqual({ h: "help", u: "user", f: "file", o: "out" });
  });

  it("refuses grouped and attached short forms, which would read -fu as --file u", () => {
    expect(parse(["get", `-u${id}`, "plan"])).toBe(
      `zmeta get: write short flags apart, each with its value after a space ("-u …" is --user), not "-u${id}"; ` +
        'a KEY that starts with "-" goes last, after "--": zmeta get --user ID -- -KEY (see "zmeta get --help")',
    );
    expect(parse(["list", "-hu", id])).toBe(
      'zmeta list: write short flags apart, each with its value after a space ("-h …" is --help), not "-hu" (see "zmeta list --help")',
    );
    // set's VALUE may be a secret: the argument is not quoted back.
    expect(parse(["set", "-fu", "x", "k"])).toMatch(/^zmeta set: write short flags apart, each with its value after a space \("-f …" is --file\), not "-f…"/);
    // A short flag is a flag when it comes where a value should: "--file -u" lacks the file.
    expect(parse(["set", "--file", "-u", id, "k"])).toBe('zmeta set: option "--file" needs a value (see "zmeta set --help")');
    expect(parse(["get", "-u", id, "--user", id, "plan"])).toBe('zmeta get: option "--user" is given twice (see "zmeta get --help")');
  });
});

describe('"--" for an argument that starts with "-"', () => {
  it("takes what follows as KEY and VALUE, flags included", () => {
    expect(parse(["set", "--user", id, "balance", "--", "-5"])).toMatchObject({ command: "set", key: "balance", input: { kind: "argument", text: "-5" } });
    expect(parse(["set", "--user", id, "--", "-k", "--json"])).toMatchObject({ key: "-k", input: { kind: "argument", text: "--json" }, json: false });
    expect(parse(["rm", "--user", id, "--", "-a", "--b"])).toMatchObject({ command: "rm", keys: ["-a", "--b"] });
    expect(parse(["get", "--user", id, "--", "-k"])).toMatchObject({ command: "get", key: "-k" });
    expect(parse(["import", "--dry-run", "--", "-backup.ndjson"])).toMatchObject({ command: "import", file: "-backup.ndjson", dryRun: true });
    // Everything after it is an argument, so a flag there is one argument too many.
    expect(parse(["get", "--user", id, "--", "plan", "--json"])).toBe('zmeta get: unexpected argument "--json"; give one KEY (see "zmeta get --help")');
  });

  it("an unknown option says how to pass it as a KEY or VALUE, where the command takes one", () => {
    expect(parse(["set", "--user", id, "balance", "-5"])).toBe(
      'zmeta set: unknown option "-…" (not quoted back: it may be the VALUE); ' +
        'a KEY or VALUE that starts with "-" goes last, after "--": zmeta set --user ID KEY -- -5 (see "zmeta set --help")',
    );
    expect(parse(["get", "--user", id, "-odd"])).toBe(
      'zmeta get: unknown option "-odd"; a KEY that starts with "-" goes last, after "--": zmeta get --user ID -- -KEY (see "zmeta get --help")',
    );
    expect(parse(["rm", "--user", id, "-old"])).toBe(
      'zmeta rm: unknown option "-old"; KEYs that start with "-" go last, after "--": zmeta rm --user ID -- -KEY (see "zmeta rm --help")',
    );
    // Shaped like a long flag, it is far more likely a flag in the wrong place: no hint.
    expect(parse(["get", "--user", id, "plan", "--rate", "5"])).toBe('zmeta get: unknown option "--rate" (see "zmeta get --help")');
    expect(parse(["get", "--user", id, "--5"])).toMatch(/^zmeta get: unknown option "--5"; a KEY that starts with "-" goes last/);
    expect(parse(["import", "-x.ndjson"])).toMatch(
      /^zmeta import: unknown option "-x\.ndjson"; a FILE that starts with "-" goes last, after "--": zmeta import -- -FILE/,
    );
    // Not where the command takes no KEY, VALUE or FILE.
    expect(parse(["list", "--org", "-5"])).toBe('zmeta list: unknown option "-5" (see "zmeta list --help")');
    // A long flag's inline value is never quoted back: it may be a mistyped --token=.
    expect(parse(["get", "--user", id, "plan", "--tokn=s3cret"])).toBe('zmeta get: unknown option "--tokn" (see "zmeta get --help")');
  });
});

describe("short flags and -- in the built bin, against the emulator", () => {
  const emulator = useEmulator();
  const admin = () => ["--url", emulator().url, "--token", emulator().user("acme-admin").token];

  it('stores, reads and removes a value and a key that start with "-", after "--"', async () => {
    const alice = emulator().user("alice");
    const stored = (key: string) => emulator().store.users.get(alice.id)?.metadata.get(key)?.value;

    const refused = await zmeta(["set", "-u", alice.id, "flags.balance", "-5", ...admin()]);
    expect([refused.code, refused.out]).toEqual([2, ""]);
    expect(lines(refused.stderr)).toEqual([expect.stringContaining('goes last, after "--": zmeta set --user ID KEY -- -5')]);
    expect(stored("flags.balance")).toBeUndefined();

    const set = await zmeta(["set", "-u", alice.id, ...admin(), "flags.balance", "--", "-5"]);
    expect(set.code, set.stderr).toBe(0);
    expect(Buffer.from(stored("flags.balance") ?? []).toString()).toBe("-5");
    const get = await zmeta(["get", "-u", alice.id, "flags.balance", ...admin()]);
    expect([get.code, get.out]).toEqual([0, "-5\n"]);

    const dashKey = await zmeta(["set", "-u", alice.id, ...admin(), "--", "-flags.dash", "--value"]);
    expect(dashKey.code, dashKey.stderr).toBe(0);
    const getDash = await zmeta(["get", "-u", alice.id, ...admin(), "--", "-flags.dash"]);
    expect([getDash.code, getDash.out]).toEqual([0, "--value\n"]);
    const removed = await zmeta(["rm", "-u", alice.id, ...admin(), "--", "-flags.dash", "flags.balance"]);
    expect(removed.code, removed.stderr).toBe(0);
    expect([stored("-flags.dash"), stored("flags.balance")]).toEqual([undefined, undefined]);
  });

  it("-f reads set's value from a file and -o writes export's file", async () => {
    const bob = emulator().user("bob");
    const globexAdmin = ["--url", emulator().url, "--token", emulator().user("globex-admin").token];
    const file = join(dir, "value.txt");
    await writeFile(file, "from a file\n");
    const set = await zmeta(["set", "-u", bob.id, "flags.file", "-f", file, ...globexAdmin]);
    expect(set.code, set.stderr).toBe(0);
    const out = join(dir, "bob.ndjson");
    const exported = await zmeta(["export", "-u", bob.id, "-o", out, ...globexAdmin]);
    expect([exported.code, exported.out], exported.stderr).toEqual([0, ""]);
    const exportedLines = lines(await readFile(out, "utf8")).map((l) => JSON.parse(l) as { key: string; value: string });
    expect(exportedLines).toContainEqual({ scope: "user", id: bob.id, key: "flags.file", value: Buffer.from("from a file").toString("base64") });
  });
});
