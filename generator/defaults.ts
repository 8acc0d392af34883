// The defaults of the generator's options, apart from the pipeline so that the CLI's
// help can name them without loading it.

/** Output directory when neither a flag nor the config names one. */
export const DEFAULT_OUT = "generated";
/** Import specifier of the runtime in generated code when neither a flag nor the config names one. */
export const DEFAULT_RUNTIME = "redis-memory";
