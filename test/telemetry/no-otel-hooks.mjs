// A module loader hook (node --import) that makes @opentelemetry/api impossible to
// resolve and writes to stderr each time something tries, so a test can run the
// runtime as in an app that does not have the optional peer dependency.
import { register } from "node:module";

register("data:text/javascript," + encodeURIComponent(`
export async function resolve(specifier, context, next) {
  if (specifier === "@opentelemetry/api" || specifier.startsWith("@opentelemetry/")) {
    const error = new Error("Cannot find package '" + specifier + "' (hidden by the test)");
    error.code = "ERR_MODULE_NOT_FOUND";
    throw error;
  }
  return next(specifier, context);
}`));
