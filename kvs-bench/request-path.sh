#!/usr/bin/env bash
# The request-path targets of issue 11 (docs/BENCHMARKS.md, "Request path (issue 11)"), in one
# sitting: kvs-server beside redis-server, both driven by the neutral load tool kvsload (C, epoll;
# ../shared/tools/kvsload), kvs and Redis runs interleaved, best of ROUNDS rounds each.
#
#   a  GET and SET, 50 connections, pipeline 1          kvs --sync interval / Redis everysec
#   b  the same with pipeline 16
#   c  SET, 50 writers, pipeline 1                      kvs --sync always / Redis appendfsync always
#   d  latency at half of kvs's own peak (from a, or measured), paced, counted from when each
#      request was due (kvs-client bench --rate): sets and gets, and sets with --sync never
#   e  p99 of small paced gets, quiet, while compactions run back to back, and while one other
#      connection reads a 60 MiB value over and over (kvsload)
#
# 100-byte values, 100,000 random keys ("key:" + 12 digits), prefilled before any GET.
# Usage: kvs-bench/request-path.sh [--quick] [--only a,b,...] [--rounds N] [--results DIR]
#   --quick    short runs (1-2 s) to check that the script works; the figures mean nothing
#   default    the real figures: DURATION seconds a run (8), after a warm-up of each server
# Environment: KVSLOAD (the kvsload binary), DURATION, WARMUP, KVS_JAVA_OPTS (passed on to the
# server by bin/kvs-server), E_RATE (requests/s of the small gets in e; default half of kvs's GET
# peak, as in d).
#
# Starts its own kvs-server (through bin/kvs-server, so with the launcher's JVM flags, on the
# shaded jar, which must be built and fresh) and redis-server, each on a free loopback port with a
# temporary data directory, and stops every process it started when it exits. Every run is
# bounded in time. Writes each run's JSON to the results directory and prints one table.
set -euo pipefail
root=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd -P)
. "$root/kvs-bench/lib/bench-lib.sh"

quick=0 only=a,b,c,d,e rounds=2 results=""
while [ $# -gt 0 ]; do
    case $1 in
        --quick) quick=1 ;;
        --only) only=$2; shift ;;
        --rounds) rounds=$2; shift ;;
        --results) results=$2; shift ;;
        -h|--help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "request-path.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done
if [ "$quick" = 1 ]; then
    dur=${DURATION:-1} warm=${WARMUP:-1} bench_warm=1
    e_bulk_keys=20000 e_segment=4MiB
else
    dur=${DURATION:-8} warm=${WARMUP:-5} bench_warm=3
    e_bulk_keys=150000 e_segment=32MiB
fi
results=${results:-$root/kvs-bench/results/request-path-$(date +%Y%m%dT%H%M%S)}
mkdir -p "$results"
bench_init "$results"
want() { case ",$only," in *",$1,"*) return 0 ;; esac; return 1; }

# kvs KVS_PORT NAME ARGS...: one kvsload run against kvs, its JSON kept as NAME.json.
kvs() { local port=$1 name=$2; shift 2; kvsload_run "$name" --proto kvs --port "$port" "$@"; }
redis() { local port=$1 name=$2; shift 2; kvsload_run "$name" --proto resp --port "$port" "$@"; }
std=(--clients 50 --keys 100000 --value-size 100)

# ab_pair NAME ARGS...: ROUNDS interleaved rounds of the same kvsload run on kvs and on Redis;
# odd rounds start with kvs, even rounds with Redis, so that neither always runs second.
ab_pair() {
    local name=$1 r; shift
    for r in $(seq 1 "$rounds"); do
        if [ $((r % 2)) = 1 ]; then
            kvs "$kvs_port" "$name-kvs-r$r" "$@"; redis "$redis_port" "$name-redis-r$r" "$@"
        else
            redis "$redis_port" "$name-redis-r$r" "$@"; kvs "$kvs_port" "$name-kvs-r$r" "$@"
        fi
    done
}

# Warms both servers up (the JVM's compilers; Redis for symmetry) and fills every key once.
warm_up() {
    kvs "$kvs_port" "warmup-$1-kvs" "${std[@]}" --pipeline 4 --ratio 1:1 --duration "${warm}s" --prefill
    redis "$redis_port" "warmup-$1-redis" "${std[@]}" --pipeline 4 --ratio 1:1 --duration "${warm}s" --prefill
}

if want a || want b; then
    start_kvs interval; start_redis everysec
    warm_up ab
    for p in 1 16; do
        sc=a; [ "$p" = 16 ] && sc=b
        want "$sc" || continue
        ab_pair "$sc-set-p$p" "${std[@]}" --pipeline "$p" --ratio 1:0 --duration "${dur}s"
        ab_pair "$sc-get-p$p" "${std[@]}" --pipeline "$p" --ratio 0:1 --duration "${dur}s"
    done
    stop_kvs; stop_redis
