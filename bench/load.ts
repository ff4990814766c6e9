// The load test (issue 13, deliverable 7), run by hand with `npm run load`
// (never part of `npm test`; test/load-smoke.spec.ts runs a tiny version).
//
// Per lane (an API version over a protocol: v1 over grpc, grpc-web, rest; v2
// over connect, grpc, grpc-web, rest), 64 clients of the high-level API run a
// mix of get / set / list / remove for 60 s against the emulator, which runs
// in a child process (bench/load-emulator.ts) so this process's heap is the
// client's alone. The lanes run one after another, so each lane's numbers are
// its own. Every client owns its keys (`load.<lane>.<client>.k<n>`, on one of
// eight users of its lane or on the organization) and keeps a model of what
// they should hold; every read is checked against the model on the spot, and
// at the end the emulator's whole store is compared with the models byte for
// byte. The heap is measured (after forced gc, with the clients paused) after
// the warm-up and then every 100,000 calls and after each lane; each must stay
// within the warm-up heap plus a margin. The exit code is 1 when anything
// failed: an error, a read that disagrees with the model, a state mismatch,
// or heap growth beyond the margin.
//
//   node --expose-gc --import tsx bench/load.ts [--seconds 60] [--clients 64]
//     [--lanes v1-grpc,v2-connect,…] [--transport shared|own] [--heap-every 100000]
//     [--heap-margin-mb 10] [--keys 8] [--warmup-calls 20] [--seed 1] [--json]
//
// Each flag can also be given as an environment variable: LOAD_SECONDS,
// LOAD_CLIENTS, LOAD_LANES, LOAD_TRANSPORT, LOAD_HEAP_EVERY, LOAD_HEAP_MARGIN_MB,
// LOAD_KEYS, LOAD_WARMUP_CALLS, LOAD_SEED. The flag wins.
//
// Transport: by default all 64 clients of a lane share one transport, as an
// application does (one transport per process, many concurrent calls): gRPC
// then multiplexes 64 streams on one HTTP/2 session, the path most prone to
// trouble under concurrency, and the heap check covers a transport that lives
// for the whole run, where a leak would accumulate. `--transport own` gives
// every client its own transport instead (64 HTTP/2 sessions for gRPC; the
// HTTP/1.1 protocols pool sockets in Node's global agent either way).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Transport } from "@connectrpc/connect";
import type { MetadataScope, ZitadelProtocol } from "../src/index.js";
import { createMetadataClient, createZitadelTransport } from "../src/index.js";
import { spawnLineChild } from "./line-child.js";
import { LatencyHistogram, seededRandom } from "./load-stats.js";

type Api = "v1" | "v2";
interface Lane {
  name: string;
  api: Api;
  protocol: ZitadelProtocol;
}

const allLanes: Lane[] = [
  { name: "v1-grpc", api: "v1", protocol: "grpc" },
  { name: "v1-grpc-web", api: "v1", protocol: "grpc-web" },
  { name: "v1-rest", api: "v1", protocol: "rest" },
  { name: "v2-connect", api: "v2", protocol: "connect" },
  { name: "v2-grpc", api: "v2", protocol: "grpc" },
  { name: "v2-grpc-web", api: "v2", protocol: "grpc-web" },
  { name: "v2-rest", api: "v2", protocol: "rest" },
];

/** Users per lane; each lane's clients spread over them and the organization. */
const usersPerLane = 8;
const keyPrefix = "load.";

interface Settings {
  seconds: number;
  clients: number;
  lanes: Lane[];
  transport: "shared" | "own";
  heapEvery: number;
  heapMarginMb: number;
  keys: number;
  warmupCalls: number;
  seed: number;
  json: boolean;
}

