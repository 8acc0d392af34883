// Records at native cost: records {role, content} pushed through a store (one tick,
// then $flush) vs a raw coalesced RPUSH of their JSON texts (10k values per command,
// pipelined), and the Redis memory of a conversation vs the same data in native
// structures (one LIST of JSON + one HASH). Scalars vs the same peer: appends.ts.
import { LOG_DEFAULTS, Memory } from "redis-memory";
import type { BenchContext } from "../context.js";
import { interleave } from "../measure.js";
import { COALESCE, coalescedRpush } from "../peers/raw-ioredis.js";
import { row, type Row } from "../report.js";
import type { Redis } from "ioredis";

function messages(count: number, size: number): { role: string; content: string }[] {
  return Array.from({ length: count }, (_, i) => ({
    role: i % 2 === 0 ? "user" : "assistant",
    content: `message ${i} `.padEnd(size, "lorem ipsum dolor sit amet "),
  }));
}

/** Bytes Redis holds for every key matching `pattern` (MEMORY USAGE of each). */
async function memoryOf(redis: Redis, pattern: string): Promise<{ bytes: number; keys: number }> {
  let cursor = "0";
  let bytes = 0;
  let keys = 0;
  do {
    const [next, batch] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    for (const key of batch) {
      bytes += Number(await redis.memory("USAGE", key, "SAMPLES", "0"));
      keys++;
    }
  } while (cursor !== "0");
  return { bytes, keys };
}

const SUMMARY = "A user asks about the weather; the assistant answers and suggests an umbrella.";

const escapeGlob = (text: string): string => text.replace(/[*?[\]\\]/g, "\\$&");

export async function recordFigures(context: BenchContext): Promise<Row[]> {
  const count = context.quick ? 10_000 : 100_000;
  const rounds = context.quick ? 2 : 9;
  const records = messages(count, 60);
  const storeRedis = context.connect();
  const chat = await Memory.open({ redis: storeRedis, prefix: context.prefix, id: context.uniqueId("chat"), live: false });
  const chatView = chat as unknown as { messages: { push(...m: unknown[]): number; clear(): void; length: number } };
  const rawList = `${context.prefix}raw:coalesced`;

  context.log(`records vs coalesced RPUSH: ${count} records per run, ${rounds} rounds`);
  (chat as unknown as Record<string, unknown>).messages = [];
  await chat.$flush();
  const recordRuns = await interleave(
    [
      {
        name: "ours",
        setup: async () => {
          chatView.messages.clear();
          await chat.$flush();
        },
        run: async () => {
          const list = chatView.messages;
          for (let i = 0; i < count; i++) list.push(records[i]!);
          await chat.$flush();
        },
      },
      { name: "peer", setup: async () => void (await context.redis.del(rawList)), run: () => coalescedRpush(context.redis, rawList, records) },
    ],
    { rounds, collect: true },
  );
  if (chatView.messages.length !== count) throw new Error(`records: the store holds ${chatView.messages.length}, expected ${count}`);
  await chat.$delete();
  await chat.$close();
  await context.redis.del(rawList);

  // A conversation: 20 messages of ~200 characters appended one batch each, a summary,
  // a 3-key dict and a counter; native: one LIST of the messages' JSON + one HASH.
  // Written by a live store (the default), measured right after its last batch; then
  // again while a second live store of the instance listens (its log holds the batches).
  context.log("Redis memory of a 20-message conversation vs native LIST + HASH");
  const conversation = messages(20, 200);
  const writeConversation = async (listening: boolean): Promise<{ bytes: number; keys: number }> => {
    const id = context.uniqueId("conversation");
    const convo = await Memory.open({ redis: storeRedis, prefix: context.prefix, id });
    const listener = listening ? await Memory.open({ redis: storeRedis, prefix: context.prefix, id }) : undefined;
    const fields = convo as unknown as Record<string, unknown> & { messages: { push(m: unknown): void } };
    fields.messages = [];
    fields.summary = SUMMARY;
    fields.settings = { theme: "dark", lang: "en", tz: "UTC" };
    fields.turns = 0;
    await convo.$flush();
    for (const message of conversation) {
      fields.messages.push(message);
      await convo.$incr("turns");
      await convo.$flush();
    }
    const usage = await memoryOf(context.redis, `${escapeGlob(convo.$key)}:*`);
    await listener?.$close();
    await convo.$delete();
    await convo.$close();
    return usage;
  };
  const alone = await writeConversation(false);
  const listened = await writeConversation(true);
  const nativeList = `${context.prefix}native:{conversation}:messages`;
  const nativeHash = `${context.prefix}native:{conversation}:fields`;
  await context.redis.rpush(nativeList, ...conversation.map((m) => JSON.stringify(m)));
  await context.redis.hset(nativeHash, "summary", SUMMARY, "theme", "dark", "lang", "en", "tz", "UTC", "turns", "20");
  const native = await memoryOf(context.redis, `${escapeGlob(context.prefix)}native:*`);
  await context.redis.del(nativeList, nativeHash);
  storeRedis.disconnect();

  const perSecond = (ms: number): number => (count / ms) * 1000;
  const oursRecords = perSecond(recordRuns.get("ours")!.medianMs);
  const peerRecords = perSecond(recordRuns.get("peer")!.medianMs);
  return [
    row({
      id: "record-appends-vs-coalesced",
      figure: `appends/s of records {role, content} (one tick, ${count / 1000}k) vs raw coalesced RPUSH`,
      oursLabel: `${count} SyncedList.push calls of {role, content} (60 chars) in one synchronous run, then await $flush()`,
      peerLabel: `ioredis pipeline of RPUSH commands of ${COALESCE} JSON texts each`,
      ours: { value: oursRecords, unit: "/s" },
      peer: { value: peerRecords, unit: "/s" },
      ratio: oursRecords / peerRecords,
      ratioMeaning: "our appends/s / peer appends/s",
      target: { kind: "ratio-at-least", bound: 0.5, text: ">= 0.5x" },
      designTarget: true,
    }),
    row({
      id: "conversation-redis-memory",
      figure: "Redis memory of a conversation (20 messages of ~200 chars, one batch each, a summary, a 3-key dict, a counter) vs one LIST of JSON + one HASH",
      oursLabel: `MEMORY USAGE of the instance's ${alone.keys} keys right after the last batch, written by a live store that nobody else listens to (no log)`,
      peerLabel: `MEMORY USAGE of ${native.keys} native keys: LIST of the messages' JSON + HASH {summary, theme, lang, tz, turns}`,
      ours: { value: alone.bytes, unit: "B" },
      peer: { value: native.bytes, unit: "B" },
      ratio: alone.bytes / native.bytes,
      ratioMeaning: "our bytes / native bytes",
      target: { kind: "ratio-at-most", bound: 1.2, text: "<= 1.2x" },
      designTarget: true,
    }),
    row({
      id: "conversation-redis-memory-active",
      figure: "Redis memory of the same conversation while another live store of the instance listens (its log holds the batches)",
      oursLabel: `MEMORY USAGE of the instance's ${listened.keys} keys right after the last batch (ns:log included: a stream costs ~4.7 KB from its first entry; it expires ${LOG_DEFAULTS.maxAgeMs / 1000} s after the last batch)`,
      peerLabel: "the native keys above",
      ours: { value: listened.bytes, unit: "B" },
      peer: { value: native.bytes, unit: "B" },
      ratio: listened.bytes / native.bytes,
      ratioMeaning: "our bytes / native bytes",
    }),
  ];
}
