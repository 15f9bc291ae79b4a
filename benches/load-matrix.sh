#!/usr/bin/env bash
# Load matrix: requests/s, p99 and the server's peak memory for text, PDF and EPUB at
# concurrency 1, 8, 64 and 256, each against a fresh release server (so its peak memory is
# that run's). Loopback only; client and server share the machine.
#
#   bash benches/load-matrix.sh [SECONDS] [INPUT.json]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-5}
input=${2:-tests/fixtures/seed.json}
cargo build --release --quiet
bin=target/release/broadsheet
port=50190
printf '%-6s %5s %10s %10s %10s %12s  %s\n' format conc "req/s" "p50 ms" "p99 ms" "peak RSS MB" errors
for format in text pdf epub; do
  for concurrency in 1 8 64 256; do
    "$bin" serve --listen "127.0.0.1:$port" --max-queue 1024 >/dev/null 2>&1 &
    server=$!
    sleep 0.5
    out=$("$bin" bench --server "http://127.0.0.1:$port" --concurrency "$concurrency" \
      --duration "$seconds" --format "$format" --server-pid "$server" "$input")
    kill -TERM "$server"; wait "$server" || true
    rate=$(sed -n 's/.*rate \([0-9.]*\) req\/s.*/\1/p' <<<"$out")
    p50=$(sed -n 's/.*p50 \([0-9.]*\).*/\1/p' <<<"$out")
    p99=$(sed -n 's/.*p99 \([0-9.]*\).*/\1/p' <<<"$out")
    rss=$(sed -n 's/.*memory: \([0-9.]*\) MB.*/\1/p' <<<"$out")
    errors=$(sed -n 's/^errors: //p' <<<"$out")
    printf '%-6s %5s %10s %10s %10s %12s  %s\n' "$format" "$concurrency" "$rate" "$p50" "$p99" "$rss" "$errors"
    port=$((port + 1))
  done
done
