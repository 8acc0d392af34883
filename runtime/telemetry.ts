// What a store does, made visible: OpenTelemetry spans and metrics when the app has
// `@opentelemetry/api` installed (an optional peer dependency, loaded once by the first
// open(); without it nothing is loaded and every hook below is a no-op), and one line
// per event on stderr under NODE_DEBUG=redis-memory or DEBUG=redis-memory.
// Nothing here ever sees a connection's options: no URL, user or password reaches a
// span, a metric or a debug line.
import { debuglog, format } from "node:util";
import type { Op } from "./ops.js";

/** The operations a span or a duration is recorded for (`db.operation.name`). */
export type TracedOperation = "open" | "batch" | "reload" | "transaction" | "migrate";

/** Attribute values as OpenTelemetry takes them. */
type Attributes = Record<string, string | number | boolean>;

// The slice of @opentelemetry/api this module uses (typed here so that the package's
// declarations never name a module the app may not have).
interface OtelSpan {
  setAttribute(key: string, value: string | number | boolean): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  recordException(exception: Error): unknown;
  end(): void;
}
interface OtelApi {
  trace: { getTracer(name: string, version?: string): { startSpan(name: string, options: { kind: number; attributes: Attributes }): OtelSpan } };
  metrics: { getMeter(name: string, version?: string): OtelMeter };
  SpanKind: { CLIENT: number; INTERNAL: number };
  SpanStatusCode: { ERROR: number };
  /** A no-op meter, of the class the API hands out when no MeterProvider is registered. */
  createNoopMeter?: () => OtelMeter;
}
interface OtelHistogram {
  record(value: number, attributes?: Attributes): void;
}
interface OtelCounter {
  add(value: number, attributes?: Attributes): void;
}
interface OtelMeter {
  createHistogram(name: string, options: { unit: string; description: string; advice?: { explicitBucketBoundaries: number[] } }): OtelHistogram;
  createCounter(name: string, options: { unit: string; description: string }): OtelCounter;
  createUpDownCounter(name: string, options: { unit: string; description: string }): OtelCounter;
}

/** The instruments, made once the API is loaded. */
interface Instruments {
  readonly api: OtelApi;
  /**
   * Whether the meter records: a MeterProvider was registered before the API was loaded.
   * The metrics API hands out no-op meters to code that asks earlier, for good, so
   * per-batch metrics are then skipped rather than handed to a no-op.
   */
  readonly metering: boolean;
  readonly tracer: ReturnType<OtelApi["trace"]["getTracer"]>;
  readonly duration: OtelHistogram;
  readonly batchBytes: OtelHistogram;
  readonly batchOps: OtelHistogram;
  readonly pending: OtelCounter;
  readonly conflicts: OtelCounter;
  readonly reloads: OtelCounter;
  readonly feedLag: OtelHistogram;
}

const NAME = "redis-memory";
const VERSION = "0.1.0";
// Seconds, as OpenTelemetry's database conventions ask for operation durations.
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

let instruments: Instruments | undefined;
let loading: Promise<void> | undefined;

/**
 * Loads `@opentelemetry/api` once per process, if the app has it. Called by open():
 * until then (and for ever without the package) the hooks record nothing.
 */
export function loadTelemetry(): Promise<void> {
  loading ??= import(/* optional peer dependency */ "@opentelemetry/api" as string).then(
    (module: { default?: OtelApi } & Partial<OtelApi>) => {
      const api = (module.trace ? module : module.default) as OtelApi | undefined;
      if (api?.trace && api.metrics) instruments = makeInstruments(api);
    },
    () => undefined,
  );
  return loading;
}

/** Whether OpenTelemetry was found (the tests ask). */
export function telemetryLoaded(): boolean {
  return instruments !== undefined;
}

