// The CLI's outcomes and hints go by ZITADEL's error ids and the real code,
// never by texts: they stay the same when ZITADEL translates its messages
// and under the v4.11–v4.13 error-conversion bug (code Unknown).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator, Quirks } from "../src/emulator/index.js";
import { startEmulator } from "../src/emulator/index.js";
import { assertBuilt, lines, zmetaCli } from "./support/zmeta.js";

const { zmeta, killRunning } = zmetaCli({ timeoutMs: 60_000 });
let emulator: Emulator;

beforeAll(async () => {
  assertBuilt();
  emulator = await startEmulator();
});
afterAll(async () => {
  killRunning();
  await emulator?.close();
});

const modes: [string, Partial<Quirks>][] = [
  ["translated error texts", { errorLanguage: "pseudo" }],
  ["the error-conversion bug", { errorConversionBug: true }],
];

describe.each(modes)("zmeta with %s", (_name, quirks) => {
  beforeAll(() => {
    Object.assign(emulator.quirks, quirks);
  });
  afterAll(() => {
    Object.assign(emulator.quirks, { errorLanguage: "en", errorConversionBug: false });
  });
  const as = (userName: string, protocol = "grpc") => ["--url", emulator.url, "--token", emulator.user(userName).token, "--protocol", protocol];

  it.each(["grpc", "rest"])("get and rm of a missing key exit 3 naming it (%s)", async (protocol) => {
    const alice = emulator.user("alice").id;
    const get = await zmeta(["get", "--user", alice, "missing.key", ...as("acme-admin", protocol)]);
    expect([get.code, get.out]).toEqual([3, ""]);
    expect(lines(get.stderr)).toEqual([expect.stringContaining('has no metadata "missing.key"')]);
    await zmeta(["set", "--user", alice, "present.key", "v", ...as("acme-admin", protocol)]);
    const rm = await zmeta(["rm", "--user", alice, "present.key", "missing.key", ...as("acme-admin", protocol)]);
    expect(rm.code).toBe(3);
    expect(lines(rm.stderr)).toEqual([expect.stringContaining('has no metadata "missing.key"; nothing was removed')]);
  });

  it("a user of another organization gets the --org-id hint, from set and from import", async () => {
    const bob = emulator.user("bob").id;
    const set = await zmeta(["set", "--user", bob, "k", "v", ...as("acme-admin")]);
    expect(set.code).toBe(1);
    expect(lines(set.stderr)).toEqual([expect.stringMatching(/^zmeta set: FailedPrecondition: .*\(COMMAND-uXHNj\)\. Hint: .*--org-id/)]);
    const line = JSON.stringify({ scope: "user", id: bob, key: "k", value: "dg==" });
    const imported = await zmeta(["import", ...as("acme-admin")], { stdin: `${line}\n` });
    expect(imported.code).toBe(1);
    expect(lines(imported.stderr)[0]).toMatch(new RegExp(`^zmeta import: user ${bob}: FailedPrecondition: .*\\(COMMAND-uXHNj\\)\\. Hint: .*--org-id`));
  });
});

describe("zmeta under the error-conversion bug", () => {
  beforeAll(() => {
    emulator.quirks.errorConversionBug = true;
  });
  afterAll(() => {
    emulator.quirks.errorConversionBug = false;
  });

  it("reports a validation failure with its real code, not Unknown", async () => {
    const alice = emulator.user("alice").id;
    const res = await zmeta(["list", "--user", alice, "--prefix", "p".repeat(201), "--url", emulator.url, "--token", emulator.user("acme-admin").token]);
    expect(res.code).toBe(1);
    expect(lines(res.stderr)).toEqual([expect.stringMatching(/^zmeta list: InvalidArgument: rpc error: code = InvalidArgument desc = invalid /)]);
  });
});
