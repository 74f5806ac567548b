#!/bin/sh
# The load test of `edict serve` (issue #12): a real HTTP load generator
# (wrk) against the real server on loopback, keep-alive, on this machine.
#
#   bench/serve_load.sh [RULES] [SECONDS]
#
# Single decisions: POST /v1/decide, each request one of 10,000 different
# queries, 32 connections. The batch: POST /v1/decide/batch with 10,000 JSON
# lines a request, 2 connections. Prints wrk's figures; the batch's
# decisions a second are its requests a second times 10,000. Needs wrk
# (`apt-get install wrk`).
set -eu
rules=${1:-10000}
seconds=${2:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

(cd "$root" && cargo build --release --quiet)
(cd "$root/bench" && cargo run --release --quiet --no-default-features --example serve_set -- "$work" "$rules" 10000)

cat > "$work/single.lua" <<'LUA'
local bodies = {}
for line in io.lines(os.getenv("QUERIES")) do bodies[#bodies + 1] = line end
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i % #bodies + 1
  return wrk.format(nil, "/v1/decide", nil, bodies[i])
end
LUA
cat > "$work/batch.lua" <<'LUA'
local f = io.open(os.getenv("QUERIES"), "rb")
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/x-ndjson"
wrk.path = "/v1/decide/batch"
LUA

"$root/target/release/edict" serve "$work/set" --addr 127.0.0.1:18199 --no-watch 2>"$work/serve.log" &
server=$!
until curl -sf http://127.0.0.1:18199/ready >/dev/null 2>&1; do sleep 0.2; done

echo "== single decisions, $rules rules, 32 connections, ${seconds}s"
QUERIES="$work/queries.jsonl" wrk -t1 -c32 -d"${seconds}s" --latency -s "$work/single.lua" http://127.0.0.1:18199/v1/decide
echo "== batch of 10,000 lines a request, $rules rules, 2 connections, ${seconds}s"
QUERIES="$work/queries.jsonl" wrk -t1 -c2 -d"${seconds}s" --latency -s "$work/batch.lua" http://127.0.0.1:18199/v1/decide/batch
