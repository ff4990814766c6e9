// `zmeta --api v2`: every metadata command over each protocol ZITADEL serves
// v2 on (connect, grpc, grpc-web, rest), the errors that are v2's own, and the
// export file as the bridge between the APIs: a v1 export imports byte-exact
// through v2 and a v2 export back through v1. The built CLI in child
// processes, against emulators in this process, whose stores are compared.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../src/emulator/index.js";
import { startEmulator } from "../src/emulator/index.js";
import { useEmulator } from "./support/emulator.js";
import { random } from "./support/random.js";
import { assertBuilt, lines, zmetaCli } from "./support/zmeta.js";

const { zmeta, killRunning } = zmetaCli({ timeoutMs: 60_000 });
const v2Protocols = ["connect", "grpc", "grpc-web", "rest"] as const;

let dir: string;
beforeAll(async () => {
  assertBuilt();
  dir = await mkdtemp(join(tmpdir(), "zmeta-cli-v2-"));
});
afterAll(async () => {
  killRunning();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const isoDate = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

describe("zmeta --api v2", () => {
  const emulator = useEmulator();
  const as = (userName: string, protocol: string, api = "v2") => [
    "--url",
    emulator().url,
    "--token",
    emulator().user(userName).token,
    "--protocol",
    protocol,
    "--api",
    api,
  ];
  const acmeId = () => emulator().org("acme").id;

  describe.concurrent.each(v2Protocols)("every command over %s", (protocol) => {
    const key = (name: string) => `cli-v2.${protocol}.${name}`;

    it("set, get, list and rm on a user and on the organization (named by --org-id)", async () => {
      const alice = emulator().user("alice");
      const admin = as("acme-admin", protocol);
      const org = ["--org", "--org-id", acmeId()];

      const set = await zmeta(["set", "--user", alice.id, key("plan"), "pro", ...admin]);
      expect(set.code, set.stderr).toBe(0);
      // v2 sends a date and no sequence: the confirmation says what was sent.
      expect(lines(set.stderr)).toEqual([
        expect.stringMatching(new RegExp(`^zmeta set: "${key("plan").replace(/\./g, "\\.")}" on user ${alice.id}: 3 bytes \\(change date \\d{4}-[^)]+Z\\)$`)),
      ]);
      const binary = Buffer.from([0xff, 0x00, 0xfe, 0x80, 0x25, 0x2f]);
      const setBinary = await zmeta(["set", "--user", alice.id, key("blob"), "--format", "raw", ...admin], { stdin: binary });
      expect(setBinary.code, setBinary.stderr).toBe(0);
      const setOrg = await zmeta(["set", ...org, key("theme"), '{"dark":true}', "--format", "json", ...admin]);
      expect(setOrg.code, setOrg.stderr).toBe(0);
      expect(setOrg.stderr).toContain(`on organization ${acmeId()}`);
      // The store holds the bytes sent.
      expect(Buffer.from(emulator().store.users.get(alice.id)!.metadata.get(key("blob"))!.value)).toEqual(binary);

      const get = await zmeta(["get", "--user", alice.id, key("plan"), ...admin]);
      expect([get.code, get.out, get.stderr]).toEqual([0, "pro\n", ""]);
      const raw = await zmeta(["get", "--user", alice.id, key("blob"), "--format", "raw", ...admin]);
      expect(raw.code).toBe(0);
      expect(raw.stdout).toEqual(binary);
      const json = await zmeta(["get", "--user", alice.id, key("plan"), "--json", ...admin]);
      expect(json.code).toBe(0);
      // The same four detail keys as v1; v2 sends no sequence and no resource owner.
      expect(JSON.parse(json.out)).toEqual({
        key: key("plan"),
        value: "cHJv",
        text: "pro",
        details: { sequence: null, creationDate: expect.stringMatching(isoDate), changeDate: expect.stringMatching(isoDate), resourceOwner: null },
      });
      const v1Json = await zmeta(["get", "--user", alice.id, key("plan"), "--json", ...as("acme-admin", protocol === "connect" ? "grpc" : protocol, "v1")]);
      expect(v1Json.code, v1Json.stderr).toBe(0);
      const v1Details = (JSON.parse(v1Json.out) as { details: Record<string, unknown> }).details;
      expect(Object.keys(v1Details)).toEqual(Object.keys((JSON.parse(json.out) as { details: object }).details));
      expect(v1Details.resourceOwner).toBe(alice.orgId);
      const getOrg = await zmeta(["get", ...org, key("theme"), "--format", "json", ...admin]);
      expect([getOrg.code, getOrg.out]).toEqual([0, '{\n  "dark": true\n}\n']);

      const list = await zmeta(["list", "--user", alice.id, "--prefix", `cli-v2.${protocol}.`, "--json", ...admin]);
      expect(list.code, list.stderr).toBe(0);
      const listed = lines(list.out).map((l) => JSON.parse(l) as { key: string; value: string; details: { sequence: unknown } });
      expect(listed.map((e) => e.key).sort()).toEqual([key("blob"), key("plan")]);
      expect(Buffer.from(listed.find((e) => e.key === key("blob"))!.value, "base64")).toEqual(binary);
      expect(listed.every((e) => e.details.sequence === null)).toBe(true);
      const listOrg = await zmeta(["list", ...org, "--prefix", `cli-v2.${protocol}.`, ...admin]);
      expect([listOrg.code, listOrg.out]).toEqual([0, `${key("theme")}\t{"dark":true}\n`]);

      const rmOne = await zmeta(["rm", "--user", alice.id, key("plan"), ...admin]);
      expect([rmOne.code, rmOne.stderr]).toEqual([0, `zmeta rm: removed "${key("plan")}" from user ${alice.id}\n`]);
      const gone = await zmeta(["get", "--user", alice.id, key("plan"), ...admin]);
      expect(gone.code).toBe(3);
      expect(gone.stderr).toContain(`user ${alice.id} has no metadata "${key("plan")}"`);
      expect((await zmeta(["set", "--user", alice.id, key("plan"), "again", ...admin])).code).toBe(0);
      const rmMany = await zmeta(["rm", "--user", alice.id, key("blob"), key("plan"), ...admin]);
      expect([rmMany.code, rmMany.stderr]).toEqual([0, `zmeta rm: removed 2 keys from user ${alice.id}\n`]);
      expect([...emulator().store.users.get(alice.id)!.metadata.keys()].filter((k) => k.startsWith(`cli-v2.${protocol}.`))).toEqual([]);
      const rmOrg = await zmeta(["rm", ...org, key("theme"), ...admin]);
      expect(rmOrg.code, rmOrg.stderr).toBe(0);
      expect(emulator().store.orgs.get(acmeId())!.metadata.has(key("theme"))).toBe(false);
    });

    it("export and import: the same lines as over v1, and a second import writes nothing", async () => {
      // Apart from the other test's keys, which runs at the same time.
      const key = (name: string) => `cli-v2.io.${protocol}.${name}`;
      const alice = emulator().user("alice");
      const admin = as("acme-admin", protocol);
      const entries = [
        ["user", alice.id, key("a/b%c"), Buffer.from("über")],
        ["user", alice.id, key("🙂"), Buffer.from([0, 255, 1, 254])],
        ["org", acmeId(), key("org.1"), Buffer.from("one")],
      ] as const;
      const input = `${entries.map(([scope, id, k, v]) => JSON.stringify({ scope, id, key: k, value: v.toString("base64") })).join("\n")}\n`;

      const imported = await zmeta(["import", ...admin], { stdin: input });
      expect(imported.code, imported.stderr).toBe(0);
      expect(lines(imported.stderr).at(-1)).toBe("zmeta import: 3 entries for 1 user and 1 organization: 3 written, 0 unchanged");
      const again = await zmeta(["import", ...admin], { stdin: input });
      expect(lines(again.stderr).at(-1)).toBe("zmeta import: 3 entries for 1 user and 1 organization: all 3 unchanged, nothing to write");

      const exportArgs = ["export", "--user", alice.id, "--org", "--org-id", acmeId(), "--prefix", `cli-v2.io.${protocol}.`];
      const exported = await zmeta([...exportArgs, ...admin]);
      expect(exported.code, exported.stderr).toBe(0);
      expect(lines(exported.out).sort()).toEqual(lines(input).sort());
      const overV1 = await zmeta([...exportArgs, ...as("acme-admin", protocol === "connect" ? "grpc-web" : protocol, "v1")]);
      expect(overV1.code, overV1.stderr).toBe(0);
      expect(lines(overV1.out).sort()).toEqual(lines(exported.out).sort());

      const cleanUp = await zmeta(["rm", "--user", alice.id, key("a/b%c"), key("🙂"), ...admin]);
      expect(cleanUp.code, cleanUp.stderr).toBe(0);
    });
  });

  it("--org without --org-id exits 2 naming --org-id before any call, for every command; ZITADEL_API=v2 too", async () => {
    const admin = as("acme-admin", "connect");
    const commands = [
      ["get", "--org", "k"],
      ["set", "--org", "k", "v"],
      ["list", "--org"],
      ["rm", "--org", "k"],
      ["export", "--org"],
      ["export", "--user", emulator().user("alice").id, "--org"],
    ];
    for (const command of commands) {
      const res = await zmeta([...command, ...admin]);
      const name = command.join(" ");
      expect(res.code, name).toBe(2);
      expect(res.out, name).toBe("");
      expect(lines(res.stderr), name).toEqual([
        `zmeta ${command[0]}: --org with --api v2 needs --org-id (or ZITADEL_ORG_ID): ZITADEL v2 takes the organization in the request, not from the token, so name it, e.g. --org-id 69629023906488334`,
      ]);
    }
    const byEnv = await zmeta(["list", "--org", "--url", emulator().url, "--token", emulator().user("acme-admin").token], { env: { ZITADEL_API: "v2" } });
    expect(byEnv.code).toBe(2);
    expect(byEnv.stderr).toContain("needs --org-id");
    // The organization by environment works as by flag.
    const withEnvOrg = await zmeta(["list", "--org", "--url", emulator().url, "--token", emulator().user("acme-admin").token], {
      env: { ZITADEL_API: "v2", ZITADEL_ORG_ID: acmeId(), ZITADEL_PROTOCOL: "connect" },
    });
    expect(withEnvOrg.code, withEnvOrg.stderr).toBe(0);
  });

  it("a missing key on rm exits 3 on both APIs, one key or several, and removes nothing", async () => {
    const alice = emulator().user("alice");
    for (const [api, protocol] of [
      ["v1", "grpc"],
      ["v2", "connect"],
      ["v2", "rest"],
    ] as const) {
      const admin = as("acme-admin", protocol, api);
      const kept = `cli-v2.rm.${api}.${protocol}`;
      expect((await zmeta(["set", "--user", alice.id, kept, "x", ...admin])).code).toBe(0);
      const one = await zmeta(["rm", "--user", alice.id, "cli-v2.no-such-key", ...admin]);
      expect([one.code, one.stderr], `${api} ${protocol}`).toEqual([
        3,
        `zmeta rm: user ${alice.id} has no metadata "cli-v2.no-such-key"; nothing was removed\n`,
      ]);
      const several = await zmeta(["rm", "--user", alice.id, kept, "cli-v2.no-such-key", ...admin]);
      expect([several.code, several.stderr], `${api} ${protocol}`).toEqual([
        3,
        `zmeta rm: user ${alice.id} has no metadata "cli-v2.no-such-key"; nothing was removed\n`,
      ]);
      expect(emulator().store.users.get(alice.id)!.metadata.has(kept), `${api} ${protocol}: all or nothing`).toBe(true);
      const org = await zmeta(["rm", "--org", "--org-id", acmeId(), "cli-v2.no-such-key", ...admin]);
      expect(org.code, `${api} ${protocol} org`).toBe(3);
      expect((await zmeta(["rm", "--user", alice.id, kept, ...admin])).code).toBe(0);
    }
  });

  it("--protocol connect needs no --connect-v1 on v2; v1 still refuses it; --api takes v1 or v2 only", async () => {
    const url = ["--url", emulator().url, "--token", emulator().user("acme-admin").token, "--protocol", "connect"];
    const v2 = await zmeta(["list", "--user", emulator().user("alice").id, "--api", "v2", ...url]);
    expect(v2.code, v2.stderr).toBe(0);
    const v1 = await zmeta(["list", "--user", emulator().user("alice").id, ...url]);
    expect(v1.code).toBe(2);
    expect(v1.stderr).toContain("--protocol connect: ZITADEL does not serve its v1 metadata APIs over Connect");
    expect(v1.stderr).toContain("--api v2");
    for (const [args, env, source] of [
      [["--api", "v3"], {}, "--api"],
      [[], { ZITADEL_API: "V2" }, "ZITADEL_API"],
    ] as const) {
      const res = await zmeta(["get", "--org", "k", ...url, ...args], { env });
      expect(res.code).toBe(2);
      expect(lines(res.stderr)).toEqual([expect.stringContaining(`${source} must be v1 or v2`)]);
    }
  });

  it("--me on v2 reads v1's AuthService: fine over grpc, grpc-web and rest, refused (exit 2) over connect with the way out", async () => {
    const alice = emulator().user("alice");
    const admin = as("acme-admin", "grpc");
    expect((await zmeta(["set", "--user", alice.id, "cli-v2.me", "mine", ...admin])).code).toBe(0);
    for (const protocol of ["grpc", "grpc-web", "rest"]) {
      const res = await zmeta(["get", "--me", "cli-v2.me", ...as("alice", protocol)]);
      expect([res.code, res.out, res.stderr], protocol).toEqual([0, "mine\n", ""]);
    }
    const refused = await zmeta(["list", "--me", ...as("alice", "connect")]);
    expect(refused.code).toBe(2);
    expect(lines(refused.stderr)).toEqual([expect.stringContaining("--me with --protocol connect")]);
    expect(refused.stderr).toContain("--user YOUR_USER_ID");
    // The way out: v2 lets alice list her own metadata without any role.
    const own = await zmeta(["get", "--user", alice.id, "cli-v2.me", ...as("alice", "connect")]);
    expect([own.code, own.out, own.stderr]).toEqual([0, "mine\n", ""]);
    expect((await zmeta(["rm", "--user", alice.id, "cli-v2.me", ...admin])).code).toBe(0);
  });

  it("v2 finds a user in another organization without --org-id; v1 needs it", async () => {
    const bob = emulator().user("bob");
    const root = (protocol: string, api: string) => as("iam-admin", protocol, api);
    const set = await zmeta(["set", "--user", bob.id, "cli-v2.where", "globex", ...root("connect", "v2")]);
    expect(set.code, set.stderr).toBe(0);
    const v1 = await zmeta(["get", "--user", bob.id, "cli-v2.where", ...root("grpc", "v1")]);
    expect(v1.code).toBe(3);
    expect(v1.stderr).toContain("see --org-id");
    const v1WithOrg = await zmeta(["get", "--user", bob.id, "cli-v2.where", "--org-id", bob.orgId, ...root("grpc", "v1")]);
    expect([v1WithOrg.code, v1WithOrg.out]).toEqual([0, "globex\n"]);
    expect((await zmeta(["rm", "--user", bob.id, "cli-v2.where", ...root("rest", "v2")])).code).toBe(0);
  });
});

// ---------------------------------------------------------------------------

const userNames = ["iam-admin", "acme-admin", "alice"];
const perTarget = 800;

/** Keys with '/', '%', spaces and non-ASCII; values of random bytes, text, one of 200 KB. */
function generate(target: string, next: () => number): Map<string, Uint8Array> {
  const entries = new Map<string, Uint8Array>();
  for (let i = 0; i < perTarget; i++) {
    const key = i === 0 ? "k".repeat(200) : i % 7 === 0 ? `ключ/${i}` : i % 11 === 0 ? `a b/c%2F${i}` : i % 13 === 0 ? `emoji.🙂.${i}%` : `k.${i}`;
    const length = i === 1 ? 200_000 : 1 + Math.floor(next() * 64);
    const value = i % 5 === 0 ? Buffer.from(`text ${i} of ${target} ✓`) : Uint8Array.from({ length }, () => Math.floor(next() * 256));
    entries.set(key, value);
  }
  return entries;
}

type Data = Map<string, Map<string, Uint8Array>>;

/** Exactly these keys and bytes are stored for every target of `data`. */
function expectStored(emulator: Emulator, data: Data): number {
  let compared = 0;
  for (const [target, entries] of data) {
    const [kind, id] = target.split(":") as ["user" | "org", string];
    const stored = (kind === "user" ? emulator.store.users.get(id) : emulator.store.orgs.get(id))?.metadata ?? new Map();
    expect([...stored.keys()].sort(), target).toEqual([...entries.keys()].sort());
    for (const [key, value] of entries) {
      const got = stored.get(key)?.value as Uint8Array | undefined;
      if (got === undefined || !Buffer.from(got).equals(value)) throw new Error(`${target} ${JSON.stringify(key)}: stored bytes differ`);
      compared++;
    }
  }
  return compared;
}

describe("export files bridge the APIs", () => {
  const data: Data = new Map();
  const total = (userNames.length + 1) * perTarget;
  let source: Emulator;
  const started: Emulator[] = [];
  const fresh = async () => {
    const emulator = await startEmulator();
    started.push(emulator);
    return emulator;
  };

  beforeAll(async () => {
    source = await fresh();
    const next = random(20261203);
    for (const name of userNames) data.set(`user:${source.user(name).id}`, generate(name, next));
    data.set(`org:${source.org("acme").id}`, generate("org", next));
    const acme = source.org("acme").id;
    for (const [target, entries] of data) {
      const [kind, id] = target.split(":") as ["user" | "org", string];
      const list = [...entries].map(([key, value]) => ({ key, value }));
      if (kind === "user") source.store.bulkSetUserMetadata(acme, id, list);
      else source.store.bulkSetOrgMetadata(id, list);
    }
  });
  afterAll(async () => {
    await Promise.all(started.map((e) => e.close()));
  });

  const users = () => userNames.flatMap((name) => ["--user", source.user(name).id]);
  const connection = (emulator: Emulator, api: string, protocol: string) => [
    "--url",
    emulator.url,
    "--token",
    emulator.user("iam-admin").token,
    "--api",
    api,
    "--protocol",
    protocol,
  ];

  it("a v1 export imports byte-exact through v2 into a fresh emulator, and a v2 export of it imports byte-exact back through v1", async () => {
    // v1, without --org-id: the org lines are named by the entries' resource owner.
    const v1File = join(dir, "v1.ndjson");
    const v1Export = await zmeta(["export", ...users(), "--org", "--out", v1File, ...connection(source, "v1", "grpc")]);
    expect(v1Export.code, v1Export.stderr).toBe(0);
    expect(lines(v1Export.stderr).at(-1)).toBe(`zmeta export: ${total} entries of 3 users and the organization to ${v1File}`);
    const v1Lines = lines(await readFile(v1File, "utf8"));
    expect(v1Lines).toHaveLength(total);

    // Into a fresh emulator (the same seeded ids) through v2, over Connect.
    const viaV2 = await fresh();
    const imported = await zmeta(["import", v1File, ...connection(viaV2, "v2", "connect")]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(lines(imported.stderr).at(-1)).toBe(`zmeta import: ${total} entries for 3 users and 1 organization: ${total} written, 0 unchanged`);
    expect(expectStored(viaV2, data)).toBe(total);
    // Comparing over v2 finds everything the same: a second run writes nothing.
    const again = await zmeta(["import", v1File, ...connection(viaV2, "v2", "grpc")]);
    expect(lines(again.stderr).at(-1)).toBe(`zmeta import: ${total} entries for 3 users and 1 organization: all ${total} unchanged, nothing to write`);

    // Exported through v2 (which needs --org-id for --org): the same lines, whatever their order.
    const v2File = join(dir, "v2.ndjson");
    const v2Export = await zmeta(["export", ...users(), "--org", "--org-id", viaV2.org("acme").id, "--out", v2File, ...connection(viaV2, "v2", "rest")]);
    expect(v2Export.code, v2Export.stderr).toBe(0);
    const v2Lines = lines(await readFile(v2File, "utf8"));
    expect([...v2Lines].sort()).toEqual([...v1Lines].sort());

    // And back through v1 into another fresh emulator.
    const viaV1 = await fresh();
    const back = await zmeta(["import", v2File, ...connection(viaV1, "v1", "grpc-web")]);
    expect(back.code, back.stderr).toBe(0);
    expect(lines(back.stderr).at(-1)).toBe(`zmeta import: ${total} entries for 3 users and 1 organization: ${total} written, 0 unchanged`);
    expect(expectStored(viaV1, data)).toBe(total);
  });

  it("a v2 import sends only what is missing or different, and says so", async () => {
    const target = await fresh();
    const file = join(dir, "partial.ndjson");
    const exported = await zmeta(["export", ...users(), "--org", "--out", file, ...connection(source, "v1", "rest")]);
    expect(exported.code, exported.stderr).toBe(0);
    // Some already there, some different, some missing.
    const alice = target.user("alice").id;
    const aliceData = data.get(`user:${alice}`)!;
    const [same, changed] = [...aliceData.keys()].slice(2, 4);
    target.store.setUserMetadata(target.org("acme").id, alice, same!, aliceData.get(same!)!);
    target.store.setUserMetadata(target.org("acme").id, alice, changed!, Buffer.from("stale"));
    const dry = await zmeta(["import", file, "--dry-run", ...connection(target, "v2", "grpc-web")]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(lines(dry.out)).toContain(`user ${alice}: ${perTarget} entries, ${perTarget - 1} to write, 1 unchanged`);
    const res = await zmeta(["import", file, ...connection(target, "v2", "grpc-web")]);
    expect(lines(res.stderr).at(-1)).toBe(`zmeta import: ${total} entries for 3 users and 1 organization: ${total - 1} written, 1 unchanged`);
    expect(expectStored(target, data)).toBe(total);
  });
});
