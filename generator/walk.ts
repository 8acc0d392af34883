// Stage 2c: the walk over one schema node. Each keyword is handled by its row of the
// keyword table (keywords.ts): annotations kept or dropped, validation keywords
// checked and kept, subschemas walked, draft-04/07 spellings turned into 2020-12
// (`items` arrays, `dependencies`, boolean `exclusiveMinimum`), `$ref`s resolved.
import { close } from "./close.js";
import { where, type Context, type Mode } from "./context.js";
import { isObject, pointerJoin, type Schema, type SchemaObject } from "./json.js";
import {
  ANNOTATIONS, DROPPED, DYNAMIC, isKeyword, KNOWN_FORMATS, NUMERIC, RULES, SHAPING_LISTS, SHAPING_MAPS, TYPES, VALIDATION, VALUE_MAPS, VALUE_ONE,
} from "./keywords.js";
import { mergeAllOf } from "./all-of.js";
import { hoist, resolveRef } from "./refs.js";

const VALUE_MODE: Mode = { asDef: false, closable: false };
const SHAPING = new Set<string>([...SHAPING_MAPS, ...SHAPING_LISTS, "additionalProperties", "items", "additionalItems"]);
const VALUE_SUBSCHEMAS = new Set<string>([...VALUE_ONE, ...VALUE_MAPS, "dependencies"]);

