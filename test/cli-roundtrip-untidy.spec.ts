// `zmeta export` and `zmeta import` of 10,000 entries (3 users and the
// organization) against an emulator as untidy as ZITADEL: rows in a new
// order on every list query, and another client re-setting 500 keys while
// the export runs. Nothing may be lost or duplicated, on grpc, grpc-web and
// rest.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../src/emulator/index.js";
import { startEmulator } from "../src/emulator/index.js";
import { createMetadataClient, createZitadelTransport } from "../src/index.js";
import { random } from "./support/random.js";
import { assertBuilt, lines, zmetaCli } from "./support/zmeta.js";

const { zmeta, killRunning } = zmetaCli({ timeoutMs: 120_000 });
const protocols = ["grpc", "grpc-web", "rest"] as const;
const perTarget = 2_500;
const userNames = ["iam-admin", "acme-admin", "alice"];

function generate(target: string, next: () => number): Map<string, Uint8Array> {
  const entries = new Map<string, Uint8Array>();
  for (let i = 0; i < perTarget; i++) {
    const key = i % 9 === 0 ? `ключ.${i}` : i % 13 === 0 ? `a b/c%${i}` : `k.${i}`;
    const value =
      i % 4 === 0 ? Buffer.from(`text ${i} of ${target}`) : Uint8Array.from({ length: 1 + Math.floor(next() * 48) }, () => Math.floor(next() * 256));
    entries.set(key, value);
  }
  return entries;
}

/** "user:<id>" or "org:<id>" → key → value. */
type Data = Map<string, Map<string, Uint8Array>>;

function load(emulator: Emulator, data: Data): void {
  const acme = emulator.org("acme").id;
  for (const [target, entries] of data) {
    const [kind, id] = target.split(":") as ["user" | "org", string];
    const list = [...entries].map(([key, value]) => ({ key, value }));
    if (kind === "user") emulator.store.bulkSetUserMetadata(acme, id, list);
    else emulator.store.bulkSetOrgMetadata(id, list);
  }
}

/** Parses an export and checks every line is one of `allowed`'s values for its key, each key exactly once. */
function checkExport(text: string, allowed: (target: string, key: string) => Uint8Array[]): number {
  const seen = new Set<string>();
  for (const line of lines(text)) {
    const { scope, id, key, value } = JSON.parse(line) as { scope: string; id: string; key: string; value: string };
    const target = `${scope}:${id}`;
    const name = `${target} ${JSON.stringify(key)}`;
    if (seen.has(name)) throw new Error(`exported twice: ${name}`);
    seen.add(name);
    const bytes = Buffer.from(value, "base64");
    if (!allowed(target, key).some((v) => bytes.equals(v))) throw new Error(`exported value differs: ${name}`);
  }
  return seen.size;
}

let dir: string;
const data: Data = new Map();
let source: Emulator;

beforeAll(async () => {
  assertBuilt();
  dir = await mkdtemp(join(tmpdir(), "zmeta-untidy-"));
  source = await startEmulator({ quirks: { listOrder: "changing" } });
  const next = random(20261202);
  for (const name of userNames) data.set(`user:${source.user(name).id}`, generate(name, next));
  data.set(`org:${source.org("acme").id}`, generate("org", next));
  load(source, data);
});

