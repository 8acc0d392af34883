#!/usr/bin/env bash
# The path of a new user, on the packed packages: pack redis-memory and redis-memory-gen,
# then in a fresh app run README's Getting started as written (its files and commands;
# `npm install <name>` installs the packed tarball instead of the registry's), with
# these checks on the way:
#   - the runtime installs with --omit=dev into <= 10 MB of node_modules, without
#     ts-morph or typescript; the generator lands in devDependencies;
#   - the generated code compiles under `tsc --init`'s strict settings;
#   - the watcher prints the change another process made (`$on("change")`);
#   - stores run on an ioredis 6 client and on an ioredis 5 client, and what Redis holds
#     afterwards is what was written;
#   - a CommonJS file can require("redis-memory") (Node >= 20.19, require(esm));
#   - stack traces point at files the package ships (with and without source maps).
# Uses REDIS_URL, or starts a private redis-server. Needs the npm registry (ioredis,
# typescript, the packages' dependencies).
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
  maps=0
  grep -qx "package/LICENSE" <<<"$listing" || fail "$(basename "$tgz") has no LICENSE"
  if grep -E "^package/dist/(bench|generated|examples|scripts|test)/" <<<"$listing"; then fail "$(basename "$tgz") ships files no user imports"; fi
  # Every source map's sources are in the tarball.
  for map in $(grep -E '\.map$' <<<"$listing"); do
    dir="$(dirname "${map#package/}")"
    for source in $(tar xzf "$tgz" -O "$map" | node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0, "utf8")).sources.join("\n"))'); do
      grep -qx "package/$(node -p 'require("path").posix.normalize(process.argv[1])' "$dir/$source")" <<<"$listing" || fail "$map names $source, which $(basename "$tgz") does not ship"
    done
    maps=$((maps + 1))
  done
  echo "  $(basename "$tgz"): $(wc -l <<<"$listing") files, LICENSE, $maps source maps whose sources it ships"
done

if [ -z "${REDIS_URL:-}" ]; then
  port="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >/dev/null &
  server_pid=$!
  export REDIS_URL="redis://127.0.0.1:$port"
  for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
fi

app="$work/app"
mkdir -p "$app" && cd "$app"
cat > package.json <<'JSON'
{ "name": "consumer-app", "version": "1.0.0", "private": true, "type": "module" }
JSON
node "$root/scripts/getting-started.mjs" files "$app"

installs=0
n=0
while IFS= read -r line; do
  n=$((n + 1))
  command="${line%%#*}"
  command="$(sed -E 's/[[:space:]]+$//' <<<"$command")"
  comment=""
  [[ "$line" == *"#"* ]] && comment="${line#*#}"
  if [[ "$command" == "npm install"* ]]; then
    installs=$((installs + 1))
    command="$(sed -E "s#(^| )redis-memory-gen( |\$)#\\1$gen_tgz\\2#; s#(^| )redis-memory( |\$)#\\1$runtime_tgz\\2#" <<<"$command")"
    [ "$installs" -eq 1 ] && command="$command --omit=dev"
    echo "\$ ${line%%#*}"
    eval "$command --no-audit --no-fund --silent" >/dev/null
    if [ "$installs" -eq 1 ]; then
      size_kb="$(du -sk node_modules | cut -f1)"
      echo "  node_modules with the runtime and ioredis: $((size_kb / 1024)) MB ($(ls node_modules | wc -l) entries, ioredis $(node -p 'require("ioredis/package.json").version'))"
      [ "$size_kb" -le 10240 ] || fail "the runtime's install is $size_kb kB (> 10 MB)"
      for heavy in typescript ts-morph json-schema-to-typescript prettier; do
        [ ! -e "node_modules/$heavy" ] || fail "installing the runtime brought $heavy"
      done
    else
      node -e 'const p=require("./package.json"); if (!(p.devDependencies||{})["redis-memory-gen"]) process.exit(1)' || fail "redis-memory-gen is not a devDependency"
    fi
  elif [[ "$command" == *"&" ]]; then
    echo "\$ $command"
    log="$work/background-$n.log"
    bash -c "${command%&}" >"$log" 2>&1 &
    background+=($!)
    # It is up once it printed its first line.
    for _ in $(seq 300); do [ -s "$log" ] && break; sleep 0.1; done
    [ -s "$log" ] || fail "\"$command\" printed nothing in 30 s"
    last_background_log="$log"
  else
    echo "\$ $command"
    bash -c "$command"
    if [[ "$comment" == *"prints: "* ]]; then
      expected="${comment#*prints: }"
      expected="${expected% ...}"
      wait_for "$last_background_log" "$expected"
      echo "  the watcher printed: $(grep -F -- "$expected" "$last_background_log" | head -n 1)"
    fi
  fi
done < <(node "$root/scripts/getting-started.mjs" commands)
for pid in "${background[@]}"; do kill "$pid" 2>/dev/null || true; done
background=()

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