function makeInstruments(api: OtelApi): Instruments {
  const meter = api.metrics.getMeter(NAME, VERSION);
  const noop = api.createNoopMeter?.();
  return {
    api,
    metering: noop === undefined || Object.getPrototypeOf(meter) !== Object.getPrototypeOf(noop),
    tracer: api.trace.getTracer(NAME, VERSION),
    duration: meter.createHistogram("db.client.operation.duration", {
      unit: "s",
      description: "Duration of redis-memory operations (open, batch, reload, transaction, migrate), until Redis answered.",
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    }),
    batchBytes: meter.createHistogram("redis_memory.batch.size", { unit: "By", description: "Bytes of the values one batch carries to Redis." }),
    batchOps: meter.createHistogram("db.client.operation.batch.size", { unit: "{operation}", description: "Operations in one batch." }),
    pending: meter.createUpDownCounter("redis_memory.batches.pending", { unit: "{batch}", description: "Batches sent and not yet acknowledged or refused (the write queue's depth on the wire)." }),
    conflicts: meter.createCounter("redis_memory.transaction.conflicts", { unit: "{conflict}", description: "Transaction attempts that another writer made stale (each runs again)." }),
    reloads: meter.createCounter("redis_memory.reloads", { unit: "{reload}", description: "Whole-instance reloads of a replica." }),
    feedLag: meter.createHistogram("redis_memory.feed.lag", {
      unit: "s",
      description: "From Redis logging another writer's batch to this replica applying it (Redis' clock against this process's).",
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    }),
  };
}

// ---- debug lines -------------------------------------------------------------

/** NODE_DEBUG=redis-memory (Node's own switch) or DEBUG=redis-memory (the debug package's; `*` patterns too). */
const nodeDebug = debuglog("redis-memory");
const debugOn = nodeDebug.enabled || debugPatternMatches(process.env["DEBUG"] ?? "", NAME);

