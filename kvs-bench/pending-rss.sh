#!/bin/sh
# Memory held by unfinished requests: resident memory (VmRSS) of a kvs-server while CONNECTIONS
# connections each send half of a VALUE-byte set, with the server's --max-pending-bytes at
# BUDGET (docs/BENCHMARKS.md). Run it with the default budget and with a huge one ("off"):
#
#   kvs-bench/pending-rss.sh                    # BUDGET=256MiB CONNECTIONS=40 VALUE=67108800
#   BUDGET=1TiB kvs-bench/pending-rss.sh        # the budget effectively off
#
# Starts its own kvs-server on a loopback port, with a fresh data directory, and stops it.
set -eu
root=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd -P)
work=$(mktemp -d)
port=${KVS_PORT:-4791}
budget=${BUDGET:-256MiB}
connections=${CONNECTIONS:-40}
value=${VALUE:-67108800}

cleanup() {
    [ -n "${kvs_pid:-}" ] && kill "$kvs_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

"$root/bin/kvs-server" --addr "127.0.0.1:$port" --dir "$work/kvs" --max-pending-bytes "$budget" \
    2>"$work/kvs.log" &
kvs_pid=$!
i=0
until "$root/bin/kvs-client" ping --addr "127.0.0.1:$port" >/dev/null 2>&1; do
    i=$((i + 1))
    [ "$i" -lt 300 ] || { echo "kvs-server did not start:"; cat "$work/kvs.log"; exit 1; }
    sleep 0.1
done
echo "kvs-server --max-pending-bytes $budget (JVM defaults: $(java -XX:+PrintFlagsFinal -version 2>/dev/null \
    | awk '/ MaxHeapSize /{printf "max heap %d MiB", $4 / 1048576}'))"
java "$root/kvs-bench/scripts/PendingRss.java" "$kvs_pid" "$port" "$connections" "$value"
grep -E 'WARN|ERROR' "$work/kvs.log" | sort | uniq -c | sort -rn | head -5 || true
