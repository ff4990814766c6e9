// The same read through the high-level API (MetadataEntry, ZitadelError,
// "not found" as undefined), for the size of that convenience.
import { createMetadataClient, createZitadelGrpcWebTransport } from "../../src/web.js";

const md = createMetadataClient(
  createZitadelGrpcWebTransport({
    baseUrl: "https://acme.zitadel.cloud",
    auth: () => sessionStorage.getItem("token") ?? "",
  }),
);
const entry = await md.user("69629023906488334").get("plan");
document.body.textContent = entry?.text() ?? "";
