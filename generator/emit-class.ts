// Stage 4d: one store module, built by ts-morph from structures in one call: the
// banner, imports, data types (from emit-types), the shape (from emit-shape) and the
// store class with a typed accessor per top-level property.
import { Project, StructureKind, type ClassDeclarationStructure, type OptionalKind, type GetAccessorDeclarationStructure, type SetAccessorDeclarationStructure } from "ts-morph";
import type { Place, StoreModel } from "./model.js";
import { isScalarPlace } from "./model.js";
import { shapeName } from "./emit-shape.js";

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export interface ModuleParts {
  readonly banner: string;
  readonly runtime: string;
  readonly types: string;
  readonly shape: string;
  readonly defSources: Readonly<Record<string, string>>;
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

/** Type texts of the data interface's properties, as json-schema-to-typescript wrote them. */
function propertyTypes(project: Project, types: string, dataName: string): Map<string, string> {
  const file = project.createSourceFile(`/types-${dataName}.ts`, types, { overwrite: true });
  const out = new Map<string, string>();
  const decl = file.getInterface(dataName);
  for (const prop of decl?.getProperties() ?? []) {
    const name = prop.getSymbol()?.getEscapedName() ?? prop.getName();
    out.set(name, prop.getTypeNode()?.getText() ?? "unknown");
  }
  project.removeSourceFile(file);
  return out;
}

function stripParens(text: string): string {
  return /^\(.*\)$/s.test(text) && !text.slice(1, -1).includes("(") ? text.slice(1, -1) : text;
}

/** Getter type: the synced form of a property type. */
function syncedType(place: Place, type: string): string {
  if (isScalarPlace(place)) return stripParens(type);
  const list = /^\(?([A-Za-z0-9_$.]+|\([^()]*\))\)?\[\]$/.exec(type);
  if (place.kind === "list" && list) return `SyncedList<${stripParens(list[1]!)}>`;
  if (place.kind === "dict" && IDENTIFIER.test(type)) return `SyncedDict<${type}>`;
  return `Synced<${stripParens(type)}>`;
}

export function emitModule(project: Project, model: StoreModel, parts: ModuleParts): string {
  const { name, dataName } = model.store;
  const types = propertyTypes(project, parts.types, dataName);
  const required = new Set(model.root.required);
  const getters: OptionalKind<GetAccessorDeclarationStructure>[] = [];
  const setters: OptionalKind<SetAccessorDeclarationStructure>[] = [];
  const used = new Set(["Store", "openStore", "DictShape", "OpenOptions", "StoreSchema"]);
  for (const [key, place] of model.root.properties) {
    const written = stripParens(types.get(key) ?? "unknown");
    // Inline object types would be repeated in getter, cast and setter: name them by index instead.
    const plain = /[{\n]/.test(written) ? `${dataName}[${JSON.stringify(key)}]` : written;
    const optional = required.has(key) ? "" : " | undefined";
    const synced = syncedType(place, plain);
    for (const runtimeName of ["SyncedList", "SyncedDict", "Synced"]) if (synced.startsWith(`${runtimeName}<`)) used.add(runtimeName);
    const accessor = IDENTIFIER.test(key) ? key : JSON.stringify(key);
    const keyText = JSON.stringify(key);
    const schemaNode = (model.store.schema.properties as Record<string, Record<string, unknown>>)[key];
    getters.push({
      name: accessor,
      returnType: `${synced}${optional}`,
      docs: docs(schemaNode?.description),
      statements: (w) => w.write(`return this.$get(${keyText}) as ${synced}${optional};`),
    });
    setters.push({
      name: accessor,
      parameters: [{ name: "value", type: `${plain.includes("=>") ? `(${plain})` : plain}${optional}` }],
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
  const runtimeTypes = ["DictShape", "OpenOptions", "StoreSchema", "Synced", "SyncedDict", "SyncedList"].filter((n) => used.has(n));
  const file = project.createSourceFile(
    `/${name}.ts`,
    {
      statements: [
        `${parts.banner.trimEnd()}\n`,
        {
          kind: StructureKind.ImportDeclaration,
          moduleSpecifier: parts.runtime,
          namedImports: ["Store", "openStore", ...runtimeTypes.map((n) => `type ${n}`)],
        },
        { kind: StructureKind.ImportDeclaration, moduleSpecifier: `./${parts.validatorsModule}`, namespaceImport: "ajv" },
        { kind: StructureKind.ImportDeclaration, moduleSpecifier: "./validation.js", namedImports: ["validatorsFor"] },
        `\n${parts.types}\n`,
        `// Validators come from ./${parts.validatorsModule}; \`check\` maps their errors to the schema files.\nconst check = validatorsFor(${JSON.stringify(parts.defSources, null, 2)});`,
        `/** What each place of ${name} holds, its limits and validators: handed to the runtime. */\nexport ${parts.shape}`,
        cls,
      ],
    },
    { overwrite: true },
  );
  const text = file.getFullText();
  project.removeSourceFile(file);
  return text.endsWith("\n") ? text : `${text}\n`;
}
