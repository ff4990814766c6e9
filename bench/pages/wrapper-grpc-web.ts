// The same app through zitadel-metadata/web: our transport factory (the
// interceptor with token, org header and their checks) and generated client.
import { createManagementClient, createZitadelTransport } from "../../src/web.js";

const transport = createZitadelTransport({
  baseUrl: "https://acme.zitadel.cloud",
  protocol: "grpc-web",
  auth: () => sessionStorage.getItem("token") ?? "",
});
const res = await createManagementClient(transport).getUserMetadata({ id: "69629023906488334", key: "plan" });
document.body.textContent = new TextDecoder().decode(res.metadata?.value);
