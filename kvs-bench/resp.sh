#!/usr/bin/env bash
# The RESP listener's targets (issue 12; docs/BENCHMARKS.md, "RESP listener (issue 12)"), in one
# sitting: kvs-server with --resp-addr beside redis-server, runs interleaved; best and median of
# ROUNDS rounds (the machine is noisy: medians say more).
#
#   r  redis-benchmark against Redis and against kvs's RESP listener: 50 connections, 100-byte
#      values, -r 100000, -t set,get, with -P 1 and -P 16 (the issue's yardstick)
#   k  kvsload (C, ../shared/tools/kvsload) against Redis, kvs's RESP listener and kvs's own
#      protocol, same flags: kvs-RESP / Redis with a neutral tool, and kvs-RESP / kvs-protocol on
#      the same server (what the RESP front end costs)
#
# Redis runs with --appendonly yes --appendfsync everysec, kvs with its default --sync interval.
# Usage: kvs-bench/resp.sh [--quick] [--only r,k] [--rounds N (5)] [--results DIR]
#   --quick    short runs, to check that the script works; the figures mean nothing
# Environment: KVSLOAD, DURATION (kvsload seconds a run, 8), REQUESTS (redis-benchmark requests a
# run, 400000; with -P 16 four times as many), KVS_JAVA_OPTS (passed on by bin/kvs-server).
# The shaded jar must be built and fresh (mvn -B -q package -DskipTests). Every process started
# is stopped on exit.
set -euo pipefail
root=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd -P)
. "$root/kvs-bench/lib/bench-lib.sh"

quick=0 only=r,k rounds=5 results=""
while [ $# -gt 0 ]; do
    case $1 in
        --quick) quick=1 ;;
        --only) only=$2; shift ;;
        --rounds) rounds=$2; shift ;;
        --results) results=$2; shift ;;
        -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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
import csv, glob, json, os, statistics, sys
d = sys.argv[1]
def runs(pattern, key):
    vals = []
    for f in glob.glob(os.path.join(d, pattern)):
        if f.endswith(".csv"):
            for row in csv.reader(open(f)):
                if row and row[0].upper() == key.upper():
                    vals.append(float(row[1]))
        else:
            vals.append(float(json.load(open(f)).get("rps", 0)))
    return vals
def both(vals):
    return (max(vals), statistics.median(vals)) if vals else (None, None)
print("redis-benchmark, requests/s, best and median of the rounds:")
print(f"{'':10}{'kvs RESP':>20}{'Redis':>20}{'kvs/Redis':>16}")
for p in (1, 16):
    for op in ("SET", "GET"):
        (kb, km), (rb, rm) = both(runs(f"rb-p{p}-kvs-r*.csv", op)), both(runs(f"rb-p{p}-redis-r*.csv", op))
        if kb and rb:
            print(f"{op} P{p:<4}{kb:10.0f}{km:10.0f}{rb:10.0f}{rm:10.0f}{kb / rb:8.2f}{km / rm:8.2f}")
print("\nkvsload, requests/s, best and median of the rounds:")
print(f"{'':10}{'kvs RESP':>20}{'kvs protocol':>20}{'Redis':>20}{'RESP/protocol':>16}{'RESP/Redis':>16}")
for p in (1, 16):
    for op in ("set", "get"):
        (kb, km) = both(runs(f"k-{op}-p{p}-resp-r*.json", ""))
        (pb, pm) = both(runs(f"k-{op}-p{p}-kvsproto-r*.json", ""))
        (rb, rm) = both(runs(f"k-{op}-p{p}-redis-r*.json", ""))
        if kb and pb and rb:
            print(f"{op.upper()} P{p:<4}{kb:10.0f}{km:10.0f}{pb:10.0f}{pm:10.0f}{rb:10.0f}{rm:10.0f}"
                  f"{kb / pb:8.2f}{km / pm:8.2f}{kb / rb:8.2f}{km / rm:8.2f}")
PY
echo "results: $results" >&2
