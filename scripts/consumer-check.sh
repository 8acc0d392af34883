#!/usr/bin/env bash
# The path of a new user, on the packed packages: pack redis-memory and redis-memory-gen,
# then run README's Getting started exactly as written (scripts/getting-started.mjs turns
# its blocks into a script: the same commands, the same files), in an empty directory,
# once as the ES module app and once as the "CommonJS apps" variant. The packed tarballs
# stand in for the registry: `npm` is a shell function that hands `npm install` the
# tarball for the names redis-memory and redis-memory-gen, and passes everything else on.
# Nothing else is added to what the user types. Then, in the ES module app:
#   - the runtime's production dependencies fit in <= 10 MB, without ts-morph or
#     typescript; the generator is a devDependency;
#   - stores run on an ioredis 6 and an ioredis 5 client, and what Redis holds afterwards
#     is what was written;
#   - a CommonJS file can require("redis-memory") (Node >= 20.19, require(esm));
#   - stack traces point at files the package ships (with and without source maps).
# Uses REDIS_URL, or starts a private redis-server (Getting started's "start a Redis"
# step is the one block it skips, as its marker says). Needs the npm registry (ioredis,
# typescript, the packages' dependencies), nothing else from the network.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/redis-memory-consumer.XXXXXX")"
server_pid=""
background=()
cleanup() {
  for pid in "${background[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "consumer check FAILED: $*" >&2; exit 1; }
# Waits (bounded) until file $1 contains the fixed string $2.
wait_for() {
  for _ in $(seq 300); do grep -qF -- "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "--- $1:" >&2; cat "$1" >&2 || true
  fail "waited 30 s for \"$2\""
}

cd "$root"
npm run build --silent >/dev/null 2>&1 || npm run build
npm pack --silent -w runtime -w generator --pack-destination "$work" >/dev/null
runtime_tgz="$work/$(cd "$work" && ls redis-memory-[0-9]*.tgz)"
gen_tgz="$work/$(cd "$work" && ls redis-memory-gen-[0-9]*.tgz)"
echo "packed: $(basename "$runtime_tgz") ($(du -k "$runtime_tgz" | cut -f1) kB), $(basename "$gen_tgz") ($(du -k "$gen_tgz" | cut -f1) kB)"
for tgz in "$runtime_tgz" "$gen_tgz"; do
  listing="$(tar tzf "$tgz")"
  grep -qx "package/LICENSE" <<<"$listing" || fail "$(basename "$tgz") has no LICENSE"
  if grep -E "^package/dist/(bench|generated|examples|scripts|test)/" <<<"$listing"; then fail "$(basename "$tgz") ships files no user imports"; fi
  # Every source map's sources are in the tarball (one node process for all the maps).
  unpacked="$work/unpacked-$(basename "$tgz" .tgz)"
  mkdir -p "$unpacked" && tar xzf "$tgz" -C "$unpacked"
  maps="$(node -e '
    const { readFileSync, existsSync } = require("node:fs");
    const { dirname, join } = require("node:path");
    const [dir, ...maps] = process.argv.slice(1);
    for (const map of maps) {
      for (const source of JSON.parse(readFileSync(join(dir, map), "utf8")).sources) {
        if (!existsSync(join(dir, dirname(map), source))) { console.error(`${map} names ${source}, which the package does not ship`); process.exit(1); }
      }
    }
    console.log(maps.length);
  ' "$unpacked" $(grep -E '\.map$' <<<"$listing"))" || fail "$(basename "$tgz"): a source map names a file it does not ship"
  echo "  $(basename "$tgz"): $(wc -l <<<"$listing") files, LICENSE, $maps source maps whose sources it ships"
done

if [ -z "${REDIS_URL:-}" ]; then
  port="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >/dev/null &
  server_pid=$!
  export REDIS_URL="redis://127.0.0.1:$port"
  for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
fi

# What the user's shell has and the check provides: the registry stand-in, saving a
# file the guide shows, and waiting for a background command's output.
npm() {
  if [ "${1:-}" = install ]; then
    local args=() arg
    for arg in "$@"; do
      case "$arg" in
        redis-memory) args+=("$runtime_tgz") ;;
        redis-memory-gen) args+=("$gen_tgz") ;;
        *) args+=("$arg") ;;
      esac
    done
    command npm "${args[@]}" --no-audit --no-fund
  else
    command npm "$@"
  fi
}
gs_file() { mkdir -p "$(dirname "$1")" && cat >"$1"; }
gs_started() {
  for _ in $(seq 300); do [ -s "$1" ] && return 0; sleep 0.1; done
  fail "a background command printed nothing in 30 s"
}
gs_expect() { wait_for "$1" "$2"; echo "  it printed: $(grep -F -- "$2" "$1" | head -n 1)"; }

