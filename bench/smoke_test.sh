#!/usr/bin/env bash
# ctest bench_smoke: hub-loadgen against a real deptsim for 2 s, once plain
# (GET /_sim/health) and once signed (SAMR's endpoint); fails unless every
# request was answered 2xx and at least one was sent.
#   smoke_test.sh LOADGEN DEPTSIM SOURCE_DIR
set -euo pipefail
loadgen=$1 deptsim=$2 root=$3
work=$(mktemp -d)
unset HUB_DEPT_SAMR_SECRET  # deptsim then uses the development secret the requests are signed with
"$deptsim" --config <(jq --arg root "$root" --arg ccsDelayMs 0 -f "$root/bench/deptsim-instant.jq" "$root/deptsim/deptsim.json") \
  --ports-file "$work/ports.json" --hub-url http://127.0.0.1:9 >"$work/deptsim.log" 2>&1 &
deptsim_pid=$!
trap 'kill $deptsim_pid 2>/dev/null || true; wait $deptsim_pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 400); do
  [[ -s $work/ports.json ]] && break
  kill -0 "$deptsim_pid" 2>/dev/null || { cat "$work/deptsim.log"; exit 1; }
  sleep 0.05
done
[[ -s $work/ports.json ]] || { echo "deptsim wrote no ports file"; exit 1; }
check() {  # the RESULT line: something sent, all of it 2xx
  local line; line=$(sed -n 's/^RESULT //p' "$1")
  echo "$line"
  jq -e '.sent > 0 and .accepted == .sent' <<<"$line" >/dev/null
}
"$loadgen" closed --concurrency 2 --duration 2 --url "http://127.0.0.1:$(jq .control "$work/ports.json")/_sim/health" \
  --label smoke-health >"$work/health.out"
check "$work/health.out"
message=$root/tests/fixtures/adapters/samr/request-P01.xml
"$loadgen" open --rate 50 --duration 2 --connections 2 \
  --url "http://127.0.0.1:$(jq .SAMR "$work/ports.json")$(jq -r .departments.SAMR.path "$root/deptsim/deptsim.json")" \
  --body "$message" --sign-secret dev-secret-samr \
  --header "X-Hub-Message-Id: $(sed -n 's#.*<MessageId>\([^<]*\)</MessageId>.*#\1#p' "$message" | head -1)" \
  --label smoke-samr >"$work/samr.out"
check "$work/samr.out"
