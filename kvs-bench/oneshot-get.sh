#!/bin/sh
# One-shot client start-up: wall time of a whole `kvs-client get KEY` process, from the
# distribution archive (unpacked) and from this checkout, beside `redis-cli GET KEY` and a
# hello-world JVM started with the launcher's flags, in one hyperfine run (docs/BENCHMARKS.md).
# The target (issue 13) is a ratio: the installed get's median at most 2x the hello-world JVM's.
#
# Needs: hyperfine, redis-server and redis-tools (apt-get install hyperfine redis-server), and
# the archive: mvn -B package -DskipTests. RUNS=N runs each (50 by default).
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

archive=$(ls "$root"/kvs-dist/target/kvs-*.tar.gz 2>/dev/null | head -n 1)
[ -n "$archive" ] || { echo "no kvs-dist/target/kvs-*.tar.gz: run mvn -B package -DskipTests" >&2; exit 1; }
tar -xzf "$archive" -C "$work"
installed=$(ls -d "$work"/kvs-*/)bin/kvs-client

"$root/bin/kvs-server" --addr "127.0.0.1:$kvs_port" --dir "$work/kvs" 2>"$work/kvs.log" &
kvs_pid=$!
redis-server --port "$redis_port" --save '' --appendonly no --daemonize yes \
    --dir "$work" >/dev/null
cat >"$work/Hello.java" <<'JAVA'
public class Hello { public static void main(String[] a) { System.out.println("hello"); } }
JAVA
javac -d "$work" "$work/Hello.java"
# The flags bin/kvs-client starts a one-shot command with.
fast=$(sed -n 's/^fast="\(.*\)"$/\1/p' "$root/bin/kvs-client")

i=0
until "$root/bin/kvs-client" set key value --addr "127.0.0.1:$kvs_port" 2>/dev/null; do
    i=$((i + 1))
    [ "$i" -lt 100 ] || { echo "kvs-server did not start:"; cat "$work/kvs.log"; exit 1; }
    sleep 0.1
done
# The first run of each launcher makes its class-data archive; hyperfine's warm-up does too.
redis-cli -p "$redis_port" set key value >/dev/null

hyperfine -N --warmup 5 --runs "$runs" --export-markdown "$work/result.md" \
    --export-json "$work/result.json" \
    -n "installed kvs-client get key" "$installed get key --addr 127.0.0.1:$kvs_port" \
    -n "bin/kvs-client get key (checkout)" "$root/bin/kvs-client get key --addr 127.0.0.1:$kvs_port" \
    -n "redis-cli GET key" "redis-cli -p $redis_port GET key" \
    -n "java (launcher's flags) Hello" "java $fast -cp $work Hello"
cat "$work/result.md"
# hyperfine runs one command's runs, then the next's: a machine that gets busier in between moves
# the ratio. So also pair by pair: each installed get timed right after a hello-world JVM.
python3 - "$runs" "$installed" "127.0.0.1:$kvs_port" "$fast" "$work" <<'PY'
import shlex, statistics, subprocess, sys, time
runs, installed, addr, fast, work = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
hello = ["java"] + shlex.split(fast) + ["-cp", work, "Hello"]
get = [installed, "get", "key", "--addr", addr]
def timed(cmd):
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start
pairs = [(timed(hello), timed(get)) for _ in range(runs)]
print("pair by pair, %d pairs: hello median %.1f ms, installed get median %.1f ms, median of the"
      " ratios %.2fx" % (runs, statistics.median(h for h, _ in pairs) * 1000,
                          statistics.median(g for _, g in pairs) * 1000,
                          statistics.median(g / h for h, g in pairs)))
PY
# The target is stated as a median; hyperfine's table shows means.
python3 -c 'import json, sys
rs = json.load(open(sys.argv[1]))["results"]
hello = rs[-1]["median"]
for r in rs:
    print("median %7.1f ms  %5.2fx hello  %s" % (r["median"] * 1000, r["median"] / hello, r["command"]))' \
    "$work/result.json"
