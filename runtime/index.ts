// redis-memory runtime: the public names generated code and applications use.
export { Store, openStore, type StoreClass } from "./store.js";
export { Memory, type UntypedMemory } from "./memory.js";
export { SyncedList, type Synced } from "./list.js";
export { SyncedDict, update, pop, popitem, setdefault, clear, get, incr, asdict, type DictMethods } from "./dict.js";
export type { Input, NumericKeys } from "./types.js";
export type { OpenOptions } from "./options.js";
export { LOG_DEFAULTS, type LogLimits, type RedisClient } from "./backend.js";
export type { RedisOption, ClusterDescription } from "./connect.js";
export type { ChangeEvent, StatusEvent, StoreEvents, EventName } from "./events.js";
export type { OpName } from "./ops.js";
export type { HistoryChange, HistoryEntry, HistoryOptions } from "./history.js";
export type {
  Shape, AnyShape, ScalarShape, ListShape, DictShape, UnionShape, StoreSchema, Validate, ValidationIssue,
} from "./shape.js";
export type { JsonValue, JsonScalar, JsonObject } from "./values.js";
export type { Migration, Migrations } from "./migrate.js";
export { migrateAll, type MigrateAllOptions, type MigrationReport, type MigrationProgress, type InstanceOutcome } from "./migrate-all.js";
export {
  RedisMemoryError, ValidationError, NotJsonError, DetachedError, OperationError, ConnectionError, WriteError,
  CorruptDataError, OptionsError, ClosedError, ReplicaWaitError, RedisCommandError, FlushTimeoutError, ConflictError,
  UsageError, GeneratedCodeError, ListenerError, SyncError, SchemaVersionError, MigrationError, LeftOutError, type LeftOutPlace, type WriteErrorCode, type DataPath, type ValidationProblem,
} from "./errors.js";
export { ajvValidators, type PlaceValidation } from "./ajv-adapter.js";
