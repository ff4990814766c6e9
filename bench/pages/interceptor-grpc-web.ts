// The same app on connect-web's own gRPC-web transport with our interceptor
// (README: "Put the interceptor on your own transport"): only gRPC-web is
// bundled, where createZitadelTransport brings Connect and REST along because
// it picks the protocol at run time.
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { createManagementClient, createZitadelInterceptor } from "../../src/web.js";

const transport = createGrpcWebTransport({
  baseUrl: "https://acme.zitadel.cloud",
  interceptors: [createZitadelInterceptor({ auth: () => sessionStorage.getItem("token") ?? "" })],
});
const res = await createManagementClient(transport).getUserMetadata({ id: "69629023906488334", key: "plan" });
document.body.textContent = new TextDecoder().decode(res.metadata?.value);
