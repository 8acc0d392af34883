// `npm run test:faults`: the fault tests (test/faults/), with the main config's setup.
import { configDefaults, defineConfig } from "vitest/config";
import base from "./vitest.config.js";

export default defineConfig({ ...base, test: { ...base.test, include: ["test/faults/**/*.test.ts"], exclude: configDefaults.exclude } });