afterAll(async () => {
  killRunning();
  await source?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const targetArgs = () => [...userNames.flatMap((name) => ["--user", source.user(name).id]), "--org"];
const connection = (emulator: Emulator, protocol: string) => ["--url", emulator.url, "--token", emulator.user("iam-admin").token, "--protocol", protocol];

describe.each(protocols)("10,000 entries round trip over %s", (protocol) => {
  it("with a new row order on every list query: export and import are byte-exact", async () => {
    source.quirks.listOrder = "changing";
    const backup = join(dir, `changing-${protocol}.ndjson`);
    const exported = await zmeta(["export", ...targetArgs(), "--out", backup, ...connection(source, protocol)]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(checkExport(await readFile(backup, "utf8"), (t, k) => [data.get(t)!.get(k)!])).toBe(10_000);

    // Into a fresh emulator (same seeded ids) whose lists are just as untidy.
    const target = await startEmulator({ quirks: { listOrder: "changing" } });
    try {
      const imported = await zmeta(["import", backup, ...connection(target, protocol)]);
      expect(imported.code, imported.stderr).toBe(0);
      expect(lines(imported.stderr).at(-1)).toMatch(/: 10000 written, 0 unchanged$/);
      for (const [t, entries] of data) {
        const [kind, id] = t.split(":") as ["user" | "org", string];
        const stored = (kind === "user" ? target.store.users.get(id) : target.store.orgs.get(id))!.metadata;
        expect(stored.size, t).toBe(entries.size);
        for (const [key, value] of entries) {
          if (!Buffer.from(stored.get(key)?.value ?? []).equals(value)) throw new Error(`${t} ${key}: imported bytes differ`);
        }
      }
      // A second run finds everything in place, though the lists it compares with come in a new order.
      const again = await zmeta(["import", backup, ...connection(target, protocol)]);
      expect(lines(again.stderr).at(-1)).toMatch(/: all 10000 unchanged, nothing to write$/);
    } finally {
      await target.close();
    }
  });

  it("while another client keeps re-setting 500 existing keys: each key once, its value old or new", async () => {
    // Storage order, where every re-set moves a row to the end: the case that makes naive offset paging skip rows.
    source.quirks.listOrder = "storage";
    const alice = source.user("alice").id;
    const original = data.get(`user:${alice}`)!;
    const churned = [...original.keys()].slice(0, 500);
    const newValue = (key: string) => Buffer.from(`rewritten ${key}`);
    const writer = createMetadataClient(createZitadelTransport({ baseUrl: source.url, protocol: "grpc", auth: source.user("acme-admin").token })).user(alice);
    let stop = false;
    let writes = 0;
    const writing = (async () => {
      for (let round = 0; !stop; round++) {
        for (const key of churned) {
          if (stop) break;
          await writer.set(key, round % 2 === 0 ? newValue(key) : original.get(key)!);
          writes++;
        }
      }
    })();
    let writesDuringExport = 0;
    try {
      // Let the writer get going, so the whole export overlaps with it.
      while (writes < 50) await new Promise((r) => setTimeout(r, 10));
      const before = writes;
      const backup = join(dir, `churn-${protocol}.ndjson`);
      const exported = await zmeta(["export", ...targetArgs(), "--out", backup, ...connection(source, protocol)]);
      writesDuringExport = writes - before;
      expect(exported.code, exported.stderr).toBe(0);
      const churnedSet = new Set(churned);
      const text = await readFile(backup, "utf8");
      const count = checkExport(text, (t, k) => {
        const old = data.get(t)!.get(k)!;
        return t === `user:${alice}` && churnedSet.has(k) ? [old, newValue(k)] : [old];
      });
      expect(count).toBe(10_000);
      // And the export imports byte-exact: whatever value each line has is what gets stored.
      const target = await startEmulator();
      try {
        const imported = await zmeta(["import", backup, ...connection(target, protocol)]);
        expect(imported.code, imported.stderr).toBe(0);
        for (const line of lines(text)) {
          const { scope, id, key, value } = JSON.parse(line) as { scope: string; id: string; key: string; value: string };
          const owner = scope === "user" ? target.store.users.get(id) : target.store.orgs.get(id);
          if (!Buffer.from(owner?.metadata.get(key)?.value ?? []).equals(Buffer.from(value, "base64"))) {
            throw new Error(`${scope}:${id} ${key}: imported bytes differ from the export`);
          }
        }
      } finally {
        await target.close();
      }
    } finally {
      stop = true;
      await writing;
      // Put alice's values back for the next protocol.
      await writer.setMany(churned.map((key) => [key, original.get(key)!] as const));
    }
    expect(writesDuringExport).toBeGreaterThan(0);
  });
});
