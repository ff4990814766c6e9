import { AsyncResource } from "node:async_hooks";
import { grpcStatusOf } from "./grpc-status.js";
import { unexpectedFlag } from "./grpc-frames.js";
import type { NodeRequest, NodeResponse } from "./node-http-types.js";

/**
 * What grpc-go checks and connect-node's gRPC handler does not: the flag
 * byte of the request's first frame. connect-node takes a frame flagged 0x80
 * (gRPC-web's trailer flag) as a message; grpc-go refuses any flag but 0 and
 * 1 with Internal (see unexpectedFlag). Reads the first chunk of the body,
 * refuses it trailers-only when its flag is wrong, and otherwise puts it back
 * and calls `next`, in the caller's async context (the faults' scope).
 */
export function guardFirstFrame(req: NodeRequest, res: NodeResponse, next: () => void): void {
  if (!("stream" in res)) return next(); // gRPC needs HTTP/2; connect-node answers that itself
  const proceed = AsyncResource.bind(next);
  let settled = false;
  const settle = () => {
    settled = true;
    req.off("data", onData);
    req.off("end", onEnd);
  };
  const onData = (chunk: Buffer) => {
    if (settled) return;
    settle();
    req.pause();
    const refusal = unexpectedFlag(chunk[0]!);
    if (refusal === undefined) {
      req.unshift(chunk);
      return proceed();
    }
    req.resume();
    if (res.stream.destroyed || res.headersSent) return;
    const contentType = String(req.headers["content-type"] ?? "application/grpc")
      .split(";")[0]!
      .trim()
      .toLowerCase();
    res.stream.respond({ ...res.getHeaders(), "content-type": contentType, ...grpcStatusOf(refusal), ":status": 200 }, { endStream: true });
  };
  const onEnd = () => {
    if (settled) return;
    settle();
    proceed();
  };
  req.on("data", onData);
  req.on("end", onEnd);
}
