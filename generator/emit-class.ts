// Stage 4d: one store module, built by ts-morph from structures in one call: the
// banner, imports, data types (from emit-types), synced interfaces (from emit-synced),
// the shape (from emit-shape) and the store class with a typed accessor per top-level
// property (getter: the synced form; setter: plain data).
import { Project, StructureKind, type ClassDeclarationStructure, type StatementStructures, type OptionalKind, type GetAccessorDeclarationStructure, type SetAccessorDeclarationStructure } from "ts-morph";
import type { StoreModel } from "./model.js";
import { grouped, type SyncedTypes } from "./emit-synced.js";
import { shapeName, type ShapeText } from "./emit-shape.js";
import { IDENTIFIER } from "./identifiers.js";

const PLACEHOLDER = "__redis_memory_verbatim_";

export interface ModuleParts {
  readonly banner: string;
  readonly runtime: string;
  readonly types: string;
  readonly synced: SyncedTypes;
  readonly shape: ShapeText;
  readonly validatorsModule: string;
  readonly hash: string;
}

export function newProject(): Project {
  return new Project({
    useInMemoryFileSystem: true,
    skipLoadingLibFiles: true,
    manipulationSettings: { indentationText: "  " as never, useTrailingCommas: true },
  });
}

function docs(text: unknown): string[] {
  return typeof text === "string" && text.trim() !== "" ? [text.trim().replace(/\*\//g, "*\\/")] : [];
}

export function emitModule(project: Project, model: StoreModel, parts: ModuleParts): string {
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
      docs: docs(schemaNode?.description),
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
        initializer: `{ name: ${JSON.stringify(name)}, shape: ${shapeName(model)}, hash: ${JSON.stringify(parts.hash)} }`,
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
  const used = new Set(["OpenOptions", "StoreSchema", ...parts.shape.types, ...parts.synced.runtime]);
  const runtimeTypes = [...used].sort();
  const statements = (hold: (text: string) => string): (string | StatementStructures)[] => [
    `${parts.banner.trimEnd()}\n`,
    {
      kind: StructureKind.ImportDeclaration,
      moduleSpecifier: parts.runtime,
      namedImports: ["Store", "openStore", ...runtimeTypes.map((n) => `type ${n}`)],
    },
    { kind: StructureKind.ImportDeclaration, moduleSpecifier: `./${parts.validatorsModule}`, namedImports: ["at"] },
    hold(`\n${parts.types}\n`),
    ...(parts.synced.text === "" ? [] : [hold(`${parts.synced.text}\n`)]),
    hold(`// \`...at(pointer)\`: the source and validator of the place whose schema is at \`pointer\` in ./${parts.validatorsModule}.\n${parts.shape.text}`),
    cls,
  ];
  const print = (hold: (text: string) => string): string => {
    const file = project.createSourceFile(`/${name}.ts`, { statements: statements(hold) }, { overwrite: true });
    const text = file.getFullText();
    project.removeSourceFile(file);
    return text;
  };
  // ts-morph would write the long generated texts through its writer and parse them back
  // only to hand them out unchanged (most of a run's ts-morph time): it gets placeholders
  // with the same edges (whitespace and first and last characters, which its layout
  // rules look at) instead, and the texts go in after.
  const held: string[] = [];
  const printed = print((text) => {
    const lead = /^\s*/.exec(text)?.[0] ?? "";
    const trail = /\s*$/.exec(text.slice(lead.length))?.[0] ?? "";
    const body = text.slice(lead.length, text.length - trail.length);
    if (body.length < 2) return text;
    held.push(body.slice(1, -1));
    return `${lead}${body[0]}${PLACEHOLDER}${held.length - 1}__${body.at(-1)}${trail}`;
  });
  const placeholders = printed.split(PLACEHOLDER).length - 1;
  const text =
    placeholders === held.length
      ? printed.replace(new RegExp(`${PLACEHOLDER}(\\d+)__`, "g"), (_match, i: string) => held[Number(i)] ?? "")
      : print((t) => t);
  return text.endsWith("\n") ? text : `${text}\n`;
}
