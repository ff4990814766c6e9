// The high-level API from transport options (zitadel-metadata/quick), which
// keeps every browser transport: the price of the one-line form.
import { createMetadataClient } from "../../src/quick-web.js";

const md = createMetadataClient({
  baseUrl: "https://acme.zitadel.cloud",
  protocol: "grpc-web",
  auth: () => sessionStorage.getItem("token") ?? "",
});
const entry = await md.user("69629023906488334").get("plan");
document.body.textContent = entry?.text() ?? "";
