// The REST side of check:breaking, which `buf breaking` does not look at: a
// REST client calls an RPC by its google.api.http binding (verb, path
// template, body), so every binding an RPC had in the release must still be
// there, unchanged. New bindings, and bindings of new RPCs, are fine. (An RPC
// that is gone is buf's RPC_NO_DELETE.)
import { createFileRegistry, fromBinary, getOption, hasOption } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";

/** The rule id this check reports under, named as buf names its rules. */
export const httpBindingRule = "RPC_SAME_HTTP_BINDING";

/**
 * Every RPC's REST bindings in an image (a FileDescriptorSet as `buf build -o` writes it, with imports):
 * fully qualified RPC name → { file, bindings: ["GET /users/me/metadata/{key}", "POST /… body=*"] }.
 * @param {Uint8Array} image
 * @returns {Map<string, { file: string, bindings: string[] }>}
 */
export function httpBindingsOf(image) {
  const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, image));
  const http = registry.getExtension("google.api.http");
  const out = new Map();
  for (const file of registry.files) {
    for (const service of file.services) {
      for (const method of service.methods) {
        const bindings = http !== undefined && hasOption(method, http) ? flatten(getOption(method, http)) : [];
        out.set(method.toString().replace(/^rpc /, ""), { file: file.proto.name, bindings });
      }
    }
  }
  return out;
}

/**
 * What the current image lost of the release's REST bindings: one line per binding gone, each naming
 * the RPC, the binding, and what the RPC has now.
 * @param {Uint8Array} released
 * @param {Uint8Array} current
 * @param {string} label  e.g. "release 0.1.0"
 * @returns {{ path: string, message: string }[]}
 */
export function lostHttpBindings(released, current, label) {
  const before = httpBindingsOf(released);
  const after = httpBindingsOf(current);
  const lost = [];
  for (const [rpc, { bindings }] of before) {
    const now = after.get(rpc);
    if (now === undefined) continue;
    for (const binding of bindings) {
      if (now.bindings.includes(binding)) continue;
      const has = now.bindings.length === 0 ? "none" : now.bindings.join("; ");
      lost.push({ path: `proto/${now.file}`, message: `RPC "${rpc}" was bound to ${binding} in ${label} and no longer is (its bindings now: ${has}).` });
    }
  }
  return lost;
}

/** An HttpRule and its additional bindings, each as "VERB /path[ body=…][ response_body=…]". */
function flatten(rule) {
  const { pattern } = rule;
  const verb = pattern.case === "custom" ? pattern.value.kind : pattern.case?.toUpperCase();
  const path = pattern.case === "custom" ? pattern.value.path : pattern.value;
  let text = `${verb} ${path}`;
  if (rule.body !== "") text += ` body=${rule.body}`;
  if (rule.responseBody !== "") text += ` response_body=${rule.responseBody}`;
  return [...(pattern.case === undefined ? [] : [text]), ...rule.additionalBindings.flatMap(flatten)];
}
