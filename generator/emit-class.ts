// Stage 4d: one store module, assembled from its sections: the banner, imports, data
// types (from emit-types), synced interfaces (from emit-synced), the shape (from
// emit-shape) and the store class with a typed accessor per top-level property (getter:
// the synced form; setter: plain data), which ts-morph prints from its structure.
import { isObject } from "./json.js";
import { keepLastOf } from "./check-retention.js";
import { printStructure, StructureKind, type ClassDeclarationStructure, type ImportDeclarationStructure, type OptionalKind, type GetAccessorDeclarationStructure, type SetAccessorDeclarationStructure } from "ts-morph";
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

export function emitModule(model: StoreModel, parts: ModuleParts): string {
  const { name, dataName } = model.store;
  const required = new Set(model.root.required);
  const getters: OptionalKind<GetAccessorDeclarationStructure>[] = [];
  const setters: OptionalKind<SetAccessorDeclarationStructure>[] = [];
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
    getters.push({
      name: accessor,
      returnType: `${grouped(synced)}${optional}`,
      docs: fieldDocs(schemaNode),
      statements: (w) => w.write(`return this.$get(${keyText}) as ${grouped(synced)}${optional};`),
    });
    setters.push({
      name: accessor,
      parameters: [{ name: "value", type: member?.container === true ? `Input<${plain}>${optional}` : `${grouped(plain)}${optional}` }],
      statements: (w) => w.write(`this.$set(${keyText}, value);`),
    });
  }
  const cls: ClassDeclarationStructure = {
    kind: StructureKind.Class,
    name,
    isExported: true,
    extends: `Store<${dataName}>`,
    docs: docs(model.store.schema.description).length > 0 ? docs(model.store.schema.description) : [`A store of ${model.store.file}.`],
    properties: [
      {
        name: "schema",
        isStatic: true,
        isReadonly: true,
        type: "StoreSchema",
        initializer: `{ name: ${JSON.stringify(name)}, shape: ${shapeName(model)}, hash: ${JSON.stringify(parts.hash)}${versionFields(parts.evolution)}${historyField(model.store.schema)} }`,
      },
    ],
    methods: [
      {
        name: "open",
        isStatic: true,
        docs: ["Opens (or creates) the instance `options.id` (default `\"default\"`) and loads it in one round trip."],
        parameters: [{ name: "options", type: `OpenOptions<${dataName}>`, hasQuestionToken: true }],
        returnType: `Promise<${name}>`,
        statements: (w) => w.write(`return openStore(${name}, options);`),
      },
    ],
    getAccessors: getters,
    setAccessors: setters,
  };
  const containers = [...members.values()].some((m) => m.container);
  const used = new Set(["OpenOptions", "StoreSchema", ...parts.shape.types, ...parts.synced.runtime, ...(containers ? ["Input"] : [])]);
  const runtimeTypes = [...used].sort();
  const print = (structure: ClassDeclarationStructure | ImportDeclarationStructure): string => printStructure(structure, { indentNumberOfSpaces: 2 }).trimEnd();
  // The module, section by section; ts-morph prints the imports and the class.
  const imports = [
    print({ kind: StructureKind.ImportDeclaration, moduleSpecifier: parts.runtime, namedImports: ["Store", "openStore", ...runtimeTypes.map((n) => `type ${n}`)] }),
    print({ kind: StructureKind.ImportDeclaration, moduleSpecifier: `./${parts.validatorsModule}`, namedImports: ["at"] }),
  ].join("\n");
  const shape = `// \`...at(pointer)\`: the source and validator of the place whose schema is at \`pointer\` in ./${parts.validatorsModule}.\n${parts.shape.text}`;
  const sections = [`${parts.banner.trimEnd()}\n${imports}`, parts.synced.types, parts.synced.text, shape, print(cls)];
  const text = sections.filter((section) => section.trim() !== "").join("\n\n");
  return text.endsWith("\n") ? text : `${text}\n`;
}
