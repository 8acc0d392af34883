// Stage 4b': the defaults a new instance is filled with (those of the store's fields)
// must pass the field's own validator, or opening a new instance would fail. A schema
// whose `default` breaks its own constraints (`"default": ""` beside `"minLength": 1`)
// keeps the default as documentation only, with a warning.
import { Ajv2020 } from "ajv/dist/2020.js";
import formats from "ajv-formats";
import { resolvePlace, type Place, type StoreModel } from "./model.js";
import type { Validators } from "./emit-validators.js";
import { RULES } from "./keywords.js";
import type { Problems } from "./problems.js";

function effectiveDefault(model: StoreModel, place: Place): { value: unknown } | undefined {
  return place.default ?? resolvePlace(model, place).default;
}

export function checkDefaults(model: StoreModel, validators: Validators, problems: Problems): StoreModel {
  const fields = model.root.properties.filter(([, place]) => effectiveDefault(model, place) !== undefined);
  if (fields.length === 0) return model;
  const ajv = new Ajv2020({ strict: false, logger: false, validateSchema: false, allErrors: false });
  formats.default(ajv);
  ajv.addSchema(validators.schema, "store");
  const invalid = new Set<string>();
  for (const [key, place] of fields) {
    if (place.pointer === undefined) continue;
    const validate = ajv.getSchema(`store#${place.pointer.split("/").map(encodeURIComponent).join("/")}`);
    if (validate === undefined || validate(effectiveDefault(model, place)!.value)) continue;
    invalid.add(key);
    const error = validate.errors?.[0];
    const source = validators.sources[place.pointer] ?? `${model.store.file}#${place.pointer}`;
    const [file, pointer] = [source.slice(0, source.indexOf("#")), source.slice(source.indexOf("#") + 1)];
    problems.warn(file, `${pointer}/default`, RULES.badDefault(`${error?.instancePath ?? ""} ${error?.message ?? "invalid"}`.trim()));
  }
  if (invalid.size === 0) return model;
  const properties = model.root.properties.map(([key, place]) => [key, invalid.has(key) ? { ...place, default: { value: undefined } } : place] as const);
  return { ...model, root: { ...model.root, properties } };
}