export function debugPatternMatches(setting: string, name: string): boolean {
  let on = false;
  for (const raw of setting.split(/[\s,]+/)) {
    if (raw === "") continue;
    const negated = raw.startsWith("-");
    const pattern = negated ? raw.slice(1) : raw;
    const regex = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`);
    if (regex.test(name)) on = !negated;
  }
  return on;
}

/** Whether debug lines are printed (callers skip building one otherwise). */
export function debugging(): boolean {
  return debugOn;
}

/** One line on stderr: `REDIS-MEMORY <pid>: <event> <instance> key=value ...`. */
export function debug(event: string, ns: string, fields: Record<string, string | number | undefined> = {}): void {
  if (!debugOn) return;
  let line = `${event} ${ns}`;
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) line += ` ${key}=${value}`;
  if (nodeDebug.enabled) nodeDebug("%s", line);
  else process.stderr.write(format("%s %d: %s\n", NAME.toUpperCase(), process.pid, line));
}

// ---- spans and metrics ---------------------------------------------------------

/** What a traced operation is about. */
export interface Target {
  /** The store's name (low cardinality: span names and metric attributes). */
  readonly store: string;
  /** The instance's key prefix (`memory:{Store:id}`; span attribute only). */
  readonly ns: string;
}

/** The target of the instance `ns` (`<prefix>{<Store>:<id>}`, see namespaceOf). */
export function targetOf(ns: string): Target {
  const open = ns.indexOf("{");
  const colon = ns.indexOf(":", open + 1);
  return { store: open >= 0 && colon > open ? ns.slice(open + 1, colon) : ns, ns };
}

function baseAttributes(operation: TracedOperation, target: Target): Attributes {
  return { "db.system.name": "redis", "db.operation.name": operation, "db.collection.name": target.store };
}

/** The attributes of a target's batches, made once per target (every batch records them twice). */
const batchAttributes = new WeakMap<Target, Attributes>();
function batchAttributesOf(target: Target): Attributes {
  let attributes = batchAttributes.get(target);
  if (attributes === undefined) batchAttributes.set(target, (attributes = baseAttributes("batch", target)));
  return attributes;
}

/** The instruments per-batch metrics go to, undefined when nothing would record them. */
function batchMetrics(): Instruments | undefined {
  const tools = instruments;
  return tools?.metering ? tools : undefined;
}

/**
 * Runs `fn` as the span `<operation> <store>` and records its duration. Without
 * OpenTelemetry it is `fn()` itself: no wrapper, no extra await.
 */
export function traced<T>(operation: TracedOperation, target: Target, fn: () => Promise<T>, attributes?: Attributes): Promise<T> {
  const tools = instruments;
  if (!tools && !debugOn) return fn();
  return observe(tools, operation, target, fn, attributes);
}

async function observe<T>(tools: Instruments | undefined, operation: TracedOperation, target: Target, fn: () => Promise<T>, extra: Attributes | undefined): Promise<T> {
  const started = performance.now();
  const attributes = baseAttributes(operation, target);
  const span = tools?.tracer.startSpan(`${operation} ${target.store}`, {
    kind: operation === "transaction" || operation === "migrate" ? tools.api.SpanKind.INTERNAL : tools.api.SpanKind.CLIENT,
    attributes: { ...attributes, "redis_memory.instance": target.ns, ...extra },
  });
  try {
    const result = await fn();
    settle(tools, span, operation, target, attributes, started, undefined);
    return result;
  } catch (error) {
    settle(tools, span, operation, target, attributes, started, error);
    throw error;
  }
}

function settle(tools: Instruments | undefined, span: OtelSpan | undefined, operation: TracedOperation, target: Target, attributes: Attributes, started: number, error: unknown): void {
  const ms = performance.now() - started;
  const errorType = error === undefined ? undefined : error instanceof Error ? error.name : "Error";
  if (span && tools) {
    if (errorType !== undefined) {
      span.setAttribute("error.type", errorType);
      span.setStatus({ code: tools.api.SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      if (error instanceof Error) span.recordException(error);
    }
    span.end();
  }
  tools?.duration.record(ms / 1000, errorType === undefined ? attributes : { ...attributes, "error.type": errorType });
  debug(errorType === undefined ? `${operation} done` : `${operation} failed`, target.ns, { ms: ms.toFixed(1), error: errorType });
}

/**
 * A batch leaves: its size is recorded and it counts as pending until `batchSettled`.
 * Returns when it left (performance.now()), or -1 when nothing observes batches (no
 * clock is read then: an awaited single write pays nothing for telemetry it does not use).
 */
export function batchSent(target: Target, seq: number, batch: readonly Op[]): number {
  const tools = batchMetrics();
  if (!tools && !debugOn) return -1;
  const ops = batch.length;
  const size = bytesOf(batch);
  if (tools) {
    const attributes = batchAttributesOf(target);
    tools.batchOps.record(ops, attributes);
    tools.batchBytes.record(size, attributes);
    tools.pending.add(1, attributes);
  }
  if (debugOn) debug("batch sent", target.ns, { seq, ops, bytes: size });
  return performance.now();
}

/** The bytes of the values a batch carries (its size). */
function bytesOf(ops: readonly Op[]): number {
  let bytes = 0;
  for (const op of ops) {
    for (const part of op) {
      if (typeof part === "string") bytes += part.length;
      else if (Array.isArray(part)) for (const value of part) bytes += value.length;
    }
  }
  return bytes;
}

/**
 * A batch was acknowledged (`error` undefined) or refused; `sent` is what `batchSent`
 * returned (-1: it was not observed, so neither is its end: the pending count stays paired).
 */
export function batchSettled(target: Target, seq: number, sent: number, error: unknown): void {
  if (sent < 0) return;
  const ms = performance.now() - sent;
  const tools = batchMetrics();
  const errorType = error === undefined ? undefined : error instanceof Error ? error.name : "Error";
  if (tools) {
    const attributes = batchAttributesOf(target);
    tools.pending.add(-1, attributes);
    tools.duration.record(ms / 1000, errorType === undefined ? attributes : { ...attributes, "error.type": errorType });
  }
  if (debugOn) debug(errorType === undefined ? "batch acknowledged" : "batch refused", target.ns, { seq, ms: ms.toFixed(1), error: errorType });
}

/** A transaction attempt was made stale by another writer (it runs again). */
export function conflicted(target: Target, attempt: number): void {
  instruments?.conflicts.add(1, baseAttributes("transaction", target));
  debug("transaction conflict", target.ns, { attempt });
}

/** The replica was reloaded whole. */
export function reloaded(target: Target): void {
  instruments?.reloads.add(1, baseAttributes("reload", target));
}

/** Another writer's batch, logged by Redis at `loggedAt` (ms, Redis' clock), reached this replica. */
export function feedApplied(target: Target, loggedAt: number): void {
  const tools = instruments;
  if (!tools || !Number.isFinite(loggedAt) || loggedAt <= 0) return;
  tools.feedLag.record(Math.max(0, Date.now() - loggedAt) / 1000, { "db.system.name": "redis", "db.collection.name": target.store });
}

/** Prints the replica's status and error events as debug lines. */
export function debugEvents(replica: { readonly ns: string; readonly events: { on(event: "status", fn: (event: { status: string }) => void): unknown; on(event: "error", fn: (error: Error) => void): unknown } }): void {
  replica.events.on("status", (event) => debug(`status ${event.status}`, replica.ns));
  replica.events.on("error", (error) => debug("error", replica.ns, { error: error.name, message: JSON.stringify(error.message) }));
}