function regexProblem(pattern: string): string | undefined {
  try {
    new RegExp(pattern, "u");
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

export function walk(context: Context, node: unknown, doc: string, pointer: string, mode: Mode): Schema {
  const { problems } = context;
  const file = context.loaded.display(doc);
  if (typeof node === "boolean") return node;
  if (!isObject(node)) {
    problems.add(file, pointer, RULES.notSchema());
    return {};
  }
  const child = (value: unknown, at: string, childMode: Mode = { asDef: false, closable: mode.closable }): Schema => context.walk(value, doc, at, childMode);
  const list = (value: unknown, at: string, childMode?: Mode): Schema[] => {
    if (!Array.isArray(value)) {
      problems.add(file, at, RULES.notSchema());
      return [];
    }
    return value.map((item, i) => child(item, pointerJoin(at, i), childMode));
  };
  const map = (value: unknown, at: string, childMode?: Mode): SchemaObject => {
    const out: SchemaObject = {};
    if (!isObject(value)) {
      problems.add(file, at, RULES.notSchema());
      return out;
    }
    for (const key of Object.keys(value)) Object.defineProperty(out, key, { value: child(value[key], pointerJoin(at, key), childMode), enumerable: true, writable: true, configurable: true });
    return out;
  };

  const validation = context.pass === "validation";
  // A titled subschema is a named type: hoisted like a $ref target (not below value-only keywords).
  if (!mode.asDef && mode.closable && pointer !== "" && typeof node.title === "string" && node.title.trim() !== "") {
    const hoisted = validation ? context.defs.get(`${doc}#${pointer}`)?.name : hoist(context, doc, pointer, node, `${doc}#${pointer}`);
    if (hoisted !== undefined) {
      const out: SchemaObject = { $ref: `#/$defs/${hoisted}` };
      context.sources.set(out, where(context, doc, pointer));
      return out;
    }
  }

  const out: SchemaObject = {};
  const rest: SchemaObject = {};
  for (const [key, value] of Object.entries(node)) {
    const at = pointerJoin(pointer, key);
    if ((key.startsWith("x-") && !ANNOTATIONS.has(key)) || DROPPED.has(key)) continue;
    // Identifiers: uris.ts resolved every `$ref` against them already.
    if ((key === "$id" || key === "id") && typeof value === "string") continue;
    if (key === "$ref") rest.$ref = value;
    else if (ANNOTATIONS.has(key)) out[key] = value;
    else if (VALIDATION.has(key)) {
      if (key === "type") {
        const types = (Array.isArray(value) ? value : [value]).filter((t) => {
          if (t === "any") problems.warn(file, at, RULES.anyType());
          else if (typeof t !== "string" || !TYPES.has(t)) problems.add(file, at, RULES.unknownType(t));
          return t !== "any";
        });
        if (types.length > 0) rest.type = Array.isArray(value) ? types : types[0];
      } else if (key === "format") {
        if (typeof value === "string" && KNOWN_FORMATS.has(value)) rest.format = value;
        else problems.warn(file, at, RULES.unknownFormat(String(value)), `format ${String(value)}`);
      } else if (key === "required" && !Array.isArray(value)) {
        problems.warn(file, at, RULES.booleanRequired(), "required boolean");
      } else if ((key === "exclusiveMinimum" || key === "exclusiveMaximum") && typeof value === "boolean") {
        // draft-04: a flag on minimum/maximum.
        const bound = key === "exclusiveMinimum" ? "minimum" : "maximum";
        if (value && typeof node[bound] === "number") rest[key] = node[bound];
      } else if (key === "pattern" && typeof value === "string" && regexProblem(value) !== undefined) {
        problems.warn(file, at, RULES.patternNotUnicode(value, regexProblem(value) ?? ""));
      } else if (key === "enum" && Array.isArray(value) && value.length === 0) {
        // ajv cannot compile an empty enum; JSON Schema says no value matches it.
        problems.warn(file, at, RULES.emptyEnum());
        if (context.pass === "validation") rest.not = {};
      } else if (NUMERIC.has(key) && typeof value !== "number") {
        problems.add(file, at, RULES.notNumber(key));
      } else rest[key] = value;
    } else if (SHAPING.has(key) || VALUE_SUBSCHEMAS.has(key)) rest[key] = value;
    else if (DYNAMIC.has(key)) problems.warn(file, at, RULES.dynamicRef(key));
    else problems.warn(file, at, RULES.unknownKeyword(key), `keyword ${key}`);
  }
  // draft-04 exclusive bounds replace the plain bound they flag.
  if (node.exclusiveMinimum === true && typeof rest.exclusiveMinimum === "number") delete rest.minimum;
  if (node.exclusiveMaximum === true && typeof rest.exclusiveMaximum === "number") delete rest.maximum;

  if (rest.$ref !== undefined) {
    const site = `${doc}#${pointer}`;
    // The validation pass refers to what the types pass resolved (and hoisted) here.
    const target = validation ? (context.validationRefAt.get(site) ?? context.refAt.get(site) ?? {}) : resolveRef(context, rest.$ref, doc, pointer);
    if (!validation) context.refAt.set(site, target);
    delete rest.$ref;
    if (Object.keys(rest).length === 0) Object.assign(out, target);
    else {
      // 2020-12: keywords beside a $ref apply too. Types merge them; validation keeps both.
      const sibling = context.walk({ ...rest }, doc, pointer, { asDef: true, closable: mode.closable });
      if (validation) Object.assign(out, sibling, target);
      else Object.assign(out, mergeAllOf(context, [target, sibling], file, pointer));
    }
    context.sources.set(out, where(context, doc, pointer));
    return out;
  }
  const declares = rest.properties !== undefined || rest.patternProperties !== undefined;
  for (const [key, value] of Object.entries(rest)) {
    const at = pointerJoin(pointer, key);
    switch (key) {
      case "properties":
        // An allOf merged before may have brought properties already.
        out[key] = isObject(out.properties) ? { ...out.properties, ...map(value, at) } : map(value, at);
        break;
      case "required":
        out[key] = Array.isArray(out.required) && Array.isArray(value) ? [...new Set([...(out.required as unknown[]), ...value])] : value;
        break;
      case "patternProperties":
        for (const pattern of isObject(value) ? Object.keys(value) : []) {
          const why = regexProblem(pattern);
          if (why !== undefined) problems.add(file, pointerJoin(at, pattern), RULES.badPattern(pattern, why));
        }
        out[key] = map(value, at);
        break;
      case "additionalProperties":
        out[key] = child(value, at);
        break;
      case "items":
        if (Array.isArray(value)) {
          out.prefixItems = list(value, at);
          if (rest.additionalItems !== undefined) out.items = child(rest.additionalItems, pointerJoin(pointer, "additionalItems"));
        } else out.items = child(value, at);
        break;
      case "additionalItems":
        break;
      case "prefixItems":
        out[key] = list(value, at);
        break;
      case "oneOf":
      case "anyOf": {
        // Options beside the properties they complete are not closed on their own.
        const options = list(value, at, { asDef: false, closable: mode.closable && !declares });
        // An option made only of keywords JSON Schema does not know (`typeof`, `instanceof`) would
        // match every value; it describes something JSON cannot hold, so it matches nothing here.
        const kept = options.filter((option, i) => {
          const raw = Array.isArray(value) ? value[i] : undefined;
          const unknownOnly = isObject(raw) && Object.keys(raw).some((k) => !isKeyword(k) && !k.startsWith("x-")) && isObject(option) && Object.keys(option).every((k) => ANNOTATIONS.has(k));
          if (unknownOnly) problems.warn(file, pointerJoin(at, i), RULES.unknownOnlyOption(Object.keys(raw).filter((k) => !isKeyword(k)).join(", ")));
          return !unknownOnly;
        });
        out[key] = kept.length > 0 ? kept : options;
        break;
      }
      case "allOf": {
        if (validation) {
          out[key] = list(value, at);
          break;
        }
        const merged = mergeAllOf(context, list(value, at), file, at);
        for (const [k, v] of Object.entries(merged)) {
          if (k === "properties" && isObject(out.properties)) out.properties = { ...out.properties, ...(v as SchemaObject) };
          else if (k === "required" && Array.isArray(out.required)) out.required = [...new Set([...out.required, ...(v as string[])])];
          else out[k] = v;
        }
        break;
      }
      case "dependencies": {
        // draft-07: a list of names is dependentRequired, a schema dependentSchemas.
        if (!isObject(value)) break;
        for (const [name, dep] of Object.entries(value)) {
          if (Array.isArray(dep)) out.dependentRequired = { ...(out.dependentRequired as SchemaObject | undefined), [name]: dep };
          else out.dependentSchemas = { ...(out.dependentSchemas as SchemaObject | undefined), [name]: child(dep, pointerJoin(at, name), VALUE_MODE) };
        }
        break;
      }
      default:
        if ((VALUE_ONE as readonly string[]).includes(key)) out[key] = child(value, at, VALUE_MODE);
        else if ((VALUE_MAPS as readonly string[]).includes(key)) out[key] = map(value, at, VALUE_MODE);
        else out[key] = value;
    }
  }
  if (!validation) close(out, mode);
  context.sources.set(out, where(context, doc, pointer));
  return out;
}
