// Peer: what a program does with ioredis alone, no store: one command per
// element, all in one pipeline (ioredis' fastest way to send many commands).
// Values are JSON text, as the store keeps them, so that loads parse the same.
import type { Redis } from "ioredis";

/** Appends `values` with one RPUSH per element, pipelined; resolves when Redis has answered all. */
export async function pipelinedRpush(redis: Redis, key: string, values: readonly unknown[]): Promise<void> {
  const pipeline = redis.pipeline();
  for (const value of values) pipeline.rpush(key, JSON.stringify(value));
  await pipeline.exec();
}

/** Writes each `[field, value]` with its own HSET, pipelined. */
export async function pipelinedHset(redis: Redis, key: string, entries: readonly (readonly [string, unknown])[]): Promise<void> {
  const pipeline = redis.pipeline();
  for (const [field, value] of entries) pipeline.hset(key, field, JSON.stringify(value));
  await pipeline.exec();
}

/** One RPUSH of one element, awaited (the per-operation wire cost). */
export async function rpushOne(redis: Redis, key: string, value: unknown): Promise<void> {
  await redis.rpush(key, JSON.stringify(value));
}

/** One HSET of one field, awaited. */
export async function hsetOne(redis: Redis, key: string, field: string, value: unknown): Promise<void> {
  await redis.hset(key, field, JSON.stringify(value));
}

/** Values per command of the coalesced peer. */
export const COALESCE = 10_000;

/** RPUSH of the values' JSON texts, 10k per command, pipelined: the fastest raw way to append many. */
export async function coalescedRpush(redis: Redis, key: string, values: readonly unknown[]): Promise<void> {
  const pipeline = redis.pipeline();
  for (let i = 0; i < values.length; i += COALESCE) {
    pipeline.rpush(key, ...values.slice(i, i + COALESCE).map((value) => JSON.stringify(value)));
  }
  await pipeline.exec();
}
