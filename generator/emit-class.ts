// Stage 4d: one store module, assembled from its sections: the banner, imports, data
// types (from emit-types), synced interfaces (from emit-synced), the shape (from
// emit-shape) and the store class with a typed accessor per top-level property (getter:
// the synced form; setter: plain data), laid out as ts-morph's printer lays out a class.
import { isObject } from "./json.js";
import { keepLastOf } from "./check-retention.js";
import type { StoreModel } from "./model.js";
import { grouped, type SyncedTypes } from "./emit-synced.js";
import { shapeName, type ShapeText } from "./emit-shape.js";
import { IDENTIFIER } from "./identifiers.js";
import type { Evolution } from "./previous.js";


export interface ModuleParts {
  readonly banner: string;
  readonly runtime: string;
  readonly types: string;
  readonly synced: SyncedTypes;
  readonly shape: ShapeText;
  readonly validatorsModule: string;
  readonly hash: string;
  readonly evolution: Evolution;
}

// Version 1 with no breaking change is what a store without the fields means: left out (stable output).
function versionFields(evolution: Evolution): string {
  if (evolution.version === 1 && evolution.breaking.length === 0) return "";
  return `, version: ${evolution.version}, breaking: [${evolution.breaking.join(", ")}]`;
}

/** The root's `"x-redis-memory": { "history" }`, handed to the runtime as the store's history setting. */
function historyField(schema: unknown): string {
  const annotation = isObject(schema) ? schema["x-redis-memory"] : undefined;
  const history = isObject(annotation) ? annotation.history : undefined;
  return isObject(history) ? `, history: ${JSON.stringify(history)}` : "";
}

function docs(text: unknown): string[] {
  return typeof text === "string" && text.trim() !== "" ? [text.trim().replace(/\*\//g, "*\\/")] : [];
}

/** A field's JSDoc: its description, and what retention does to it. */
function fieldDocs(schemaNode: Record<string, unknown> | undefined): string[] {
  const lines = docs(schemaNode?.description);
  const keep = keepLastOf(schemaNode);
  if (keep !== undefined) {
    lines.push(
      `Keeps the newest ${keep} elements ("x-redis-memory": { "keepLast": ${keep} }): a write that makes the list longer drops its oldest elements in the same batch, in Redis and in every replica; the \`change\` event with \`op: "keep"\` carries the dropped ones in \`dropped\`.`,
    );
  }
  return lines.length > 1 ? [lines.join("\n\n")] : lines;
}

/** A JSDoc comment at `indent`, laid out as ts-morph prints one: one line, or ` * ` lines. */
function jsDoc(text: string, indent: string): string {
  const lines = text.split(/\r?\n/);
  if (lines.length <= 1) return `${indent}/** ${lines[0] ?? ""} */\n`;
  const body = (lines[0] === "" ? lines.slice(1) : lines).map((line) => `${indent} *${line === "" ? "" : ` ${line}`}\n`).join("");
  return `${indent}/**\n${body}${indent} */\n`;
}

interface Member {
  readonly docs: readonly string[];
  readonly head: string;
  readonly body: string;
}

// A type written over several lines (an inline object type) continues 4 spaces further in,
// in the signature as in the body, as ts-morph's writer indents it.
const continued = (text: string): string => text.replace(/\n(?=[^\n])/g, "\n    ");

/** A class member: its docs, its signature and a one-statement body. */
function classMember({ docs, head, body }: Member): string {
  return `${docs.map((d) => jsDoc(d, "  ")).join("")}  ${continued(head)} {\n    ${continued(body)}\n  }`;
}

export function emitModule(model: StoreModel, parts: ModuleParts): string {
  const { name, dataName } = model.store;
  const required = new Set(model.root.required);
  const accessors: string[] = [];
  const members = new Map(parts.synced.root.map((m) => [m.key, m]));
  for (const [key] of model.root.properties) {
    const member = members.get(key);
    const written = member?.plain ?? "unknown";
    // Inline object types would be repeated in getter, cast and setter: name them by index instead.
    const inline = /[{\n]/.test(written);
    const plain = inline ? `${dataName}[${JSON.stringify(key)}]` : written;
    const synced = member === undefined || !member.container ? plain : inline ? member.synced.split(written).join(plain) : member.synced;
    const optional = required.has(key) ? "" : " | undefined";
    const accessor = IDENTIFIER.test(key) ? key : JSON.stringify(key);
    const keyText = JSON.stringify(key);
    const schemaNode = (model.store.schema.properties as Record<string, Record<string, unknown>>)[key];
    accessors.push(classMember({ docs: fieldDocs(schemaNode), head: `get ${accessor}(): ${grouped(synced)}${optional}`, body: `return this.$get(${keyText}) as ${grouped(synced)}${optional};` }));
    const input = member?.container === true ? `Input<${plain}>${optional}` : `${grouped(plain)}${optional}`;
    accessors.push(classMember({ docs: [], head: `set ${accessor}(value: ${input})`, body: `this.$set(${keyText}, value);` }));
  }
  const classDocs = docs(model.store.schema.description).length > 0 ? docs(model.store.schema.description) : [`A store of ${model.store.file}.`];
  const schemaField = `  static readonly schema: StoreSchema = { name: ${JSON.stringify(name)}, shape: ${shapeName(model)}, hash: ${JSON.stringify(parts.hash)}${versionFields(parts.evolution)}${historyField(model.store.schema)} };`;
  const open = classMember({
    docs: ["Opens (or creates) the instance `options.id` (default `\"default\"`) and loads it in one round trip."],
    head: `static open(options?: OpenOptions<${dataName}>): Promise<${name}>`,
    body: `return openStore(${name}, options);`,
  });
  // Laid out as ts-morph's printer lays out a class (the golden files were written by it), without loading it.
  const cls = `${classDocs.map((d) => jsDoc(d, "")).join("")}export class ${name} extends Store<${dataName}> {\n${[schemaField, ...accessors, open].join("\n\n")}\n}`;
  const containers = [...members.values()].some((m) => m.container);
  const used = new Set(["OpenOptions", "StoreSchema", ...parts.shape.types, ...parts.synced.runtime, ...(containers ? ["Input"] : [])]);
  const runtimeTypes = [...used].sort();
  const importOf = (names: readonly string[], from: string): string => `import { ${names.join(", ")} } from ${JSON.stringify(from)};`;
  const imports = [importOf(["Store", "openStore", ...runtimeTypes.map((n) => `type ${n}`)], parts.runtime), importOf(["at"], `./${parts.validatorsModule}`)].join("\n");
  const shape = `// \`...at(pointer)\`: the source and validator of the place whose schema is at \`pointer\` in ./${parts.validatorsModule}.\n${parts.shape.text}`;
  const sections = [`${parts.banner.trimEnd()}\n${imports}`, parts.synced.types, parts.synced.text, shape, cls];
  const text = sections.filter((section) => section.trim() !== "").join("\n\n");
  return text.endsWith("\n") ? text : `${text}\n`;
}
