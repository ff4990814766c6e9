// Bundle budget, run by `npm run bench` (after bench/run.ts) or alone with
// `npm run bench:size`. Builds minimal browser apps (bench/pages/) with
// esbuild, minified for the browser, and reports minified and gzip sizes of
// one GetUserMetadata over gRPC-web: the floor (connect-web + our generated
// descriptors, a hand-written bearer header, no wrapper), then the same app
// through zitadel-metadata/web three ways. What matters is the difference to
// the floor: it is what choosing this package costs a browser app.
import { gzipSync } from "node:zlib";
import type { Metafile } from "esbuild";
import { build } from "esbuild";

interface App {
  name: string;
  entry: string;
}

interface Size {
  minified: number;
  gzip: number;
  /** Minified bytes that came from our own modules (src/), not connect or protobuf-es or gen/. */
  ours: number;
}

const floor: App = { name: "floor: connect-web + generated descriptors", entry: "bench/pages/floor-grpc-web.ts" };
const apps: App[] = [
  { name: "our interceptor on connect-web's gRPC-web transport", entry: "bench/pages/interceptor-grpc-web.ts" },
  { name: "createZitadelGrpcWebTransport + createManagementClient", entry: "bench/pages/grpc-web-factory.ts" },
  { name: "createZitadelTransport + createManagementClient", entry: "bench/pages/wrapper-grpc-web.ts" },
  { name: "createMetadataClient(createZitadelGrpcWebTransport)", entry: "bench/pages/high-level-grpc-web.ts" },
  { name: "createMetadataClient(options) from /quick", entry: "bench/pages/quick-grpc-web.ts" },
];

async function measure(app: App): Promise<Size> {
  const result = await build({
    entryPoints: [app.entry],
    bundle: true,
    minify: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    write: false,
    metafile: true,
    logLevel: "warning",
  });
  const code = result.outputFiles[0]!.contents;
  return { minified: code.length, gzip: gzipSync(code, { level: 9 }).length, ours: bytesFromOurSources(result.metafile) };
}

function bytesFromOurSources(metafile: Metafile): number {
  return Object.values(metafile.outputs)
    .flatMap((output) => Object.entries(output.inputs))
    .filter(([path]) => path.startsWith("src/"))
    .reduce((sum, [, input]) => sum + input.bytesInOutput, 0);
}

const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;
const signed = (bytes: number) => `${bytes >= 0 ? "+" : "-"}${kB(Math.abs(bytes))}`;

async function main() {
  const base = await measure(floor);
  const rows = [{ name: floor.name, size: base }];
  for (const app of apps) rows.push({ name: app.name, size: await measure(app) });
  const width = Math.max(...rows.map((r) => r.name.length));
  const lines = [
    "bundle size, one GetUserMetadata over gRPC-web (esbuild --bundle --minify, browser, es2022; gzip -9; 1 kB = 1000 bytes)",
    ...rows.map(({ name, size }) => {
      const line = `${name.padEnd(width)}  ${kB(size.minified).padStart(9)} min  ${kB(size.gzip).padStart(8)} gzip`;
      if (size === base) return line;
      return (
        `${line}  vs floor: ${signed(size.gzip - base.gzip)} gzip (×${(size.gzip / base.gzip).toFixed(2)}), ` +
        `${signed(size.minified - base.minified)} min (×${(size.minified / base.minified).toFixed(2)}); ` +
        `our src/ modules ${kB(size.ours)} min`
      );
    }),
  ];
  console.log(lines.join("\n"));
}

await main();
