#!/bin/sh
# One-shot client start-up: wall time of a whole `bin/kvs-client get KEY` process, beside
# `redis-cli GET KEY` and a hello-world JVM, measured in one hyperfine run (docs/BENCHMARKS.md).
#
# Needs: hyperfine, redis-server and redis-tools (apt-get install hyperfine redis-server).
# Starts its own kvs-server and redis-server on loopback ports and stops them at the end.
set -eu
root=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd -P)
work=$(mktemp -d)
kvs_port=${KVS_PORT:-4790}
redis_port=${REDIS_PORT:-6390}
runs=${RUNS:-50}

cleanup() {
    [ -n "${kvs_pid:-}" ] && kill "$kvs_pid" 2>/dev/null || true
    redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

"$root/bin/kvs-server" --addr "127.0.0.1:$kvs_port" --dir "$work/kvs" 2>"$work/kvs.log" &
kvs_pid=$!
redis-server --port "$redis_port" --save '' --appendonly no --daemonize yes \
    --dir "$work" >/dev/null
cat >"$work/Hello.java" <<'JAVA'
public class Hello { public static void main(String[] a) { System.out.println("hello"); } }
JAVA
javac -d "$work" "$work/Hello.java"

i=0
until "$root/bin/kvs-client" set key value --addr "127.0.0.1:$kvs_port" 2>/dev/null; do
    i=$((i + 1))
    [ "$i" -lt 100 ] || { echo "kvs-server did not start:"; cat "$work/kvs.log"; exit 1; }
    sleep 0.1
done
redis-cli -p "$redis_port" set key value >/dev/null

hyperfine -N --warmup 5 --runs "$runs" --export-markdown "$work/result.md" \
    --export-json "$work/result.json" \
    "$root/bin/kvs-client get key --addr 127.0.0.1:$kvs_port" \
    "redis-cli -p $redis_port GET key" \
    "java -Xshare:auto -XX:TieredStopAtLevel=1 -cp $work Hello"
cat "$work/result.md"
# The target is stated as a median; hyperfine's table shows means.
python3 -c 'import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print("median %7.1f ms  %s" % (r["median"] * 1000, r["command"]))' "$work/result.json"
