# Shared by the server benchmark scripts (kvs-bench/request-path.sh); sourced, not run, by bash.
# Starts and stops servers on free loopback ports with temporary data directories, runs the load
# tools with a time limit each, and kills whatever it started when the script exits.
#
# Needs: $root (the checkout), java, redis-server and redis-cli, python3, timeout (coreutils), and
# kvsload: $KVSLOAD, or kvsload on PATH, or built next to its source (../shared/tools/kvsload).

. "$root/bin/kvs-env.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/kvs-bench.XXXXXX")
kvs_pid="" redis_pid="" bg_pids=""
server_n=0

bench_cleanup() {
    local p
    for p in $bg_pids $kvs_pid $redis_pid; do
        kill "$p" 2>/dev/null || true
    done
    for p in $bg_pids $kvs_pid $redis_pid; do
        wait "$p" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "kvs-bench: $*" >&2; exit 1; }

# bench_init RESULTS: checks the tools and the jars before anything starts.
bench_init() {
    results_dir=$1
    for t in java redis-server redis-cli python3 timeout; do
        command -v "$t" >/dev/null 2>&1 || die "$t not found on PATH"
    done
    if [ -z "${KVSLOAD:-}" ]; then
        KVSLOAD=$(command -v kvsload 2>/dev/null || true)
        for c in "$root/../shared/tools/kvsload/kvsload" "$root/../../shared/tools/kvsload/kvsload" \
                /work/kvsload; do
            [ -n "$KVSLOAD" ] || { [ -x "$c" ] && KVSLOAD=$c; } || true
        done
    fi
    [ -n "${KVSLOAD:-}" ] && [ -x "$KVSLOAD" ] || die "kvsload not found: build it (sh ../shared/tools/kvsload/build.sh) and set KVSLOAD"
    # A launcher that finds the jars stale rebuilds them: never in the middle of a measurement.
    kvs_is_built || die "the jars are missing or older than the sources: build first (mvn -B -q package -DskipTests)"
    {
        echo "date: $(date -Iseconds)"
        echo "commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet 2>/dev/null || echo ' (with local changes)')"
        echo "kvsload: $KVSLOAD"
        echo "redis: $(redis-server --version)"
        echo "java: $(java -version 2>&1 | head -n 1)"
        echo "cpus: $(nproc)  load average: $(cut -d' ' -f1-3 /proc/loadavg)"
    } >"$results_dir/sitting.txt"
}

# A port free on 127.0.0.1 now (the kernel's choice), for a server about to start.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_until SECONDS COMMAND...: polls COMMAND every 0.1 s until it succeeds; fails after SECONDS.
wait_until() {
    local limit=$1 i=0; shift
    until "$@" >/dev/null 2>&1; do
        i=$((i + 1))
        [ "$i" -lt $((limit * 10)) ] || return 1
        sleep 0.1
    done
}

# start_kvs SYNC [FLAGS...]: a kvs-server with --sync SYNC on a fresh directory; sets kvs_port.
start_kvs() {
    local sync=$1; shift
    server_n=$((server_n + 1))
    kvs_port=$(free_port)
    local log="$results_dir/kvs-server-$server_n.log"
    echo "kvs-server --sync $sync $* on port $kvs_port" >"$log"
    "$root/bin/kvs-server" --addr "127.0.0.1:$kvs_port" --dir "$work/kvs-$server_n" --sync "$sync" \
        "$@" >>"$log" 2>&1 &
    kvs_pid=$!
    if ! wait_until 30 "$root/bin/kvs-client" ping --addr "127.0.0.1:$kvs_port"; then
        cat "$log" >&2
        die "kvs-server did not answer within 30 s"
    fi
}

stop_kvs() {
    [ -n "$kvs_pid" ] || return 0
    kill "$kvs_pid" 2>/dev/null || true
    # SIGTERM drains and closes the store; a server that does not stop in 20 s is killed.
    wait_until 20 sh -c "! kill -0 $kvs_pid" || kill -9 "$kvs_pid" 2>/dev/null || true
    wait "$kvs_pid" 2>/dev/null || true
    kvs_pid=""
}

# start_redis FSYNC: redis-server with an append-only file synced FSYNC (everysec or always),
# no snapshots, in the foreground of a background job (so that its pid is ours); sets redis_port.
start_redis() {
    server_n=$((server_n + 1))
    redis_port=$(free_port)
    mkdir -p "$work/redis-$server_n"
    redis-server --bind 127.0.0.1 --port "$redis_port" --appendonly yes --appendfsync "$1" \
        --save '' --dir "$work/redis-$server_n" --logfile "$results_dir/redis-server-$server_n.log" \
        --daemonize no >/dev/null 2>&1 &
    redis_pid=$!
    wait_until 10 redis-cli -p "$redis_port" ping || die "redis-server did not answer within 10 s"
}

