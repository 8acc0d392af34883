// Stage 4b: one ajv validator per place, compiled to standalone code at generation
// time (so opening a store compiles nothing). All places of a store share one
// module, so code for a `$defs` type is emitted once.
import { Ajv2020 } from "ajv/dist/2020.js";
import standalone from "ajv/dist/standalone/index.js";
import formats from "ajv-formats";
import type { Place, StoreModel } from "./model.js";
import type { Problems } from "./problems.js";

export interface Validators {
  /** Module text (ESM JavaScript, `require`s turned into imports). */
  readonly code: string;
  /** Export name of the validator for a bundle pointer. */
  readonly names: ReadonlyMap<string, string>;
}

/** Every bundle pointer a place validates against, in a stable order. */
function collect(place: Place, into: string[]): void {
  if (place.pointer !== undefined && !into.includes(place.pointer)) into.push(place.pointer);
  switch (place.kind) {
    case "list":
      for (const p of place.prefixItems ?? []) collect(p, into);
      collect(place.items, into);
      break;
    case "dict":
      for (const [, p] of place.properties) collect(p, into);
      for (const { place: p } of place.patternProperties) collect(p, into);
      if (place.additional !== false) collect(place.additional, into);
      break;
    case "union":
      for (const p of place.options) collect(p, into);
      break;
    case "any":
    case "scalar":
      break;
  }
}

function fragment(pointer: string): string {
  return "#" + pointer.split("/").map((s) => encodeURIComponent(s).replace(/%7E/g, "~")).join("/");
}

// ajv's standalone ESM output still `require`s its runtime helpers (ucs2length,
// fast-deep-equal, ajv-formats). Turn them into imports that work both under Node's
// CommonJS interop (default = module.exports) and under bundlers (default = exports.default).
function toImports(code: string): string {
  const modules = new Map<string, string>();
  const body = code.replace(/require\("([^"]+)"\)/g, (_match, specifier: string) => {
    const target = specifier.endsWith(".js") ? specifier : `${specifier}.js`;
    let local = modules.get(target);
    if (local === undefined) {
      local = `cjs${modules.size}`;
      modules.set(target, local);
    }
    return `interop(${local})`;
  });
  const imports = [...modules].map(([target, local]) => `import * as ${local} from ${JSON.stringify(target)};`);
  const helper =
    modules.size === 0
      ? []
      : ["const interop = (m) => (m.default && m.default.__esModule ? m.default : m);"];
  return [...imports, ...helper, body.replace(/^"use strict";\s*/, "")].join("\n");
}

// Checking a schema against the 2020-12 meta-schema compiles that meta-schema: done once
// per process, on this shared instance, instead of once per store.
let metaChecker: Ajv2020 | undefined;

function checkAgainstMetaSchema(model: StoreModel, problems: Problems): boolean {
  metaChecker ??= new Ajv2020({ allErrors: true, strict: false, logger: false });
  if (metaChecker.validateSchema(model.store.schema) === true) return true;
  for (const error of metaChecker.errors ?? []) {
    problems.add(model.store.file, error.instancePath, `invalid schema: ${error.message ?? error.keyword}`);
  }
  return false;
}

export function emitValidators(model: StoreModel, problems: Problems): Validators {
  if (!checkAgainstMetaSchema(model, problems)) return { code: "", names: new Map() };
  const pointers: string[] = [];
  collect(model.root, pointers);
  const ajv = new Ajv2020({
    code: { source: true, esm: true, lines: true },
    allErrors: true,
    strict: true,
    // A tuple without minItems is a valid schema: accept it rather than fail generation.
    strictTuples: false,
    logger: false,
    validateSchema: false,
  });
  formats.default(ajv);
  const names = new Map<string, string>();
  const refs: Record<string, string> = {};
  try {
    ajv.addSchema(model.store.schema, "store");
    pointers.forEach((pointer, i) => {
      const name = `v${i}`;
      names.set(pointer, name);
      refs[name] = `store${fragment(pointer)}`;
    });
    const code = standalone.default(ajv, refs);
    return { code: toImports(code), names };
  } catch (error) {
    problems.add(model.store.file, "", `ajv cannot compile the schema: ${error instanceof Error ? error.message : String(error)}`);
    return { code: "", names };
  }
}
