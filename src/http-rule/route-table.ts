// The server side of google.api.http: which RPC a request path belongs to,
// with the same compiled rules the client fills its requests from.
import type { DescField, DescMethod } from "@bufbuild/protobuf";
import type { CompiledRule } from "./rule.js";
import { compiledRule, rpcName } from "./rule.js";

/** One RPC to route to, mounted under a service prefix (e.g. "/management/v1"). */
export interface RouteSpec<T> {
  method: DescMethod;
  prefix: string;
  target: T;
}

/** The RPC a path matched, and the path segment each bound field got (still as the path had it). */
export interface RouteMatch<T> {
  target: T;
  method: DescMethod;
  rule: CompiledRule;
  bound: Map<DescField, string>;
}

type Segment = { literal: string } | { any: true } | { field: DescField };

interface Route<T> extends RouteSpec<T> {
  rule: CompiledRule;
  segments: Segment[];
  literals: number;
}

export interface RouteTable<T> {
  /**
   * The route for a verb and the path's segments (split at "/", without the
   * leading empty one). Literal segments win over variables, so /_bulk beats
   * /{key}. `otherVerb` says the path matched a route of another verb (405).
   */
  match(verb: string, parts: readonly string[]): { found: RouteMatch<T> | undefined; otherVerb: boolean };
}

export interface RouteTableOptions {
  /** How a literal segment is written in the paths `match` gets (e.g. as a byte string); default as is. */
  literal?: (text: string) => string;
}

/**
 * Routes for every RPC with a usable rule. Throws for a rule a server cannot
 * route by segments (a `**` or a nested field path in a variable).
 */
export function createRouteTable<T>(specs: readonly RouteSpec<T>[], options: RouteTableOptions = {}): RouteTable<T> {
  const literal = options.literal ?? ((text: string) => text);
  const routes = specs.map((spec): Route<T> => {
    const rule = compiledRule(spec.method);
    const segments: Segment[] = spec.prefix
      .split("/")
      .slice(1)
      .map((text) => ({ literal: literal(text) }));
    for (const s of rule.template.segments) {
      if (s.kind === "literal") segments.push({ literal: literal(s.text) });
      else if (s.kind === "*") segments.push({ any: true });
      else if (s.kind === "variable" && s.fields.length === 1 && s.pattern.length === 1 && s.pattern[0]!.kind === "*") {
        segments.push({ field: s.fields[0]! });
      } else {
        throw new Error(
          `${rpcName(spec.method)}: the path "${rule.template.source}" cannot be routed by segments here (${s.kind === "**" ? "**" : `{${s.kind === "variable" ? s.source : ""}}`})`,
        );
      }
    }
    if (rule.template.verb !== undefined) throw new Error(`${rpcName(spec.method)}: custom verbs (":${rule.template.verb}") are not routed here`);
    return { ...spec, rule, segments, literals: segments.filter((s) => "literal" in s).length };
  });
  return {
    match(verb, parts) {
      let found: Route<T> | undefined;
      let foundBound: Map<DescField, string> | undefined;
      let otherVerb = false;
      for (const route of routes) {
        if (route.segments.length !== parts.length) continue;
        const bound = new Map<DescField, string>();
        const fits = route.segments.every((segment, i) => {
          if ("literal" in segment) return segment.literal === parts[i];
          if ("field" in segment) bound.set(segment.field, parts[i]!);
          return true;
        });
        if (!fits) continue;
        if (route.rule.verb !== verb) {
          otherVerb = true;
          continue;
        }
        if (found === undefined || route.literals > found.literals) {
          found = route;
          foundBound = bound;
        }
      }
      return {
        found: found && { target: found.target, method: found.method, rule: found.rule, bound: foundBound! },
        otherVerb,
      };
    },
  };
}