stop_redis() {
    [ -n "$redis_pid" ] || return 0
    kill "$redis_pid" 2>/dev/null || true
    wait "$redis_pid" 2>/dev/null || true
    redis_pid=""
}

# kvsload_run NAME ARGS...: one kvsload run, JSON to NAME.json, bounded by its --max-time (its
# duration and a minute, or 5 minutes for a count of requests) and by timeout(1) beyond that.
kvsload_run() {
    local name=$1; shift
    echo "  $name" >&2
    timeout -k 5 400 "$KVSLOAD" "$@" --json >"$results_dir/$name.json" \
        || die "kvsload failed in $name (exit $?): $(cat "$results_dir/$name.json")"
}

# bench_run NAME ARGS...: one kvs-client bench run (JSON to NAME.json), bounded in time. Run on
# the client jar and the load tool's libraries with the JVM's defaults, as bin/kvs-client runs
# bench: the optimising compiler.
bench_run() {
    local name=$1; shift
    echo "  $name" >&2
    # shellcheck disable=SC2086 # KVS_BENCH_JAVA_OPTS is a list of flags
    timeout -k 5 300 java ${KVS_BENCH_JAVA_OPTS:-} \
        -cp "$root/kvs-client/target/kvs-client.jar:$root/kvs-client/target/bench-lib/*" \
        kvs.client.cli.ClientMain bench --json "$@" >"$results_dir/$name.json" \
        || die "kvs-client bench failed in $name (exit $?): $(cat "$results_dir/$name.json")"
}

# best_rps PREFIX: the highest requests per second among PREFIX*.json, or nothing.
best_rps() {
    python3 - "$results_dir" "$1" <<'PY'
import glob, json, os, sys
runs = [json.load(open(f)) for f in glob.glob(os.path.join(sys.argv[1], sys.argv[2] + "*.json"))]
if runs:
    print(int(max(r.get("rps", r.get("requests_per_second", 0)) for r in runs)))
PY
}

# Compactions back to back on the kvs server until compact_loop_stop; each is one
# `kvs-client compact`, which returns when that compaction has finished.
compact_loop_start() {
    rm -f "$work/stop-compacting"
    "$root/bin/kvs-client" stats --addr "127.0.0.1:$kvs_port" >"$work/stats-before" 2>&1 || true
    (
        while [ ! -e "$work/stop-compacting" ]; do
            timeout -k 5 300 "$root/bin/kvs-client" compact --timeout 280s \
                --addr "127.0.0.1:$kvs_port" >/dev/null 2>&1 || true
        done
    ) &
    compact_pid=$!
    bg_pids="$bg_pids $compact_pid"
    sleep 1 # the first compaction under way before the measured gets begin
}

# compact_loop_stop NAME: lets the compaction in progress finish, and records how many ran.
compact_loop_stop() {
    touch "$work/stop-compacting"
    wait "$compact_pid" 2>/dev/null || true
    "$root/bin/kvs-client" stats --addr "127.0.0.1:$kvs_port" >"$work/stats-after" 2>&1 || true
    python3 - "$work/stats-before" "$work/stats-after" >"$results_dir/$1-compactions.txt" <<'PY'
import sys
def compactions(path):
    for line in open(path):
        if line.startswith("compactions:"):
            return int(line.split(":")[1])
    return 0
print(compactions(sys.argv[2]) - compactions(sys.argv[1]))
PY
}

# big_reader_start NAME SECONDS: one connection reading the 60 MiB value (kvsload's key 0) over
# and over for SECONDS, in the background.
big_reader_start() {
    timeout -k 5 $(($2 + 120)) "$KVSLOAD" --proto kvs --port "$kvs_port" --clients 1 --pipeline 1 \
        --keys 1 --value-size 62914560 --ratio 0:1 --duration "$2s" --json >"$results_dir/$1.json" &
    big_pid=$!
    bg_pids="$bg_pids $big_pid"
    sleep 1 # the reads under way before the measured gets begin
}

big_reader_stop() {
    wait "$big_pid" || die "the 60 MiB reader failed: $(cat "$results_dir"/e-bigreader-r*.json)"
}

# report RESULTS ROUNDS: the table, from the JSON files.
report() {
    python3 "$root/kvs-bench/lib/report.py" "$1" "$2"
}
