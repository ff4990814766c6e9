// The same read through the high-level API (MetadataEntry, ZitadelError,
// "not found" as undefined), for the size of that convenience.
import { createMetadataClient } from "../../src/web.js";

const md = createMetadataClient({
  baseUrl: "https://acme.zitadel.cloud",
  protocol: "grpc-web",
  auth: () => sessionStorage.getItem("token") ?? "",
});
const entry = await md.user("69629023906488334").get("plan");
document.body.textContent = entry?.text() ?? "";
