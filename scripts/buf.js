// The repository's buf (the npm package @bufbuild/buf, in node_modules/.bin) for
// the scripts that run it: where it is, and one way to run it that reports
// instead of throwing.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** node_modules/.bin of this repository, where buf and the local protoc-gen-es plugin live. */
export const binDir = join(fileURLToPath(new URL("..", import.meta.url)), "node_modules", ".bin");

/** The buf executable. */
export const buf = join(binDir, process.platform === "win32" ? "buf.cmd" : "buf");

/**
 * Runs buf with `args` in `cwd`; resolves with its exit code and output (code 1 when it could not
 * start), never rejects.
 * @param {string[]} args
 * @param {string} cwd
 * @returns {Promise<{ code: number, stdout: string, stderr: string }>}
 */
export function runBuf(args, cwd) {
  return new Promise((done) => {
    execFile(buf, args, { cwd, shell: process.platform === "win32" }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/**
 * Builds proto/ in `cwd` into the image file `out` the way every baseline is built: descriptors with
 * their imports, without source info (so comments never count). Resolves like runBuf.
 * @param {string} cwd
 * @param {string} out
 */
export function buildImage(cwd, out) {
  return runBuf(["build", "--exclude-source-info", "-o", out], cwd);
}