fi

if want c; then
    start_kvs always; start_redis always
    warm_up c
    ab_pair "c-set-always" "${std[@]}" --pipeline 1 --ratio 1:0 --duration "${dur}s"
    stop_kvs; stop_redis
fi

# kvs's own peak without pipelining, for OP (set or get): the best kvs run of a, else one run now.
peak() {
    local op=$1 best
    best=$(best_rps "a-$op-p1-kvs-r")
    if [ -z "$best" ]; then
        local ratio=1:0; [ "$op" = get ] && ratio=0:1
        kvs "$kvs_port" "peak-$op-kvs" "${std[@]}" --pipeline 1 --ratio "$ratio" --duration "${dur}s"
        best=$(best_rps "peak-$op-kvs")
    fi
    printf '%s\n' "$best"
}

# paced NAME RATE ARGS...: kvs-client bench at RATE requests/s in all, 50 connections, ROUNDS runs.
paced() {
    local name=$1 rate=$2 r; shift 2
    for r in $(seq 1 "$rounds"); do
        bench_run "$name-r$r" --addr "127.0.0.1:$kvs_port" --clients 50 --keys 100000 \
            --value-size 100 --rate "$rate" --duration "${dur}s" --warmup "${bench_warm}s" "$@"
    done
}

if want d || want e; then
    start_kvs interval
    kvs "$kvs_port" "warmup-d-kvs" "${std[@]}" --pipeline 4 --ratio 1:1 --duration "${warm}s"
    peak_set=$(peak set); peak_get=$(peak get)
    printf '%s %s\n' "$peak_set" "$peak_get" >"$results/peaks.txt"
    half_set=$(awk -v p="$peak_set" 'BEGIN { printf "%d", p / 2 }')
    half_get=$(awk -v p="$peak_get" 'BEGIN { printf "%d", p / 2 }')
    if want d; then
        # The bench tool checks every value it reads: its keys are filled by itself, not kvsload.
        bench_run "d-prefill" --addr "127.0.0.1:$kvs_port" --clients 50 --keys 100000 \
            --value-size 100 --prefill --requests 1 --ratio 0:1
        paced "d-set-interval" "$half_set" --ratio 1:0
        paced "d-get-interval" "$half_get" --ratio 0:1
    fi
    if want e; then
        stop_kvs
        # Small segments, so that a modest amount of data makes sealed files to compact.
        start_kvs interval --max-segment-bytes "$e_segment"
        kvs "$kvs_port" "e-bulk" --clients 50 --pipeline 16 --keys "$e_bulk_keys" --value-size 1000 \
            --prefill --requests 1 --ratio 0:1
        # The 60 MiB value is kvsload's key 0 ("key:000000000000"); the small gets use 17-byte
        # keys, so they never meet it.
        kvs "$kvs_port" "e-big-prefill" --clients 1 --keys 1 --value-size 62914560 --prefill \
            --requests 1 --ratio 0:1
        bench_run "e-prefill" --addr "127.0.0.1:$kvs_port" --clients 50 --keys 100000 \
            --key-size 17 --value-size 100 --prefill --requests 1 --ratio 0:1
        e_rate=${E_RATE:-$half_get}
        printf '%s\n' "$e_rate" >"$results/e-rate.txt"
        for r in $(seq 1 "$rounds"); do
            paced_e() { bench_run "$1-r$r" --addr "127.0.0.1:$kvs_port" --clients 49 --keys 100000 \
                --key-size 17 --value-size 100 --rate "$e_rate" --duration "${dur}s" \
                --warmup "${bench_warm}s" --ratio 0:1; }
            paced_e "e-quiet"
            compact_loop_start; paced_e "e-compaction"; compact_loop_stop "e-compaction-r$r"
            # The reads span the gets' warm-up and measured time (and the bench JVM's start).
            big_reader_start "e-bigreader-r$r" $((bench_warm + dur + 3)); paced_e "e-bigread"
            big_reader_stop
        done
    fi
    if want d; then
        stop_kvs
        start_kvs never
        kvs "$kvs_port" "warmup-dn-kvs" "${std[@]}" --pipeline 4 --ratio 1:1 --duration "${warm}s"
        # The same rate as the --sync interval sets, so that the two differ only in the policy.
        paced "d-set-never" "$half_set" --ratio 1:0
    fi
    stop_kvs
fi

report "$results" "$rounds" | tee "$results/table.txt"
echo "raw JSON: $results"
