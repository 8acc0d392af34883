// Type tests for the real-schema policy (compiled by tsc, see types.test.ts): unions
// from type arrays, value-only keywords typed as the base type, a skipped `$schema`
// property, a shared type name, and what index.ts exports. Each `@ts-expect-error`
// line must be an error; every other line must compile.
import { ToolConfig, type Endpoint, type ToolConfigData } from "../../fixtures/generator/cases/real-world-policy/expected/index.js";
import { Alpha, AlphaTypes, Beta, BetaTypes, type Point } from "../../fixtures/generator/cases/index-clash/expected/index.js";
import type { Config, Message, Person, Role, ScoredUser, User } from "../../../generated/index.js";

export async function policyTypes(): Promise<void> {
  const config = await ToolConfig.open({ id: "types", init: { name: "tool" } });
  // type: ["integer", "string"] is a union.
  config.indent = 2;
  config.indent = "tab";
  // @ts-expect-error a boolean is neither
  config.indent = true;
  // type: ["string", "null"] with an enum: the enum's literals.
  config.level = null;
  config.level = "warn";
  // @ts-expect-error not one of the literals
  config.level = "loud";
  // `not`, `contains`, `propertyNames`, `dependencies` and a oneOf of `required` lists
  // only constrain values: the types are the base types.
  config.name = "x";
  // @ts-expect-error name is a string
  config.name = 1;
  config.ports = [80, 443];
  config.env = { HOME: "/root" };
  config.auth = { token: "t" };
  // @ts-expect-error auth has no such property
  config.auth = { key: "k" };
  // The root "$schema" property is skipped: a store member name.
  // @ts-expect-error no $schema accessor
  config.$schema = "x";
  const data: ToolConfigData = { name: "n" };
  // @ts-expect-error $schema is not in the data type either
  const withSchema: ToolConfigData = { name: "n", $schema: "s" };
  // The same titled object inlined twice is one type.
  const endpoint: Endpoint = { host: "h" };
  config.input = endpoint;
  config.output = endpoint;

  // index.ts exports every named type; a name two stores declare differently is in each store's namespace.
  const point: Point = { lat: 1, lon: 2 };
  const a = await Alpha.open({ id: "a" });
  const b = await Beta.open({ id: "b" });
  const alphaItem: AlphaTypes.Item = { x: 1 };
  const betaItem: BetaTypes.Item = { y: "1" };
  a.item = alphaItem;
  b.item = betaItem;
  a.at = point;
  // @ts-expect-error Beta's Item is not Alpha's
  a.item = betaItem;
  const types: [Config?, Message?, Person?, Role?, ScoredUser?, User?] = [];
  void [data, withSchema, types];
}
