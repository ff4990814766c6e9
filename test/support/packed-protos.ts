// The .proto files as a team outside this project gets them: `npm pack` of
// the current build, and only the package's proto/ taken out of the tarball.
// Tests of other toolchains (grpc-js, protobufjs) load these, not the
// checkout's proto/, so a file missing from "files" or a broken import among
// the packed files fails them.
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { packPackage, succeed } from "./packed-package.js";

export interface PackedProtos {
  /** The extracted proto/ directory: the include path for every import ("zitadel/object.proto", "google/rpc/status.proto"). */
  readonly root: string;
  /** Every .proto file under root, relative to it with "/" separators, sorted. */
  readonly files: readonly string[];
  /** Removes the tarball and the extracted files. */
  remove(): Promise<void>;
}

/** Packs the current build once into a new temporary directory and extracts package/proto/ from the tarball. */
export async function extractPackedProtos(): Promise<PackedProtos> {
  const dir = await mkdtemp(join(tmpdir(), "zmeta-packed-protos-"));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    const { tarball } = await packPackage(dir);
    // npm puts every file under "package/" in the tarball.
    await succeed("tar", ["-xzf", tarball, "-C", dir, "package/proto"], dir, { what: "extracting proto/ from the packed tarball" });
    const root = join(dir, "package", "proto");
    const files = (await readdir(root, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile() && entry.name.endsWith(".proto"))
      .map((entry) => relative(root, join(entry.parentPath, entry.name)).split(sep).join("/"))
      .sort();
    if (files.length === 0) throw new Error(`the packed tarball ${tarball} holds no .proto files under proto/: check "files" in package.json.`);
    return { root, files, remove };
  } catch (e) {
    await remove();
    throw e;
  }
}
