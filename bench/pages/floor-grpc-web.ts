// The floor of the bundle budget: what a browser app needs for one
// GetUserMetadata over gRPC-web with nothing of ours but the generated
// descriptors: connect-web, protobuf-es, and a hand-written bearer header.
import { createClient } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { ManagementService } from "../../gen/zitadel/management_pb.js";

const transport = createGrpcWebTransport({
  baseUrl: "https://acme.zitadel.cloud",
  interceptors: [
    (next) => (req) => {
      req.header.set("authorization", `Bearer ${sessionStorage.getItem("token")}`);
      return next(req);
    },
  ],
});
const res = await createClient(ManagementService, transport).getUserMetadata({ id: "69629023906488334", key: "plan" });
document.body.textContent = new TextDecoder().decode(res.metadata?.value);
