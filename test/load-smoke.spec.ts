// A tiny run of the load test (bench/load.ts, `npm run load`): the same code,
// a few clients on two lanes for about three seconds in all, in a child
// process (it needs --expose-gc, and starts the emulator as its own child).
// It asserts what must hold however slow the machine is: no errors, every
// read agreed with the client's model, the emulator's final store equals the
// models byte for byte, the heap stayed within the margin. No timing.
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runLoad(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", join(root, "bench", "load.ts"), ...args], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      // Only the flags given here: no LOAD_* settings of the caller's environment.
      env: Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("LOAD_"))),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("load test, smoke run", () => {
  it("v1 over grpc and v2 over connect, 4 clients each: no errors, reads match the models, the final state is exact", { timeout: 120_000 }, async () => {
    const run = await runLoad(["--seconds", "1.5", "--clients", "4", "--lanes", "v1-grpc,v2-connect", "--warmup-calls", "5", "--heap-every", "500", "--json"]);
    const line = run.stdout.split("\n").find((l) => l.startsWith("LOAD-RESULT "));
    expect(line, `no result line; exit ${run.code}\n${run.stdout}\n${run.stderr}`).toBeDefined();
    const result = JSON.parse(line!.slice("LOAD-RESULT ".length));
    expect(result.lanes.map((l: { lane: string }) => l.lane)).toEqual(["v1-grpc", "v2-connect"]);
    for (const lane of result.lanes) {
      expect({ lane: lane.lane, errors: lane.errors, mismatches: lane.mismatches, problems: lane.problems }).toEqual({
        lane: lane.lane,
        errors: 0,
        mismatches: 0,
        problems: [],
      });
      expect(lane.calls).toBeGreaterThan(0);
      expect(lane.byOp.get + lane.byOp.set + lane.byOp.list + lane.byOp.remove).toBeGreaterThan(lane.calls - 1);
    }
    expect(result.state).toMatchObject({ clients: 8, differences: 0, uncertain: 0, ok: true });
    expect(result.state.keys).toBeGreaterThan(0);
    expect(result.heap.ok).toBe(true);
    expect(result.ok).toBe(true);
    expect(run.stdout).toContain("load: ok");
    expect(run.code).toBe(0);
  });

  it("refuses an unknown flag with a message and a non-zero exit", { timeout: 60_000 }, async () => {
    const run = await runLoad(["--secnds", "1"]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("unknown flag --secnds");
  });
});
