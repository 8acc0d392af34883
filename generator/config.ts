// Defaults for the CLI from the project: a `redis-memory-gen` key in package.json, or
// a `redis-memory-gen.config.json` file, in the working directory. Flags win.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { closest } from "./suggest.js";

export interface GeneratorConfig {
  readonly inputs?: readonly string[];
  readonly out?: string;
  readonly runtime?: string;
  readonly strict?: boolean;
  /** Where the config came from, for messages. */
  readonly from?: string;
}

const KEYS = ["inputs", "out", "runtime", "strict"];

export const CONFIG_FILE = "redis-memory-gen.config.json";
export const PACKAGE_KEY = "redis-memory-gen";

/** Thrown for a config that is not what the generator reads; the message names the file and the key. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ConfigError(`${path} is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}

function check(value: unknown, from: string): GeneratorConfig {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new ConfigError(`${from} must be an object with "inputs", "out", "runtime" or "strict"`);
  const config = value as Record<string, unknown>;
  for (const key of Object.keys(config)) {
    if (!KEYS.includes(key)) {
      const near = closest(key, KEYS);
      throw new ConfigError(`${from}: unknown key "${key}"${near === undefined ? "" : ` (did you mean "${near}"?)`}; the keys are ${KEYS.join(", ")}`);
    }
  }
  const inputs = typeof config.inputs === "string" ? [config.inputs] : config.inputs;
  if (inputs !== undefined && (!Array.isArray(inputs) || !inputs.every((i) => typeof i === "string"))) throw new ConfigError(`${from}: "inputs" must be a path or a list of paths`);
  for (const key of ["out", "runtime"] as const) {
    if (config[key] !== undefined && typeof config[key] !== "string") throw new ConfigError(`${from}: "${key}" must be a string`);
  }
  if (config.strict !== undefined && typeof config.strict !== "boolean") throw new ConfigError(`${from}: "strict" must be true or false`);
  return {
    ...(inputs === undefined ? {} : { inputs: inputs as string[] }),
    ...(config.out === undefined ? {} : { out: config.out as string }),
    ...(config.runtime === undefined ? {} : { runtime: config.runtime as string }),
    ...(config.strict === undefined ? {} : { strict: config.strict as boolean }),
    from,
  };
}

/** The config of the project in `cwd`: redis-memory-gen.config.json, else package.json's key, else none. */
export function loadConfig(cwd: string): GeneratorConfig {
  const file = readJson(join(cwd, CONFIG_FILE));
  if (file !== undefined) return check(file, CONFIG_FILE);
  const pkg = readJson(join(cwd, "package.json"));
  if (typeof pkg === "object" && pkg !== null && Object.hasOwn(pkg, PACKAGE_KEY)) {
    return check((pkg as Record<string, unknown>)[PACKAGE_KEY], `package.json "${PACKAGE_KEY}"`);
  }
  return {};
}
