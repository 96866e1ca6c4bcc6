#!/usr/bin/env bash
# Webhook ingest, end to end over loopback: `hookphone inspect` (full
# verification — HS256, claims, iat, jti, payload_hash — plus an fsync'd
# SQLite commit before each answer) against the peer developers use today: a
# minimal Node.js Express handler calling the official @vonage/jwt
# verifySignature (signature only, nothing stored). Same Go load generator,
# same pre-signed requests, same concurrency. Prints rate and p99 latency of
# both and the ratios.
set -euo pipefail
cd "$(dirname "$0")/../.."

N=${INSPECTOR_BENCH_N:-20000}
C=${INSPECTOR_BENCH_C:-32}
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

command -v node >/dev/null || { echo "inspector.sh: node not found (run make deps)" >&2; exit 1; }
command -v npm >/dev/null || { echo "inspector.sh: npm not found (run make deps)" >&2; exit 1; }
command -v jq >/dev/null || { echo "inspector.sh: jq not found (run make deps)" >&2; exit 1; }

go build -tags migrated_fynedo -o "$work/hookphone" .
go build -tags migrated_fynedo -o "$work/load" ./scripts/bench/inspector-load
export BENCH_SECRET="bench-signature-secret-$RANDOM$RANDOM"

# wait_listening FILE: print the URL from the first {"listening": …} line.
wait_listening() {
  for _ in $(seq 1 300); do
    url=$(grep -m1 '"listening"' "$1" 2>/dev/null | jq -r .listening || true)
    if [ -n "$url" ]; then echo "$url"; return 0; fi
    sleep 0.1
  done
  echo "inspector.sh: $1 never reported listening" >&2
  cat "$1" >&2
  return 1
}

measure() { # label url
  "$work/load" -label "$1" -url "$2/webhooks/event" -n 2000 -c "$C" >/dev/null   # warm-up
  "$work/load" -label "$1" -url "$2/webhooks/event" -n "$N" -c "$C"
}

# 1. hookphone inspect, with its own fresh data dir.
XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config" XDG_CACHE_HOME="$work/cache" \
  "$work/hookphone" inspect --listen 127.0.0.1:0 --secret-env BENCH_SECRET --json >"$work/inspect.out" 2>"$work/inspect.err" &
pids+=($!)
hp_url=$(wait_listening "$work/inspect.out")
hp=$(measure hookphone "$hp_url")
stored=$(grep -c '"verdict":"valid"' "$work/inspect.out" || true)

# 2. Node.js + Express + @vonage/jwt, installed from npm into the temp dir.
mkdir -p "$work/node"
cp scripts/bench/inspector-node/package.json scripts/bench/inspector-node/server.js "$work/node/"
(cd "$work/node" && npm install --no-audit --no-fund --silent >/dev/null)
jwt_version=$(jq -r .version "$work/node/node_modules/@vonage/jwt/package.json")
(cd "$work/node" && PORT=0 exec node server.js >"$work/node.out" 2>"$work/node.err") &
pids+=($!)
node_url=$(wait_listening "$work/node.out")
nd=$(measure node-express "$node_url")

echo "hookphone inspect (verify + payload_hash + jti + fsync'd SQLite store): $hp"
echo "node $(node --version) express + @vonage/jwt $jwt_version verifySignature (signature only, no store): $nd"
echo "valid captures printed by hookphone inspect: $stored of $((N + 2000))"
jq -rn --argjson a "$hp" --argjson b "$nd" \
  '"ratio hookphone/node: ingest rate \(($a.rate_per_s / $b.rate_per_s * 100 | round) / 100)x, p99 latency \(($a.p99_ms / $b.p99_ms * 100 | round) / 100)x (p99 \($a.p99_ms | . * 100 | round / 100) ms vs \($b.p99_ms | . * 100 | round / 100) ms)"'