function parseSettings(argv: string[]): Settings {
  const flags = new Map<string, string>();
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--json") {
      json = true;
      continue;
    }
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new Error(`bench/load.ts: unexpected argument ${JSON.stringify(arg)}`);
    const value = match[2] ?? argv[++i];
    if (value === undefined) throw new Error(`bench/load.ts: --${match[1]} needs a value`);
    flags.set(match[1]!, value);
  }
  const known = ["seconds", "clients", "lanes", "transport", "heap-every", "heap-margin-mb", "keys", "warmup-calls", "seed"];
  for (const name of flags.keys()) {
    if (!known.includes(name)) throw new Error(`bench/load.ts: unknown flag --${name}; the flags are ${known.map((k) => `--${k}`).join(", ")}, --json`);
  }
  const raw = (name: string) => flags.get(name) ?? (process.env[`LOAD_${name.toUpperCase().replaceAll("-", "_")}`] || undefined);
  const number = (name: string, fallback: number, whole: boolean, min: number) => {
    const text = raw(name);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isFinite(value) || value < min || (whole && !Number.isInteger(value))) {
      throw new Error(`bench/load.ts: --${name} must be ${whole ? "a whole number" : "a number"} of at least ${min}, got ${JSON.stringify(text)}`);
    }
    return value;
  };
  const laneNames = raw("lanes")
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const lanes =
    laneNames === undefined
      ? allLanes
      : laneNames.map((name) => {
          const lane = allLanes.find((l) => l.name === name);
          if (!lane) throw new Error(`bench/load.ts: unknown lane ${JSON.stringify(name)}; the lanes are ${allLanes.map((l) => l.name).join(", ")}`);
          return lane;
        });
  const transport = raw("transport") ?? "shared";
  if (transport !== "shared" && transport !== "own") throw new Error(`bench/load.ts: --transport must be "shared" or "own", got ${JSON.stringify(transport)}`);
  return {
    seconds: number("seconds", 60, false, 0.1),
    clients: number("clients", 64, true, 1),
    lanes,
    transport,
    heapEvery: number("heap-every", 100_000, true, 1),
    heapMarginMb: number("heap-margin-mb", 10, false, 0),
    keys: number("keys", 8, true, 1),
    warmupCalls: number("warmup-calls", 20, true, 1),
    seed: number("seed", 1, true, 0),
    json,
  };
}

// --- the emulator child ----------------------------------------------------

interface Ready {
  url: string;
  orgs: { id: string; name: string }[];
  users: { id: string; userName: string; token: string }[];
}

type Dump = Record<string, Record<string, string>>;

