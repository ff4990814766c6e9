// `zmeta get|set|list|rm` as users run them: the built bin/zmeta.js in a child
// process, against an emulator started in this process, over real sockets.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../src/emulator/index.js";
import { startEmulator } from "../src/emulator/index.js";
import { secretsOf } from "../src/cli/open-client.js";
import { redact } from "../src/cli/report-error.js";
import type { ZitadelProtocol } from "../src/index.js";
import { useEmulator } from "./support/emulator.js";
import { assertBuilt, lines, zmetaCli } from "./support/zmeta.js";

const { zmeta, killRunning } = zmetaCli({ timeoutMs: 60_000 });

beforeAll(assertBuilt);
afterAll(killRunning);

// One concurrent suite: the time goes into child processes, which can overlap.
describe.concurrent("zmeta get, set, list, rm", () => {
  const emulator = useEmulator();

  /** Connection flags acting as a seeded user. */
  function as(userName: string, protocol: ZitadelProtocol = "grpc"): string[] {
    return ["--url", emulator().url, "--token", emulator().user(userName).token, "--protocol", protocol];
  }

  /** What a value is stored as, read past the CLI. */
  function stored(userId: string, key: string): Uint8Array | undefined {
    return emulator().store.users.get(userId)?.metadata.get(key)?.value;
  }

  const nonUtf8 = Buffer.from([0xff, 0x00, 0xfe, 0xc3, 0x28, 0x0a]);

  /** Test setup past the CLI (the commands under test are the ones spawned). */
  function seedUser(userName: string, entries: Record<string, string | Uint8Array>): void {
    const user = emulator().user(userName);
    for (const [key, value] of Object.entries(entries)) {
      emulator().store.setUserMetadata(user.orgId, user.id, key, typeof value === "string" ? Buffer.from(value) : value);
    }
  }

  for (const protocol of ["grpc", "rest"] as const) {
    describe.concurrent(`zmeta get/set/list/rm over ${protocol}`, () => {
      const key = (name: string) => `cli.${protocol}.${name}`;

      it("--user: sets and gets values in every format", async () => {
        const alice = emulator().user("alice");
        const admin = as("acme-admin", protocol);
        const set = await zmeta(["set", "--user", alice.id, key("plan"), "pro", ...admin]);
        expect(set.code, set.stderr).toBe(0);
        expect(set.out).toBe("");
        expect(lines(set.stderr)).toEqual([
          expect.stringMatching(new RegExp(`^zmeta set: "${key("plan")}" on user ${alice.id}: 3 bytes \\(sequence \\d+\\)$`)),
        ]);
        const text = await zmeta(["get", "--user", alice.id, key("plan"), ...admin]);
        expect([text.code, text.out, text.stderr]).toEqual([0, "pro\n", ""]);

        const json = await zmeta(["get", "--user", alice.id, key("plan"), "--json", ...admin]);
        expect(json.code).toBe(0);
        expect(lines(json.out)).toHaveLength(1);
        expect(JSON.parse(json.out)).toEqual({
          key: key("plan"),
          value: "cHJv",
          text: "pro",
          details: {
            sequence: expect.stringMatching(/^[1-9]\d*$/),
            creationDate: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
            changeDate: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
            resourceOwner: alice.orgId,
          },
        });

        // Bytes that are not UTF-8, in as base64, out as raw and base64.
        const viaBase64 = await zmeta(["set", "--user", alice.id, key("bin"), nonUtf8.toString("base64"), "--format", "base64", ...admin]);
        expect(viaBase64.code, viaBase64.stderr).toBe(0);
        const raw = await zmeta(["get", "--user", alice.id, key("bin"), "--format", "raw", ...admin]);
        expect(raw.code).toBe(0);
        expect(raw.stdout.equals(nonUtf8)).toBe(true);
        const base64 = await zmeta(["get", "--user", alice.id, key("bin"), "--format", "base64", ...admin]);
        expect([base64.code, base64.out]).toEqual([0, `${nonUtf8.toString("base64")}\n`]);

        // JSON in on stdin, stored as written, out indented without rounding its numbers.
        const value = ' {"big": 12345678901234567890123, "list": [1, {"s": "a\\"b"}], "none": {}} \n';
        const setJson = await zmeta(["set", "--user", alice.id, key("json"), "--format", "json", ...admin], { stdin: value });
        expect(setJson.code, setJson.stderr).toBe(0);
        expect(setJson.stderr).not.toContain("12345678901234567890123");
        expect(Buffer.from(stored(alice.id, key("json")) ?? []).toString()).toBe(value.trim());
        const getJson = await zmeta(["get", "--user", alice.id, key("json"), "--format", "json", ...admin]);
        expect(getJson.code).toBe(0);
        expect(getJson.out).toBe('{\n  "big": 12345678901234567890123,\n  "list": [\n    1,\n    {\n      "s": "a\\"b"\n    }\n  ],\n  "none": {}\n}\n');

        // Text on stdin loses the line break echo adds; raw from a file keeps every byte.
        const fromStdin = await zmeta(["set", "--user", alice.id, key("stdin"), ...admin], { stdin: "hello\n" });
        expect(fromStdin.code, fromStdin.stderr).toBe(0);
        expect(Buffer.from(stored(alice.id, key("stdin")) ?? []).toString()).toBe("hello");
        const dir = await mkdtemp(join(tmpdir(), "zmeta-cli-metadata-"));
        try {
          const file = join(dir, "value.bin");
          await writeFile(file, nonUtf8);
          const fromFile = await zmeta(["set", "--user", alice.id, key("file"), "--file", file, "--format", "raw", ...admin]);
          expect(fromFile.code, fromFile.stderr).toBe(0);
          expect(stored(alice.id, key("file"))).toEqual(new Uint8Array(nonUtf8));
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      });

      it("--user: lists a preview, whole values in a format, or NDJSON, for the prefix asked for", async () => {
        const alice = emulator().user("alice");
        const admin = as("acme-admin", protocol);
        const prefix = key("list.");
        const long = "x".repeat(300);
        seedUser("alice", { [`${prefix}a`]: "tab\there\\", [`${prefix}b`]: long, [`${prefix}c`]: nonUtf8, [`${prefix}d`]: '{"n": 1}' });

        const preview = await zmeta(["list", "--user", alice.id, "--prefix", prefix, ...admin]);
        expect(preview.code, preview.stderr).toBe(0);
        // ZITADEL's lists have no order: lines are compared sorted.
        expect(lines(preview.out).sort()).toEqual([
          `${prefix}a\ttab\\there\\`,
          `${prefix}b\t${"x".repeat(79)}…`,
          `${prefix}c\t<6 bytes, not UTF-8>`,
          `${prefix}d\t{"n": 1}`,
        ]);
        const base64 = await zmeta(["list", "--user", alice.id, "--prefix", prefix, "--format", "base64", ...admin]);
        expect(lines(base64.out).sort()).toEqual(
          [Buffer.from("tab\there\\"), Buffer.from(long), nonUtf8, Buffer.from('{"n": 1}')].map((v, i) => `${prefix}${"abcd"[i]}\t${v.toString("base64")}`),
        );
        const text = await zmeta(["list", "--user", alice.id, "--prefix", prefix, "--format", "text", ...admin]);
        expect(text.code).toBe(1);
        expect(lines(text.out).sort()).toEqual([`${prefix}a\ttab\\there\\\\`, `${prefix}b\t${long}`, `${prefix}d\t{"n": 1}`]);
        expect(text.stderr).toContain(`"${prefix}c" is not UTF-8`);

        const json = await zmeta(["list", "--user", alice.id, "--prefix", prefix, "--json", ...admin]);
        expect(json.code).toBe(0);
        const entries = lines(json.out).map((l) => JSON.parse(l) as { key: string; value: string; details: { sequence: string } });
        entries.sort((x, y) => (x.key < y.key ? -1 : 1));
        expect(entries.map((e) => e.key)).toEqual(["a", "b", "c", "d"].map((n) => prefix + n));
        expect(Buffer.from(entries[2]!.value, "base64").equals(nonUtf8)).toBe(true);
        expect(entries.every((e) => /^\d+$/.test(e.details.sequence))).toBe(true);

        const none = await zmeta(["list", "--user", alice.id, "--prefix", key("nothing."), ...admin]);
        expect([none.code, none.out]).toEqual([0, ""]);
        expect(none.stderr).toContain("has no metadata");
      });

      it("--user: removes one key or several, and exits 3 naming a missing key without removing any", async () => {
        const alice = emulator().user("alice");
        const admin = as("acme-admin", protocol);
        seedUser("alice", { [key("r1")]: "v", [key("r2")]: "v", [key("r3")]: "v" });
        const one = await zmeta(["rm", "--user", alice.id, key("r1"), ...admin]);
        expect([one.code, one.out]).toEqual([0, ""]);
        expect(one.stderr).toContain(`removed "${key("r1")}"`);
        expect(stored(alice.id, key("r1"))).toBeUndefined();

        const missing = await zmeta(["rm", "--user", alice.id, key("r2"), key("r1"), ...admin]);
        expect(missing.code).toBe(3);
        expect(lines(missing.stderr)).toEqual([expect.stringContaining(`has no metadata "${key("r1")}"; nothing was removed`)]);
        expect(stored(alice.id, key("r2"))).toBeDefined();

        const several = await zmeta(["rm", "--user", alice.id, key("r2"), key("r3"), ...admin]);
        expect(several.code, several.stderr).toBe(0);
        expect(several.stderr).toContain("removed 2 keys");
        const gone = await zmeta(["get", "--user", alice.id, key("r2"), ...admin]);
        expect([gone.code, gone.out]).toEqual([3, ""]);
        expect(lines(gone.stderr)).toEqual([expect.stringContaining(`has no metadata "${key("r2")}"`)]);
      });

      it("--org: sets, gets, lists and removes the context organization's metadata", async () => {
        const admin = as("acme-admin", protocol);
        const acme = emulator().org("acme");
        const set = await zmeta(["set", "--org", key("org"), "org value", ...admin]);
        expect(set.code, set.stderr).toBe(0);
        expect(Buffer.from(emulator().store.orgs.get(acme.id)?.metadata.get(key("org"))?.value ?? []).toString()).toBe("org value");
        const get = await zmeta(["get", "--org", key("org"), "--json", ...admin]);
        expect(get.code).toBe(0);
        expect(JSON.parse(get.out)).toMatchObject({ key: key("org"), value: Buffer.from("org value").toString("base64"), details: { resourceOwner: acme.id } });
        const list = await zmeta(["list", "--org", "--prefix", key("org"), ...admin]);
        expect(lines(list.out)).toEqual([`${key("org")}\torg value`]);
        const removed = await zmeta(["rm", "--org", key("org"), ...admin]);
        expect(removed.code, removed.stderr).toBe(0);
        const gone = await zmeta(["get", "--org", key("org"), ...admin]);
        expect(gone.code).toBe(3);
        expect(gone.stderr).toContain(`the token's organization has no metadata "${key("org")}"`);
      });

      it("--org-id: names the organization of --user and --org; without it COMMAND-uXHNj says to pass it", async () => {
        const bob = emulator().user("bob");
        const globex = emulator().org("globex");
        const wrongOrg = await zmeta(["set", "--user", bob.id, key("org-id"), "v", ...as("acme-admin", protocol)]);
        expect(wrongOrg.code).toBe(1);
        expect(lines(wrongOrg.stderr)).toHaveLength(1);
        expect(wrongOrg.stderr).toContain("COMMAND-uXHNj");
        expect(wrongOrg.stderr).toContain("--org-id");

        const iam = as("iam-admin", protocol);
        const set = await zmeta(["set", "--user", bob.id, key("org-id"), "in globex", "--org-id", globex.id, ...iam]);
        expect(set.code, set.stderr).toBe(0);
        const get = await zmeta(["get", "--user", bob.id, key("org-id")], {
          env: { ZITADEL_URL: emulator().url, ZITADEL_TOKEN: emulator().user("iam-admin").token, ZITADEL_ORG_ID: globex.id, ZITADEL_PROTOCOL: protocol },
        });
        expect([get.code, get.out]).toEqual([0, "in globex\n"]);

        const org = await zmeta(["set", "--org", "--org-id", globex.id, key("org-id"), "globex value", ...iam]);
        expect(org.code, org.stderr).toBe(0);
        expect(org.stderr).toContain(`organization ${globex.id}`);
        expect(Buffer.from(emulator().store.orgs.get(globex.id)?.metadata.get(key("org-id"))?.value ?? []).toString()).toBe("globex value");
        const list = await zmeta(["list", "--org", "--org-id", globex.id, "--prefix", key("org-id"), "--json", ...iam]);
        expect(JSON.parse(list.out)).toMatchObject({ key: key("org-id"), details: { resourceOwner: globex.id } });
      });

      it("--me: reads the token's own metadata", async () => {
        seedUser("alice", { [key("me")]: "mine" });
        const me = as("alice", protocol);
        const get = await zmeta(["get", "--me", key("me"), ...me]);
        expect([get.code, get.out]).toEqual([0, "mine\n"]);
        const list = await zmeta(["list", "--me", "--prefix", key("me"), ...me]);
        expect(lines(list.out)).toEqual([`${key("me")}\tmine`]);
        const missing = await zmeta(["get", "--me", key("me.missing"), ...me]);
        expect(missing.code).toBe(3);
        expect(missing.stderr).toContain("the token's own user has no metadata");
      });
    });
  }

  describe.concurrent("zmeta value checks", () => {
    it("refuses bad input with exit 2 before writing anything", async () => {
      const alice = emulator().user("alice");
      const admin = as("acme-admin");
      const dir = await mkdtemp(join(tmpdir(), "zmeta-cli-metadata-"));
      try {
        const binary = join(dir, "value.bin");
        await writeFile(binary, nonUtf8);
        const cases: [string[], string | undefined, string][] = [
          [["bad64", "a*b=", "--format", "base64"], undefined, "not valid base64"],
          [["badjson", "{oops", "--format", "json"], undefined, "not valid JSON"],
          [["empty"], "", "zmeta rm"],
          [["notext", "--file", binary], undefined, "--format raw"],
          [["nofile", "--file", join(dir, "nope")], undefined, "no such file"],
        ];
        for (const [args, stdin, problem] of cases) {
          const res = await zmeta(["set", "--user", alice.id, `cli.check.${args[0]}`, ...args.slice(1), ...admin], { stdin });
          expect(res.code, args.join(" ")).toBe(2);
          expect(lines(res.stderr), args.join(" ")).toHaveLength(1);
          expect(res.stderr, args.join(" ")).toContain(problem);
          expect(stored(alice.id, `cli.check.${args[0]}`), args.join(" ")).toBeUndefined();
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it("refuses to print bytes that are not UTF-8 as text, or text that is not JSON as JSON", async () => {
      const alice = emulator().user("alice");
      seedUser("alice", { "cli.check.bin": nonUtf8, "cli.check.text": "plain" });
      const asText = await zmeta(["get", "--user", alice.id, "cli.check.bin", ...as("acme-admin")]);
      expect([asText.code, asText.out]).toEqual([1, ""]);
      expect(lines(asText.stderr)).toHaveLength(1);
      expect(asText.stderr).toContain("not UTF-8");
      expect(asText.stderr).toContain("--format base64");
      expect(asText.stderr).toContain("--format raw");
      const asJson = await zmeta(["get", "--user", alice.id, "cli.check.text", "--format", "json", ...as("acme-admin")]);
      expect([asJson.code, asJson.out]).toEqual([1, ""]);
      expect(asJson.stderr).toContain("not JSON");
    });
  });

  describe.concurrent("zmeta over grpc-web", () => {
    it("sets and gets over grpc-web", async () => {
      const alice = emulator().user("alice");
      const admin = as("acme-admin", "grpc-web");
      const key = "cli.grpc-web.smoke";
      expect((await zmeta(["set", "--user", alice.id, key, nonUtf8.toString("base64"), "--format", "base64", ...admin])).code).toBe(0);
      const raw = await zmeta(["get", "--user", alice.id, key, "--format", "raw", ...admin]);
      expect(raw.stdout.equals(nonUtf8)).toBe(true);
    });
  });

  describe.concurrent("zmeta over connect", () => {
    // The opt-in pair: an emulator that serves Connect on v1, and --connect-v1.
    const connectEmulator = useEmulator({ connectV1: true });

    it("sets and gets with --protocol connect --connect-v1 against an emulator started with connectV1", async () => {
      const alice = connectEmulator().user("alice");
      const admin = ["--url", connectEmulator().url, "--token", connectEmulator().user("acme-admin").token, "--protocol", "connect", "--connect-v1"];
      const key = "cli.connect.smoke";
      const set = await zmeta(["set", "--user", alice.id, key, nonUtf8.toString("base64"), "--format", "base64", ...admin]);
      expect(set.code, set.stderr).toBe(0);
      const raw = await zmeta(["get", "--user", alice.id, key, "--format", "raw", ...admin]);
      expect(raw.stdout.equals(nonUtf8)).toBe(true);
    });

    it("--protocol connect without --connect-v1 is a usage error naming the protocols that work and the opt-in", async () => {
      const envs: Record<string, string>[] = [{}, { ZITADEL_PROTOCOL: "connect" }];
      for (const env of envs) {
        const flags = "ZITADEL_PROTOCOL" in env ? [] : ["--protocol", "connect"];
        const res = await zmeta(["get", "--org", "k", "--url", connectEmulator().url, "--token", "t", ...flags], { env });
        expect([res.code, res.out]).toEqual([2, ""]);
        expect(lines(res.stderr)).toHaveLength(1);
        expect(res.stderr).toContain(
          `${"ZITADEL_PROTOCOL" in env ? "ZITADEL_PROTOCOL" : "--protocol"} connect: ZITADEL does not serve its v1 metadata APIs over Connect`,
        );
        expect(res.stderr).toContain("use grpc, grpc-web or rest");
        expect(res.stderr).toContain("--connect-v1");
      }
      const misplaced = await zmeta(["get", "--org", "k", "--url", connectEmulator().url, "--token", "t", "--connect-v1"]);
      expect(misplaced.code).toBe(2);
      expect(misplaced.stderr).toContain('--connect-v1 applies only with --protocol connect (it is "grpc")');
    });

    it("--connect-v1 against a server without it (as ZITADEL) fails with a hint", async () => {
      const res = await zmeta(["get", "--org", "k", ...as("acme-admin", "connect"), "--connect-v1"]);
      expect(res.code).toBe(1);
      expect(lines(res.stderr)).toHaveLength(1);
      expect(res.stderr).toMatch(/^zmeta get: Unimplemented: Not Found\. Hint: .*--connect-v1 works only with an emulator started with --connect-v1/);
    });
  });

  describe.concurrent("zmeta connection settings", () => {
    it("without a URL or credentials exits 2 naming each flag and its variable", async () => {
      const none = await zmeta(["get", "--user", "1", "k"]);
      expect([none.code, none.out]).toEqual([2, ""]);
      expect(lines(none.stderr)).toHaveLength(1);
      for (const name of ["--url", "ZITADEL_URL", "--token", "ZITADEL_TOKEN", "--key-file", "ZITADEL_KEY_FILE", "--client-id", "ZITADEL_CLIENT_SECRET"]) {
        expect(none.stderr).toContain(name);
      }
      const noAuth = await zmeta(["list", "--org", "--url", emulator().url]);
      expect(noAuth.code).toBe(2);
      expect(noAuth.stderr).not.toContain("--url");
      expect(noAuth.stderr).toContain("ZITADEL_TOKEN");
      const noUrl = await zmeta(["rm", "--org", "k"], { env: { ZITADEL_TOKEN: "t" } });
      expect(noUrl.code).toBe(2);
      expect(noUrl.stderr).toContain("--url (or ZITADEL_URL)");
      expect(noUrl.stderr).not.toContain("ZITADEL_TOKEN");
    });

    it("refuses two ways to authenticate, half of the client credentials, and bad settings, with exit 2", async () => {
      const url = ["--url", emulator().url];
      const cases: [string[], Record<string, string>, string][] = [
        [["--token", "a", "--key-file", "k.json"], {}, "one way to authenticate"],
        [["--token", "a", "--client-id", "c", "--client-secret", "s"], {}, "one way to authenticate"],
        [["--client-id", "c"], {}, "--client-secret (or ZITADEL_CLIENT_SECRET)"],
        [["--client-secret", "s"], {}, "--client-id (or ZITADEL_CLIENT_ID)"],
        [[], { ZITADEL_CLIENT_ID: "c" }, "ZITADEL_CLIENT_SECRET"],
        [["--token", "a", "--protocol", "carrier-pigeon"], {}, "--protocol must be one of grpc, grpc-web, connect, rest"],
        [["--token", "a"], { ZITADEL_PROTOCOL: "grpc,rest" }, "ZITADEL_PROTOCOL must be one of"],
        [["--token", "a", "--timeout", "soon"], {}, "--timeout"],
        // Beyond Node's longest timer every call would time out at once.
        [["--token", "a", "--timeout", "600h"], {}, "--timeout must be at most 2147483647 ms"],
        [["--token", "a", "--org-id", "has space"], {}, "--org-id must be an organization id"],
        [["--token", "a", "--token", "b"], {}, 'option "--token" is given twice'],
      ];
      for (const [flags, env, problem] of cases) {
        const res = await zmeta(["get", "--org", "k", ...url, ...flags], { env });
        expect(res.code, flags.join(" ")).toBe(2);
        expect(lines(res.stderr), flags.join(" ")).toHaveLength(1);
        expect(res.stderr, flags.join(" ")).toContain(problem);
      }
      const insecure = await zmeta(["get", "--org", "k", "--url", "http://zitadel.example.com", "--token", "a"]);
      expect(insecure.code).toBe(2);
      expect(insecure.stderr).toContain("--allow-insecure");
      const secret = await zmeta(["get", "--org", "k", "--token", "s3cr3t-token", "--key-file", "x"]);
      expect(secret.stderr).not.toContain("s3cr3t-token");
    });

    it("takes everything from the environment; a token wins over a key file, a key file over client credentials", async () => {
      const alice = emulator().user("alice");
      const bot = emulator().user("acme-bot");
      expect((await zmeta(["set", "--user", alice.id, "cli.env", "from env", ...as("acme-admin")])).code).toBe(0);
      const tokenWins = await zmeta(["get", "--user", alice.id, "cli.env"], {
        env: { ZITADEL_URL: emulator().url, ZITADEL_TOKEN: emulator().user("acme-admin").token, ZITADEL_KEY_FILE: "/nonexistent/key.json" },
      });
      expect([tokenWins.code, tokenWins.out], tokenWins.stderr).toEqual([0, "from env\n"]);
      const keyFileWins = await zmeta(["get", "--user", alice.id, "cli.env"], {
        env: { ZITADEL_URL: emulator().url, ZITADEL_KEY_FILE: bot.keyFile!, ZITADEL_CLIENT_ID: "acme-bot", ZITADEL_CLIENT_SECRET: "wrong-secret" },
      });
      expect([keyFileWins.code, keyFileWins.out], keyFileWins.stderr).toEqual([0, "from env\n"]);
      const badKeyFile = await zmeta(["get", "--user", alice.id, "cli.env"], {
        env: { ZITADEL_URL: emulator().url, ZITADEL_KEY_FILE: "/nonexistent/key.json" },
      });
      expect(badKeyFile.code).toBe(2);
      expect(badKeyFile.stderr).toContain("ZITADEL_KEY_FILE");
      expect(badKeyFile.stderr).toContain("no such file");
    });

    for (const protocol of ["grpc", "rest"] as const) {
      it(`authenticates with acme-bot's key file and client credentials over ${protocol}`, async () => {
        const alice = emulator().user("alice");
        const bot = emulator().user("acme-bot");
        const url = ["--url", emulator().url, "--protocol", protocol];
        const key = `cli.bot.${protocol}`;
        const byPath = await zmeta(["set", "--user", alice.id, key, "by key file", "--key-file", bot.keyFile!, ...url]);
        expect(byPath.code, byPath.stderr).toBe(0);
        const keyJson = await readFile(bot.keyFile!, "utf8");
        const byJson = await zmeta(["get", "--user", alice.id, key, ...url], { env: { ZITADEL_KEY_FILE: keyJson } });
        expect([byJson.code, byJson.out], byJson.stderr).toEqual([0, "by key file\n"]);

        const byFlags = await zmeta(["set", "--user", alice.id, key, "by secret", "--client-id", bot.clientId!, "--client-secret", bot.clientSecret!, ...url]);
        expect(byFlags.code, byFlags.stderr).toBe(0);
        const byEnv = await zmeta(["get", "--user", alice.id, key, "--client-id", bot.clientId!, ...url], {
          env: { ZITADEL_CLIENT_SECRET: bot.clientSecret! },
        });
        expect([byEnv.code, byEnv.out], byEnv.stderr).toEqual([0, "by secret\n"]);

        const wrong = await zmeta(["get", "--user", alice.id, key, "--client-id", bot.clientId!, "--client-secret", "not-the-secret-1", ...url]);
        expect(wrong.code).toBe(1);
        expect(lines(wrong.stderr)).toHaveLength(1);
        expect(wrong.stderr).toContain("invalid_client");
        expect(wrong.stderr).toContain("--client-id/--client-secret");
        expect(wrong.stderr).not.toContain("not-the-secret-1");
      });
    }

    it("redacts an inline key file whole, its PEM on its own (parsed or JSON-escaped) and each base64 line of it", async () => {
      const keyJson = await readFile(emulator().user("acme-bot").keyFile!, "utf8");
      const pem = (JSON.parse(keyJson) as { key: string }).key;
      const bodyLine = pem.split("\n").find((l) => l.length >= 16 && !l.startsWith("-----"))!;
      const connection = {
        url: emulator().url,
        auth: { kind: "key-file" as const, keyFile: `  ${keyJson}`, source: "ZITADEL_KEY_FILE" },
        api: "v1" as const,
        orgId: undefined,
        protocol: "grpc" as const,
        connectV1: false,
        allowInsecure: false,
        timeoutMs: 1000,
      };
      for (const quoted of [keyJson, pem, JSON.stringify(pem).slice(1, -1), bodyLine]) {
        expect(redact(`zmeta get: it said: ${quoted} (AUTH-x)`, connection)).toBe("zmeta get: it said: [redacted] (AUTH-x)");
      }
      // A path is not a secret; only JSON (the same test serviceAccountKey makes) is.
      expect(secretsOf({ kind: "key-file", keyFile: "./bot.json", source: "--key-file" })).toEqual([]);
      expect(secretsOf({ kind: "key-file", keyFile: "\n[not json", source: "--key-file" })).toEqual(["\n[not json", "[not json"]);
    });

    it("an invalid token exits 1 with AUTH-7fs1e and a hint, never showing the token", async () => {
      const res = await zmeta(["get", "--org", "k", "--url", emulator().url, "--token", "an-invalid-token"]);
      expect(res.code).toBe(1);
      expect(lines(res.stderr)).toHaveLength(1);
      expect(res.stderr).toContain("Errors.Token.Invalid (AUTH-7fs1e)");
      expect(res.stderr).toContain("invalid, revoked or expired");
      expect(res.stderr).not.toContain("an-invalid-token");
    });

    it("a caller without the permission gets the ZITADEL id and what role would help", async () => {
      const res = await zmeta(["set", "--user", emulator().user("alice").id, "k", "v", ...as("acme-viewer")]);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain("AUTH-5mWD2");
      expect(res.stderr).toContain("ORG_USER_MANAGER");
      const noMembership = await zmeta(["get", "--org", "k", "--org-id", emulator().org("globex").id, ...as("acme-admin")]);
      expect(noMembership.code).toBe(1);
      expect(noMembership.stderr).toContain("AUTHZ-cdgFk");
      const unknownOrg = await zmeta(["get", "--org", "k", "--org-id", "123456789", ...as("iam-admin")]);
      expect(unknownOrg.code).toBe(1);
      expect(unknownOrg.stderr).toContain("AUTH-Bs7Ds");
      expect(unknownOrg.stderr).toContain("--org-id");
    });

    it("an unreachable URL exits 1 and points at --url", async () => {
      const port = await freePort();
      for (const protocol of ["grpc", "rest"]) {
        const res = await zmeta(["get", "--org", "k", "--url", `http://127.0.0.1:${port}`, "--token", "t", "--protocol", protocol]);
        expect(res.code, protocol).toBe(1);
        expect(lines(res.stderr), protocol).toHaveLength(1);
        expect(res.stderr, protocol).toContain("Unavailable");
        expect(res.stderr, protocol).toContain("check --url");
      }
    });
  });

  describe("zmeta --timeout", () => {
    let slow: Emulator;
    beforeAll(async () => {
      slow = await startEmulator();
      // Far beyond the test's bound below: waiting for the answer cannot pass, however slow the machine.
      slow.faults.latencyMs = 60_000;
    });
    afterAll(async () => {
      await slow.close();
    });

    it("gives up after --timeout with DeadlineExceeded and says so", async () => {
      const started = Date.now();
      const res = await zmeta(["get", "--org", "k", "--url", slow.url, "--token", slow.user("acme-admin").token, "--timeout", "300"]);
      // Node's start on a loaded machine is in this time too; the server would have answered after 60 s.
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain("DeadlineExceeded");
      // The deadline it gave up at is the one asked for.
      expect(res.stderr).toContain("no answer within 300 ms");
      expect(res.stderr).toContain("--timeout");
    });
  });

  describe.concurrent("zmeta metadata usage", () => {
    it("--help shows every command, and each command's help has options and examples", async () => {
      const overview = await zmeta(["--help"]);
      expect(overview.code).toBe(0);
      for (const command of ["get", "set", "list", "rm", "export", "import", "emulator", "demo"]) {
        expect(overview.out).toMatch(new RegExp(`^  ${command}\\b`, "m"));
        const help = await zmeta([command, "--help"]);
        expect(help.code, command).toBe(0);
        expect(help.stderr, command).toBe("");
        expect(help.out, command).toContain(`zmeta ${command}`);
        expect(help.out, command).toContain("Examples:");
      }
      const viaHelp = await zmeta(["help", "import"]);
      expect(viaHelp.out).toContain("--dry-run");
    });

    it("refuses a missing scope, two scopes, a bad key, --org with a value and writes with --me, in one line each", async () => {
      const url = ["--url", "http://127.0.0.1:1", "--token", "t"];
      const cases: [string[], string][] = [
        [["get", "k"], "say whose metadata"],
        [["get", "--user", "1", "--org", "k"], "choose one of --user, --org and --me"],
        [["get", "--user", "1"], "give the KEY"],
        [["get", "--user", "1", "k".repeat(201)], "1 to 200 characters"],
        [["get", "--org", "123456789", "k"], "--org takes no value"],
        [["set", "--user", "1", "k", "v", "extra"], "unexpected argument"],
        [["get", "--user", "1", "k", "--format", "yaml"], "--format must be one of text, json, base64, raw"],
        [["rm", "--org"], "at least one KEY"],
        [["get", "--user", "1", "k", "--bogus"], 'unknown option "--bogus"'],
        [["get", "--user", "1", "k", "--json", "--format", "raw"], "drop --format, or drop --json"],
        [["list", "--user", "1", "--format", "raw"], "--format raw has no line structure"],
        [["set", "--user", "1", "k", "v", "--file", "f"], "not both"],
        [["set", "--me", "k", "v"], "auth API has no metadata writes"],
        [["rm", "--me", "k"], "auth API has no metadata writes"],
        [["export"], "ZITADEL's metadata API cannot list users"],
        [["export", "--me"], "does not take --me"],
        [["import", "--concurrency", "0"], "--concurrency must be a number from 1 to 64"],
      ];
      for (const [args, problem] of cases) {
        const res = await zmeta([...args, ...url]);
        expect(res.code, args.join(" ")).toBe(2);
        expect(res.out, args.join(" ")).toBe("");
        expect(lines(res.stderr), args.join(" ")).toHaveLength(1);
        expect(res.stderr, args.join(" ")).toContain(problem);
      }
      // set's surplus argument may be a secret; it is not echoed.
      const secret = await zmeta(["set", "--user", "1", "k", "v", "hunter2-secret", ...url]);
      expect(secret.stderr).not.toContain("hunter2-secret");
    });
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
