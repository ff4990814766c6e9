// Lists the signed-in user's own metadata over gRPC-web, straight from the browser.
// The app gets its instance and token from the page's query string here
// (?url=…&token=…); a real app takes the token from its OIDC login.
import { accessToken, createMetadataClient, createZitadelTransport } from "zitadel-metadata/web";

const params = new URLSearchParams(location.search);
const status = document.getElementById("status")!;
const list = document.getElementById("entries")!;

async function main(): Promise<void> {
  const baseUrl = params.get("url");
  const token = params.get("token");
  if (!baseUrl || !token) throw new Error("open this page with ?url=<your ZITADEL>&token=<an access token>");
  const transport = createZitadelTransport({ baseUrl, protocol: "grpc-web", auth: accessToken(token) });
  const md = createMetadataClient(transport);
  const entries = await md.me().list().toArray();
  entries.sort((a, b) => a.key.localeCompare(b.key));
  for (const entry of entries) {
    const item = document.createElement("li");
    item.textContent = `${entry.key} = ${entry.text()}`;
    list.append(item);
  }
  status.textContent = `${entries.length} entries`;
}

main().catch((error: unknown) => {
  status.textContent = `error: ${error instanceof Error ? error.message : String(error)}`;
});
