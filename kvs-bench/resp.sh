#!/usr/bin/env bash
# The RESP listener's targets (issue 12; docs/BENCHMARKS.md, "RESP listener (issue 12)"), in one
# sitting: kvs-server with --resp-addr beside redis-server, runs interleaved, best of ROUNDS.
#
#   r  redis-benchmark against Redis and against kvs's RESP listener: 50 connections, 100-byte
#      values, -r 100000, -t set,get, with -P 1 and -P 16 (the issue's yardstick)
#   k  kvsload (C, ../shared/tools/kvsload) against Redis, kvs's RESP listener and kvs's own
#      protocol, same flags: kvs-RESP / Redis with a neutral tool, and kvs-RESP / kvs-protocol on
#      the same server (what the RESP front end costs)
#
# Redis runs with --appendonly yes --appendfsync everysec, kvs with its default --sync interval.
# Usage: kvs-bench/resp.sh [--quick] [--only r,k] [--rounds N] [--results DIR]
#   --quick    short runs, to check that the script works; the figures mean nothing
# Environment: KVSLOAD, DURATION (kvsload seconds a run, 8), REQUESTS (redis-benchmark requests a
# run, 400000; with -P 16 four times as many), KVS_JAVA_OPTS (passed on by bin/kvs-server).
# The shaded jar must be built and fresh (mvn -B -q package -DskipTests). Every process started
# is stopped on exit.
set -euo pipefail
root=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd -P)
. "$root/kvs-bench/lib/bench-lib.sh"

quick=0 only=r,k rounds=3 results=""
while [ $# -gt 0 ]; do
    case $1 in
        --quick) quick=1 ;;
        --only) only=$2; shift ;;
        --rounds) rounds=$2; shift ;;
        --results) results=$2; shift ;;
        -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "resp.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done
if [ "$quick" = 1 ]; then
    dur=${DURATION:-1} requests=${REQUESTS:-20000} warm=1
else
    dur=${DURATION:-8} requests=${REQUESTS:-400000} warm=5
fi
command -v redis-benchmark >/dev/null || die "redis-benchmark not found (apt-get install redis-server)"
results=${results:-$root/kvs-bench/results/resp-$(date +%Y%m%dT%H%M%S)}
mkdir -p "$results"
bench_init "$results"
want() { case ",$only," in *",$1,"*) return 0 ;; esac; return 1; }

resp_port=$(free_port)
start_kvs interval --resp-addr "127.0.0.1:$resp_port"
start_redis everysec
std=(--clients 50 --keys 100000 --value-size 100)
kvsload_run warmup-kvs --proto kvs --port "$kvs_port" "${std[@]}" --pipeline 4 --ratio 1:1 --duration "${warm}s" --prefill
kvsload_run warmup-resp --proto resp --port "$resp_port" "${std[@]}" --pipeline 4 --ratio 1:1 --duration "${warm}s"
kvsload_run warmup-redis --proto resp --port "$redis_port" "${std[@]}" --pipeline 4 --ratio 1:1 --duration "${warm}s" --prefill

# rb NAME PORT PIPELINE: one redis-benchmark run of set and get; CSV to NAME.csv.
rb() {
    local n=$requests
    [ "$3" = 16 ] && n=$((requests * 4))
    echo "  $1" >&2
    timeout -k 5 300 redis-benchmark -h 127.0.0.1 -p "$2" -c 50 -d 100 -r 100000 -t set,get \
        -n "$n" -P "$3" --csv >"$results/$1.csv" || die "redis-benchmark failed in $1"
}

for r in $(seq 1 "$rounds"); do
    for p in 1 16; do
        if want r; then
            if [ $((r % 2)) = 1 ]; then
                rb "rb-p$p-kvs-r$r" "$resp_port" "$p"; rb "rb-p$p-redis-r$r" "$redis_port" "$p"
            else
                rb "rb-p$p-redis-r$r" "$redis_port" "$p"; rb "rb-p$p-kvs-r$r" "$resp_port" "$p"
            fi
        fi
        if want k; then
            for op in set get; do
                ratio=1:0; [ "$op" = get ] && ratio=0:1
                order="resp kvsproto redis"; [ $((r % 2)) = 0 ] && order="redis kvsproto resp"
                for who in $order; do
                    case $who in
                        resp) kvsload_run "k-$op-p$p-resp-r$r" --proto resp --port "$resp_port" "${std[@]}" --pipeline "$p" --ratio "$ratio" --duration "${dur}s" ;;
                        kvsproto) kvsload_run "k-$op-p$p-kvsproto-r$r" --proto kvs --port "$kvs_port" "${std[@]}" --pipeline "$p" --ratio "$ratio" --duration "${dur}s" ;;
                        redis) kvsload_run "k-$op-p$p-redis-r$r" --proto resp --port "$redis_port" "${std[@]}" --pipeline "$p" --ratio "$ratio" --duration "${dur}s" ;;
                    esac
                done
            done
        fi
    done
done
stop_kvs; stop_redis

python3 - "$results" <<'PY'
import csv, glob, json, os, re, sys
d = sys.argv[1]
def best(pattern, key):
    vals = []
    for f in glob.glob(os.path.join(d, pattern)):
        if f.endswith(".csv"):
            for row in csv.reader(open(f)):
                if row and row[0].upper() == key.upper():
                    vals.append(float(row[1]))
        else:
            j = json.load(open(f))
            vals.append(float(j.get("rps", 0)))
    return max(vals) if vals else None
print("redis-benchmark (best of rounds, requests/s):")
print(f"{'':10}{'kvs RESP':>12}{'Redis':>12}{'kvs/Redis':>11}")
for p in (1, 16):
    for op in ("SET", "GET"):
        k, r = best(f"rb-p{p}-kvs-r*.csv", op), best(f"rb-p{p}-redis-r*.csv", op)
        if k and r:
            print(f"{op} P{p:<4}{k:12.0f}{r:12.0f}{k / r:11.2f}")
print("\nkvsload (best of rounds, requests/s):")
print(f"{'':10}{'kvs RESP':>12}{'kvs proto':>12}{'Redis':>12}{'RESP/proto':>12}{'RESP/Redis':>12}")
for p in (1, 16):
    for op in ("set", "get"):
        k = best(f"k-{op}-p{p}-resp-r*.json", "")
        kp = best(f"k-{op}-p{p}-kvsproto-r*.json", "")
        r = best(f"k-{op}-p{p}-redis-r*.json", "")
        if k and kp and r:
            print(f"{op.upper()} P{p:<4}{k:12.0f}{kp:12.0f}{r:12.0f}{k / kp:12.2f}{k / r:12.2f}")
PY
echo "results: $results" >&2
