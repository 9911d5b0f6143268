#!/bin/sh
# Resident memory a key of a kvs-server holding KEYS keys of 16 bytes ("key:" and 12 digits) with
# 100-byte values, loaded through the server with kvsload, then again after a restart
# (docs/BENCHMARKS.md, "Resident memory a key"). VmRSS is read from /proc/PID/status SETTLE
# seconds (60) after loading and after opening. The server runs with bin/kvs-server's JVM flags,
# or KVS_JAVA_OPTS after them:
#
#   kvs-bench/keydir-rss.sh                                  # KEYS=5000000
#   KVS_JAVA_OPTS='-XX:+UseSerialGC' kvs-bench/keydir-rss.sh # another collector
#
# Needs kvsload (on the PATH, or ../shared/tools/kvsload, or KVSLOAD=path). Starts its own
# kvs-server on a loopback port with a fresh data directory, and stops it.
set -eu
root=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd -P)
kvsload=${KVSLOAD:-$(command -v kvsload || echo "$root/../shared/tools/kvsload")}
keys=${KEYS:-5000000}
port=${KVS_PORT:-4793}
settle=${SETTLE:-60}
work=$(mktemp -d)
kvs_pid=

cleanup() {
    [ -n "$kvs_pid" ] && kill "$kvs_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

rss_kib() {
    awk '/^VmRSS:/ {print $2}' "/proc/$1/status"
}

start() {
    "$root/bin/kvs-server" --addr "127.0.0.1:$port" --dir "$work/kvs" 2>>"$work/kvs.log" &
    kvs_pid=$!
    i=0
    until KVS_JAVA_OPTS= "$root/bin/kvs-client" ping --addr "127.0.0.1:$port" >/dev/null 2>&1; do
        i=$((i + 1))
        [ "$i" -lt 1200 ] || { echo "kvs-server did not start:"; cat "$work/kvs.log"; exit 1; }
        sleep 0.1
    done
}

# report WHAT: samples VmRSS every 5 s for SETTLE seconds (the launcher's periodic collection
# runs after 10 s without one), then prints the last sample, a key and beyond the key's 16 bytes.
report() {
    samples=""
    waited=0
    while [ "$waited" -lt "$settle" ]; do
        sleep 5
        waited=$((waited + 5))
        samples="$samples $(($(rss_kib "$kvs_pid") / 1024))"
    done
    now=$(rss_kib "$kvs_pid")
    echo "$1: VmRSS $((now / 1024)) MiB after ${waited}s: $(awk -v r="$now" -v k="$keys" \
        'BEGIN {printf "%.1f bytes a key, %.1f beyond the key", r * 1024 / k, r * 1024 / k - 16}')"
    echo "  (MiB every 5 s:$samples)"
}

echo "kvs-server JVM flags: ${KVS_JAVA_OPTS:-(the launcher's)}; $keys keys"
start
tr '\0' ' ' <"/proc/$kvs_pid/cmdline" | cut -c 1-200; echo
if ! "$kvsload" --proto kvs --port "$port" --clients 50 --pipeline 16 --keys "$keys" \
        --value-size 100 --prefill --ratio 0:1 --requests 1000 --max-time 1200s >"$work/load.txt"; then
    echo "kvsload failed:"; cat "$work/load.txt"; exit 1
fi
grep "^prefill:" "$work/load.txt"
report "loaded"
kill "$kvs_pid"
wait "$kvs_pid" || true
start
report "restarted"
grep -E 'WARN|ERROR' "$work/kvs.log" | sort | uniq -c | sort -rn | head -5 || true
