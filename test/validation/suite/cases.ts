// The official JSON-Schema-Test-Suite (test/fixtures/JSON-Schema-Test-Suite): each group's
// schema, its tests, and ajv's verdict on each test's data (ajv set up as the runtime sets
// it up: formats asserted, strict off, own properties only). ajv is the oracle the stores are held to.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv as Ajv7 } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { ROOT } from "../../generator/helpers.js";

export const SUITE = join(ROOT, "test/fixtures/JSON-Schema-Test-Suite/tests");
export const DRAFTS = ["draft2020-12", "draft7"] as const;
export type Draft = (typeof DRAFTS)[number];

export interface SuiteTest {
  readonly description: string;
  readonly data: unknown;
  readonly valid: boolean;
}

export interface Group {
  /** `draft/file.json | group description`. */
  readonly name: string;
  readonly draft: Draft;
  readonly file: string;
  readonly schema: unknown;
  readonly tests: readonly SuiteTest[];
  /** ajv's verdict on a value (throws when ajv cannot compile or run the schema). */
  readonly ajv: (value: unknown) => boolean;
}

export const testName = (group: Group, test: SuiteTest): string => `${group.name} | ${test.description}`;

function ajvFor(draft: Draft, schema: unknown): (value: unknown) => boolean {
  let compiled: ((value: unknown) => boolean) | undefined;
  return (value) => {
    if (compiled === undefined) {
      const options = { strict: false, logger: false, ownProperties: true } as const;
      const ajv = draft === "draft7" ? new Ajv7(options) : new Ajv2020(options);
      addFormats.default(ajv);
      compiled = ajv.compile(schema as object) as (value: unknown) => boolean;
    }
    return compiled(value);
  };
}

export function loadGroups(): Group[] {
  const groups: Group[] = [];
  for (const draft of DRAFTS) {
    for (const file of readdirSync(join(SUITE, draft)).sort()) {
      const parsed = JSON.parse(readFileSync(join(SUITE, draft, file), "utf8")) as { description: string; schema: unknown; tests: SuiteTest[] }[];
      for (const group of parsed) {
        groups.push({ name: `${draft}/${file} | ${group.description}`, draft, file, schema: group.schema, tests: group.tests, ajv: ajvFor(draft, group.schema) });
      }
    }
  }
  return groups;
}

/** ajv's verdict, or why it has none. */
export function verdict(group: Group, value: unknown): boolean | "ajv-fails" {
  try {
    return group.ajv(value);
  } catch {
    return "ajv-fails";
  }
}