for variant in esm cjs; do
  node "$root/scripts/getting-started.mjs" "$variant" >"$work/getting-started-$variant.sh"
  mkdir -p "$work/$variant" "$work/logs-$variant"
  echo "--- Getting started ($variant) in an empty directory"
  # A subshell: the guide's `cd` and background jobs stay in it; jobs it left running end with it.
  (
    cd "$work/$variant"
    GS_LOGS="$work/logs-$variant"
    trap 'jobs -p | xargs -r kill 2>/dev/null || true' EXIT
    # shellcheck disable=SC1090
    source "$work/getting-started-$variant.sh"
    pwd >"$work/app-$variant"
  ) || fail "Getting started ($variant) failed"
  # The next variant starts from an empty instance too (only this instance's keys: REDIS_URL may be yours).
  (cd "$(cat "$work/app-$variant")" && node -e 'const { Redis } = require("ioredis"); const r = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379"); r.keys("memory:{Notes:shopping}*").then((keys) => keys.length > 0 && r.del(...keys)).then(() => r.quit())')
done

app="$(cat "$work/app-esm")"
cd "$app"
node -e 'const p=require("./package.json"); if (!(p.devDependencies||{})["redis-memory-gen"]) process.exit(1)' || fail "redis-memory-gen is not a devDependency"
# The runtime's production tree: what `npm install --omit=dev` would keep.
prod="$(command npm ls --omit=dev --all --parseable 2>/dev/null | tail -n +2)"
size_kb="$(du -skc $prod | tail -n 1 | cut -f1)"
echo "  production dependencies (the runtime and ioredis): $((size_kb / 1024)) MB ($(wc -l <<<"$prod") packages, ioredis $(node -p 'require("ioredis/package.json").version'))"
[ "$size_kb" -le 10240 ] || fail "the runtime's production dependencies take $size_kb kB (> 10 MB)"
for heavy in typescript ts-morph json-schema-to-typescript prettier; do
  if grep -q "/node_modules/$heavy\$" <<<"$prod"; then fail "the runtime depends on $heavy"; fi
done

# Both ioredis majors, passed as clients; what Redis holds afterwards.
npm install --save-dev --no-audit --no-fund --silent "ioredis5@npm:ioredis@5.11.1" >/dev/null
cat > clients.ts <<'TS'
import { existsSync } from "node:fs";
import { Redis as Redis6 } from "ioredis";
import { Redis as Redis5 } from "ioredis5";
import { ValidationError } from "redis-memory";
import { Notes } from "./generated/index.js";

const url = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const clients = [["ioredis 6", new Redis6(url)], ["ioredis 5", new Redis5(url)]] as const;
for (const [label, client] of clients) {
  const id = `consumer-${label.replace(" ", "")}-${process.pid}`;
  const notes = await Notes.open({ redis: client, id });
  notes.items.push("eggs", "flour");
  const views = await notes.$incr("views", 2);
  await notes.$flush();
  const key = notes.$key;
  const held = { views: await client.hget(`${key}:root`, "views"), items: await client.lrange(`${key}:n:${(await client.hget(`${key}:root`, "items"))!.slice(3)}`, 0, -1) };
  if (views !== 2 || held.views !== "2" || JSON.stringify(held.items) !== JSON.stringify(['"eggs"', '"flour"'])) {
    throw new Error(`${label}: Redis holds ${JSON.stringify(held)} after the writes (views ${views})`);
  }
  let rejected = false;
  let frames = "";
  try {
    notes.items.push("x".repeat(201));
  } catch (error) {
    rejected = error instanceof ValidationError;
    // Every frame inside the package points at a file it ships.
    const files = [...(error as Error).stack!.matchAll(/(?:file:\/\/)?(\/[^\s():]*node_modules\/redis-memory\/[^\s():]+):\d+:\d+/g)].map((m) => m[1]!);
    if (files.length === 0) throw new Error(`${label}: no stack frame inside the package:\n${(error as Error).stack}`);
    for (const file of files) if (!existsSync(file)) throw new Error(`${label}: a stack frame points at ${file}, which is not installed`);
    frames = files.map((file) => file.replace(/.*node_modules\//, "")).join(", ");
  }
  if (!rejected) throw new Error(`${label}: a 201-character item was not rejected`);
  await notes.$delete();
  await notes.$close();
  if ((await client.ping()) !== "PONG") throw new Error(`${label}: the client was closed by the store`);
  await client.quit();
  console.log(`  ${label} client: ok (Redis holds ${JSON.stringify(held)}; stack frames in ${frames})`);
}
TS
npx tsc
echo "\$ node dist/clients.js"
node dist/clients.js
echo "\$ node --enable-source-maps dist/clients.js"
node --enable-source-maps dist/clients.js

# CommonJS: require(esm).
cat > check.cjs <<'JS'
const { Memory } = require("redis-memory");
(async () => {
  const mem = await Memory.open({ id: `cjs-${process.pid}` });
  mem.count = 1;
  await mem.$incr("count");
  await mem.$flush();
  if (mem.count !== 2) throw new Error(`count is ${mem.count}`);
  await mem.$delete();
  await mem.$close();
  console.log(`  require("redis-memory") from CommonJS on Node ${process.versions.node}: ok`);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
JS
echo "\$ node check.cjs"
node --no-warnings check.cjs
echo "consumer check ok"