async function startEmulatorProcess(seedFile: string) {
  const here = dirname(fileURLToPath(import.meta.url));
  const { child, nextLine } = spawnLineChild(join(here, "load-emulator.ts"), [seedFile, keyPrefix]);
  const ready = JSON.parse(await nextLine()) as Ready;
  return {
    ready,
    dump: async () => {
      const answered = nextLine();
      child.stdin!.write("dump\n");
      return JSON.parse(await answered) as Dump;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

// --- clients -------------------------------------------------------------

type Op = "get" | "set" | "list" | "remove";
const _ops: Op[] = ["get", "set", "list", "remove"];

interface LaneStats {
  calls: Record<Op, number>;
  errors: number;
  /** Reads that disagreed with the client's model. */
  mismatches: number;
  /** The first few errors and mismatches, for the report. */
  problems: string[];
  latency: LatencyHistogram;
  measuredCalls: number;
  measuredMs: number;
}

function newStats(): LaneStats {
  return {
    calls: { get: 0, set: 0, list: 0, remove: 0 },
    errors: 0,
    mismatches: 0,
    problems: [],
    latency: new LatencyHistogram(),
    measuredCalls: 0,
    measuredMs: 0,
  };
}

function note(stats: LaneStats, problem: string) {
  if (stats.problems.length < 5) stats.problems.push(problem.slice(0, 400));
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0;

class LoadClient {
  /** What each of its keys holds now, as far as its own successful calls say. */
  readonly model = new Map<string, Uint8Array>();
  /** Keys whose state a failed write left unknown; they are checked no more. */
  readonly uncertain = new Set<string>();
  private readonly keys: string[];

  constructor(
    readonly name: string,
    /** "user:<id>" or "org:<id>": whose metadata its keys are. */
    readonly owner: string,
    readonly prefix: string,
    private readonly scope: MetadataScope,
    private readonly random: () => number,
    keyCount: number,
  ) {
    this.keys = Array.from({ length: keyCount }, (_, i) => `${prefix}k${i}`);
  }

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.random() * list.length)]!;
  }

  private randomValue(): Uint8Array {
    // 1 to 256 arbitrary bytes: not text, so any re-encoding on the way would show.
    const bytes = new Uint8Array(1 + Math.floor(this.random() * 256));
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(this.random() * 256);
    return bytes;
  }

  /** One call, timed into `latency` when given; errors and disagreements go into stats. */
  async step(stats: LaneStats, latency: LatencyHistogram | undefined): Promise<void> {
    const draw = this.random();
    let op: Op = draw < 0.4 ? "get" : draw < 0.7 ? "set" : draw < 0.85 ? "list" : "remove";
    if (op === "remove" && this.model.size === 0) op = "set";
    const key = op === "remove" ? this.pick([...this.model.keys()]) : this.pick(this.keys);
    const value = op === "set" ? this.randomValue() : undefined;
    stats.calls[op]++;
    const started = performance.now();
    try {
      switch (op) {
        case "get": {
          const entry = await this.scope.get(key);
          latency?.record(performance.now() - started);
          this.checkRead(stats, key, entry?.value);
          break;
        }
        case "list": {
          const entries = await this.scope.list({ prefix: this.prefix }).toArray();
          latency?.record(performance.now() - started);
          const seen = new Map(entries.map((e) => [e.key, e.value] as const));
          if (seen.size !== entries.length) this.mismatch(stats, `list of ${this.prefix}* returned a key twice`);
          for (const k of new Set([...seen.keys(), ...this.model.keys()])) this.checkRead(stats, k, seen.get(k));
          break;
        }
        case "set":
          await this.scope.set(key, value!);
          latency?.record(performance.now() - started);
          this.model.set(key, value!);
          break;
        case "remove":
          await this.scope.remove(key);
          latency?.record(performance.now() - started);
          this.model.delete(key);
          break;
      }
    } catch (e) {
      latency?.record(performance.now() - started);
      stats.errors++;
      note(stats, `${this.name} ${op} ${key}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      if (op === "set" || op === "remove") {
        this.model.delete(key);
        this.uncertain.add(key);
      }
    }
  }

  private checkRead(stats: LaneStats, key: string, got: Uint8Array | undefined) {
    if (this.uncertain.has(key)) return;
    const expected = this.model.get(key);
    if (expected === undefined && got === undefined) return;
    if (expected !== undefined && got !== undefined && sameBytes(expected, got)) return;
    this.mismatch(stats, `${this.name} read ${key}: expected ${describe(expected)}, got ${describe(got)}`);
  }

  private mismatch(stats: LaneStats, problem: string) {
    stats.mismatches++;
    note(stats, problem);
  }
}

const describe = (v: Uint8Array | undefined) => (v === undefined ? "no entry" : `${v.length} bytes ${Buffer.from(v.subarray(0, 8)).toString("hex")}…`);

// --- pausing for heap measurements ---------------------------------------

interface HeapPoint {
  /** Calls since the warm-up when it was taken. */
  calls: number;
  /** What it was taken after: "warm-up", "100,000 calls", "v1-grpc done". */
  label: string;
  heapMb: number;
}

const mb = (bytes: number) => bytes / 2 ** 20;

async function measureHeap(): Promise<number> {
  // A few full collections with a turn of the event loop between them, so that
  // finalizers and weak references that let go in one collection are gone in the next.
  for (let i = 0; i < 3; i++) {
    globalThis.gc!();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return mb(process.memoryUsage().heapUsed);
}

class Controller {
  /** Calls since the warm-up. */
  calls = 0;
  pausedMs = 0;
  readonly heap: HeapPoint[] = [];
  private inflight = 0;
  private gate: Promise<void> | undefined;
  private drained: (() => void) | undefined;
  private nextCheckpoint: number;

  constructor(private readonly heapEvery: number) {
    this.nextCheckpoint = heapEvery;
  }

  /** Runs the client's calls, one at a time, until `done()`; waits while the clients are paused. */
  async drive(client: LoadClient, stats: LaneStats, latency: LatencyHistogram | undefined, done: () => boolean, maxSteps = Infinity): Promise<void> {
    for (let steps = 0; steps < maxSteps && !done(); steps++) {
      while (this.gate) await this.gate;
      if (done()) break;
      this.inflight++;
      try {
        await client.step(stats, latency);
      } finally {
        this.inflight--;
        if (this.inflight === 0) this.drained?.();
      }
      if (latency === undefined) continue;
      this.calls++;
      if (this.calls >= this.nextCheckpoint) {
        this.nextCheckpoint += this.heapEvery;
        void this.checkpoint(`${this.calls.toLocaleString("en")} calls`);
      }
    }
  }

  /** Pauses every client once its call in flight is done, measures the heap, and lets them go on. */
  async checkpoint(label: string): Promise<void> {
    if (this.gate) return;
    const started = performance.now();
    let open!: () => void;
    this.gate = new Promise((resolve) => (open = resolve));
    if (this.inflight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    this.drained = undefined;
    this.heap.push({ calls: this.calls, label, heapMb: await measureHeap() });
    this.gate = undefined;
    open();
    this.pausedMs += performance.now() - started;
  }
}

// --- the run ---------------------------------------------------------------

interface LaneResult {
  lane: string;
  clients: number;
  calls: number;
  callsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
  mismatches: number;
  byOp: Record<Op, number>;
  problems: string[];
}

export interface LoadResult {
  settings: Omit<Settings, "lanes" | "json"> & { lanes: string[] };
  lanes: LaneResult[];
  heap: { warmupMb: number; points: HeapPoint[]; maxGrowthMb: number; marginMb: number; ok: boolean };
  state: { clients: number; owners: number; keys: number; uncertain: number; differences: number; examples: string[]; ok: boolean };
  ok: boolean;
}

function seedFor(lanes: Lane[]) {
  return {
    orgs: [{ name: "acme" }],
    users: [
      { userName: "load-admin", org: "acme", roles: ["ORG_OWNER"] },
      ...lanes.flatMap((lane) => Array.from({ length: usersPerLane }, (_, u) => ({ userName: `load-${lane.name}-${u}`, org: "acme" }))),
    ],
  };
}

async function runLoad(settings: Settings): Promise<LoadResult> {
  if (typeof globalThis.gc !== "function") throw new Error("bench/load.ts measures the heap after forced gc: run it with node --expose-gc");
  const dir = mkdtempSync(join(tmpdir(), "zmeta-load-"));
  const seedFile = join(dir, "seed.json");
  writeFileSync(seedFile, JSON.stringify(seedFor(settings.lanes)));
  const emulator = await startEmulatorProcess(seedFile);
  try {
    const { url } = emulator.ready;
    const admin = emulator.ready.users.find((u) => u.userName === "load-admin")!;
    const org = emulator.ready.orgs.find((o) => o.name === "acme")!;
    const userId = (lane: Lane, u: number) => emulator.ready.users.find((x) => x.userName === `load-${lane.name}-${u}`)!.id;
    const newTransport = (lane: Lane): Transport => createZitadelTransport({ baseUrl: url, protocol: lane.protocol, auth: admin.token });

    const lanes = settings.lanes.map((lane, laneIndex) => {
      const shared = settings.transport === "shared" ? newTransport(lane) : undefined;
      const clients = Array.from({ length: settings.clients }, (_, i) => {
        const md = createMetadataClient(shared ?? newTransport(lane), { api: lane.api, orgId: org.id });
        // Eight of every nine clients work on one of the lane's users, the ninth on the organization.
        const onOrg = i % (usersPerLane + 1) === usersPerLane;
        const owner = onOrg ? `org:${org.id}` : `user:${userId(lane, i % (usersPerLane + 1))}`;
        const scope = onOrg ? md.org() : md.user(owner.slice("user:".length));
        const random = seededRandom(settings.seed * 1_000_003 + laneIndex * 10_007 + i);
        return new LoadClient(`${lane.name}#${i}`, owner, `${keyPrefix}${lane.name}.${i}.`, scope, random, settings.keys);
      });
      return { lane, clients, stats: newStats() };
    });

    const controller = new Controller(settings.heapEvery);
    const log = (line: string) => process.stderr.write(`${line}\n`);
    // Warm-up: every client of every lane makes its first calls, so connections, code and models are in their steady state.
    for (const { lane, clients, stats } of lanes) {
      await Promise.all(clients.map((client) => controller.drive(client, stats, undefined, () => false, settings.warmupCalls)));
      log(`load: ${lane.name} warmed up (${settings.clients} clients × ${settings.warmupCalls} calls)`);
    }
    const warmupMb = await measureHeap();
    controller.heap.push({ calls: 0, label: "warm-up", heapMb: warmupMb });

    for (const { lane, clients, stats } of lanes) {
      const started = performance.now();
      const pausedBefore = controller.pausedMs;
      const elapsed = () => performance.now() - started - (controller.pausedMs - pausedBefore);
      const callsBefore = controller.calls;
      await Promise.all(clients.map((client) => controller.drive(client, stats, stats.latency, () => elapsed() >= settings.seconds * 1000)));
      stats.measuredMs = elapsed();
      stats.measuredCalls = controller.calls - callsBefore;
      await controller.checkpoint(`${lane.name} done`);
      const s = stats;
      log(
        `load: ${lane.name} ${s.measuredCalls} calls in ${(s.measuredMs / 1000).toFixed(1)} s, ` +
          `${(s.measuredCalls / (s.measuredMs / 1000)).toFixed(0)} calls/s, p50 ${s.latency.percentile(0.5).toFixed(2)} ms, ` +
          `p99 ${s.latency.percentile(0.99).toFixed(2)} ms, ${s.errors} errors, ${s.mismatches} mismatches, heap ${controller.heap.at(-1)!.heapMb.toFixed(1)} MB`,
      );
    }

    // The final state: the emulator's store against every client's model, byte for byte.
    const dump = await emulator.dump();
    const allClients = lanes.flatMap((l) => l.clients);
    const byPrefix = new Map(allClients.map((c) => [c.prefix, c]));
    const examples: string[] = [];
    let differences = 0;
    let keys = 0;
    let uncertain = 0;
    const differ = (text: string) => {
      differences++;
      if (examples.length < 10) examples.push(text);
    };
    for (const client of allClients) {
      uncertain += client.uncertain.size;
      const stored = dump[client.owner] ?? {};
      for (const [key, value] of client.model) {
        keys++;
        const held = stored[key];
        if (held === undefined) differ(`${client.name}: ${key} is missing from the emulator`);
        else if (held !== Buffer.from(value).toString("base64")) differ(`${client.name}: ${key} holds other bytes than the model`);
      }
    }
    for (const [owner, entries] of Object.entries(dump)) {
      for (const key of Object.keys(entries)) {
        const prefix = key.slice(0, key.lastIndexOf(".") + 1);
        const client = byPrefix.get(prefix);
        if (client === undefined) differ(`${owner}: ${key} belongs to no client`);
        else if (client.owner !== owner) differ(`${owner}: ${key} belongs to ${client.name}, whose keys are on ${client.owner}`);
        else if (!client.model.has(key) && !client.uncertain.has(key)) differ(`${client.name}: ${key} is in the emulator but was removed (or never set)`);
      }
    }

    const points = controller.heap;
    const maxGrowthMb = Math.max(0, ...points.map((p) => p.heapMb - warmupMb));
    const heapOk = maxGrowthMb <= settings.heapMarginMb;
    const laneResults: LaneResult[] = lanes.map(({ lane, clients, stats }) => ({
      lane: lane.name,
      clients: clients.length,
      calls: stats.measuredCalls,
      callsPerSecond: stats.measuredCalls / (stats.measuredMs / 1000),
      p50Ms: stats.latency.percentile(0.5),
      p99Ms: stats.latency.percentile(0.99),
      maxMs: stats.latency.maxMs,
      errors: stats.errors,
      mismatches: stats.mismatches,
      byOp: stats.calls,
      problems: stats.problems,
    }));
    const stateOk = differences === 0 && uncertain === 0;
    const ok = heapOk && stateOk && laneResults.every((l) => l.errors === 0 && l.mismatches === 0);
    const { json: _json, lanes: laneList, ...rest } = settings;
    return {
      settings: { ...rest, lanes: laneList.map((l) => l.name) },
      lanes: laneResults,
      heap: { warmupMb, points, maxGrowthMb, marginMb: settings.heapMarginMb, ok: heapOk },
      state: { clients: allClients.length, owners: Object.keys(dump).length, keys, uncertain, differences, examples, ok: stateOk },
      ok,
    };
  } finally {
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(result: LoadResult): string {
  const { settings } = result;
  const pad = (text: string | number, width: number) => String(text).padStart(width);
  const lines = [
    `load: ${settings.clients} clients per lane, ${settings.seconds} s per lane, ${settings.transport} transport${settings.transport === "shared" ? " per lane" : " per client"}, ` +
      `${settings.keys} keys per client, seed ${settings.seed}; node ${process.version}`,
    `${"lane".padEnd(12)}${pad("calls", 9)}${pad("calls/s", 9)}${pad("p50 ms", 9)}${pad("p99 ms", 9)}${pad("max ms", 9)}${pad("errors", 8)}${pad("wrong", 7)}`,
    ...result.lanes.map(
      (l) =>
        `${l.lane.padEnd(12)}${pad(l.calls, 9)}${pad(l.callsPerSecond.toFixed(0), 9)}${pad(l.p50Ms.toFixed(2), 9)}${pad(l.p99Ms.toFixed(2), 9)}` +
        `${pad(l.maxMs.toFixed(1), 9)}${pad(l.errors, 8)}${pad(l.mismatches, 7)}`,
    ),
    ...result.lanes.flatMap((l) => l.problems.map((p) => `  ${l.lane}: ${p}`)),
    `heap (client, after forced gc): warm-up ${result.heap.warmupMb.toFixed(1)} MB; ` +
      result.heap.points
        .slice(1)
        .map((p) => `${p.label} ${p.heapMb.toFixed(1)} MB (${p.heapMb >= result.heap.warmupMb ? "+" : ""}${(p.heapMb - result.heap.warmupMb).toFixed(1)})`)
        .join(", ") +
      `; largest growth +${result.heap.maxGrowthMb.toFixed(1)} MB, margin +${result.heap.marginMb} MB: ${result.heap.ok ? "ok" : "EXCEEDED"}`,
    `state: ${result.state.clients} clients, ${result.state.keys} keys on ${result.state.owners} owners; the emulator holds exactly what the models say: ` +
      `${result.state.ok ? "ok" : `NO (${result.state.differences} differences, ${result.state.uncertain} keys left unknown by failed writes)`}`,
    ...result.state.examples.map((e) => `  ${e}`),
    result.ok ? "load: ok" : "load: FAILED",
  ];
  return lines.join("\n");
}

const settings = parseSettings(process.argv.slice(2));
const result = await runLoad(settings);
console.log(report(result));
if (settings.json) console.log(`LOAD-RESULT ${JSON.stringify(result)}`);
process.exit(result.ok ? 0 : 1);
