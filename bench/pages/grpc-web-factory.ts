// The same app through zitadel-metadata/web's one-protocol factory: the interceptor
// with its checks on connect-web's gRPC-web transport, and the generated client.
import { createManagementClient, createZitadelGrpcWebTransport } from "../../src/web.js";

const transport = createZitadelGrpcWebTransport({
  baseUrl: "https://acme.zitadel.cloud",
  auth: () => sessionStorage.getItem("token") ?? "",
});
const res = await createManagementClient(transport).getUserMetadata({ id: "69629023906488334", key: "plan" });
document.body.textContent = new TextDecoder().decode(res.metadata?.value);
