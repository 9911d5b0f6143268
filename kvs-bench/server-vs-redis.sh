#!/bin/sh
# The server under load beside redis-server, in one sitting (docs/BENCHMARKS.md, "Server"):
# 50 connections, 100-byte values, 10k keys; sets then gets, without pipelining and with 16 in
# flight; then p99 latency at half of the peak measured. kvs-server runs with --sync interval (its
# default), redis-server with appendonly yes, appendfsync everysec.
#
# Needs: redis-server and redis-tools (apt-get install redis-server). Loopback only.
set -eu
root=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd -P)
work=$(mktemp -d)
kvs_port=${KVS_PORT:-4791}
redis_port=${REDIS_PORT:-6391}
seconds=${SECONDS_EACH:-10}
client="$root/bin/kvs-client"

cleanup() {
    [ -n "${kvs_pid:-}" ] && kill "$kvs_pid" 2>/dev/null || true
    redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

"$root/bin/kvs-server" --addr "127.0.0.1:$kvs_port" --dir "$work/kvs" --sync interval 2>"$work/kvs.log" &
kvs_pid=$!
mkdir -p "$work/redis"
redis-server --port "$redis_port" --appendonly yes --appendfsync everysec --save '' \
    --dir "$work/redis" --daemonize yes >/dev/null
i=0
until "$client" ping --addr "127.0.0.1:$kvs_port" >/dev/null 2>&1; do
    i=$((i + 1)); [ "$i" -lt 100 ] || { cat "$work/kvs.log"; exit 1; }; sleep 0.1
done

kvs() { "$client" bench --addr "127.0.0.1:$kvs_port" --clients 50 --keys 10000 --value-size 100 \
    --warmup 3s "$@"; }
echo "== warm-up of the server"
kvs --duration 5s --pipeline 4 --ratio 1:1 | sed -n 2p
for p in 1 16; do
    echo "== kvs, pipeline $p"
    kvs --duration "${seconds}s" --pipeline "$p" --ratio 1:0 | sed -n '2p;5p'
    kvs --duration "${seconds}s" --pipeline "$p" --ratio 0:1 | sed -n '2p;5p'
    echo "== redis, pipeline $p"
    n=$((seconds * (p == 1 ? 60000 : 400000)))
    redis-benchmark -p "$redis_port" -c 50 -n "$n" -d 100 -r 10000 -P "$p" -t set,get -q 2>&1 \
        | tr '\r' '\n' | grep 'requests per second'
done
echo "== kvs, latency at half of peak (no pipelining): give PEAK_SET and PEAK_GET to pace"
if [ -n "${PEAK_SET:-}" ]; then
    kvs --duration "${seconds}s" --ratio 1:0 --rate "$((PEAK_SET / 2))" | sed -n '2,5p'
    kvs --duration "${seconds}s" --ratio 0:1 --rate "$((PEAK_GET / 2))" | sed -n '2,5p'
fi
