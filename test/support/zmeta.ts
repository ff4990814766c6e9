// Running the `zmeta` command as users run it: the built bin/zmeta.js under
// `node`, in a child process started from the repository root. Shared by
// test/cli.spec.ts, test/cli-metadata.spec.ts and test/cli-import.spec.ts.
//
// A spec file takes its runners once, with its own default timeout, and hooks
// the build check and the clean-up into its lifecycle:
//
//   const { zmeta, run, killRunning } = zmetaCli({ timeoutMs: 20_000 });
//   beforeAll(assertBuilt);
//   afterAll(killRunning);
//
//   const res = await zmeta(["get", "--user", id, "plan", ...flags]);
//   expect([res.code, res.out, res.stderr]).toEqual([0, "pro\n", ""]);
//
// The hooks are left to the spec file (rather than registered here) so that it
// decides their order relative to its own: an emulator started after the check,
// leftover children killed before that emulator is closed.
import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: the working directory of every child. */
export const root = fileURLToPath(new URL("../..", import.meta.url));
/** The command users run, `bin/zmeta.js`; it loads the build below. */
export const bin = join(root, "bin", "zmeta.js");
/** What `npm run build` writes and bin/zmeta.js imports. */
export const built = join(root, "dist", "esm", "src", "cli", "main.js");

/** How a child ended. A non-zero exit is a result to assert on, not an exception. */
export interface Run {
  /** The exit code; null when the child was ended by a signal (the timeout, say). */
  code: number | null;
  /** stdout byte for byte, for output that is not text (`--format raw`). */
  stdout: Buffer;
  /** stdout as UTF-8. */
  out: string;
  /** stderr as UTF-8. */
  stderr: string;
  /** Milliseconds from spawning the child to its streams closing. */
  ms: number;
}

export interface RunOptions {
  /** Variables added to (or overriding) the environment, which is otherwise {@link cleanEnv}. */
  env?: Record<string, string>;
  /**
   * Written to the child's stdin, which is then closed. Without it stdin is
   * closed at once, so a command that reads stdin sees it empty, never a wait.
   */
  stdin?: string | Uint8Array;
  /** The child is killed (SIGKILL, so `code` is null) when it has not ended after this long. */
  timeoutMs?: number;
}

export interface ZmetaCli {
  /** Runs `node bin/zmeta.js ...args` to its end. */
  zmeta(args: string[], options?: RunOptions): Promise<Run>;
  /**
   * Runs any program the same way: from the root, clean environment, stdin,
   * timeout. For another client (`buf curl`) or a wrapper around zmeta
   * (`script -qec "node bin/zmeta.js …" /dev/null` for a pseudo-terminal).
   */
  run(file: string, argv: string[], options?: RunOptions): Promise<Run>;
  /** SIGKILLs every child of these runners still running; for afterAll, after a test that failed or timed out. */
  killRunning(): void;
}

/** The runners of one spec file; `defaults` apply to every call that does not say otherwise. */
export function zmetaCli(defaults: RunOptions = {}): ZmetaCli {
  const running = new Set<ChildProcess>();

  function run(file: string, argv: string[], options: RunOptions = {}): Promise<Run> {
    const { env, stdin, timeoutMs = 20_000 } = { ...defaults, ...options, env: { ...defaults.env, ...options.env } };
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const child = spawn(file, argv, { cwd: root, env: { ...cleanEnv(), ...env } });
      running.add(child);
      const out: Buffer[] = [];
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
      child.stderr.setEncoding("utf8");
      child.stderr.on("data", (chunk: string) => (stderr += chunk));
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      child.on("error", reject);
      child.on("close", (code) => {
        clearTimeout(timer);
        running.delete(child);
        const stdout = Buffer.concat(out);
        resolve({ code, stdout, out: stdout.toString("utf8"), stderr, ms: performance.now() - started });
      });
      // The child may exit before reading stdin (a usage error); that is not our failure.
      child.stdin.on("error", () => {});
      child.stdin.end(stdin);
    });
  }

  return {
    run,
    zmeta: (args, options) => run(process.execPath, [bin, ...args], options),
    killRunning: () => {
      for (const child of running) child.kill("SIGKILL");
    },
  };
}

/** For beforeAll: fails the file at once, saying what to do, when the CLI has not been built. */
export function assertBuilt(): void {
  if (!existsSync(built)) {
    throw new Error(`${built} is missing: run \`npm run build\` before vitest (\`npm test\` does it for you).`);
  }
}

/**
 * The environment without ZITADEL_* variables: otherwise a developer's exported
 * ZITADEL_URL or ZITADEL_TOKEN would leak into the runs (and point
 * `zmeta demo` at a real server).
 */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith("ZITADEL_")) delete env[name];
  return env;
}

/** The non-empty lines of a command's output. */
export const lines = (text: string): string[] => text.split("\n").filter((l) => l !== "");
