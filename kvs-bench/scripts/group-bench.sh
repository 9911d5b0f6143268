#!/usr/bin/env bash
# A replicated group of three on this machine, beside a single server, in one sitting
# (docs/BENCHMARKS.md, "Replication"):
#  1. write throughput, kvsload at 50 connections, no pipelining, 100-byte values: a single server,
#     then the group's leader, each measured for 10 s after a warm-up run (15 s, 60 s);
#  2. failover: ten times, kill -9 the leader and time until a write is acknowledged by the new one
#     (kvs-client set, retried; its JVM start is measured alone and reported beside).
# Usage: kvs-bench/scripts/group-bench.sh [KVSLOAD]   (from the project root, after mvn package)
set -euo pipefail
kvsload=${1:-../shared/tools/kvsload/kvsload}
work=$(mktemp -d /tmp/kvs-group-bench.XXXXXX)
pids=()
cleanup() { kill -9 "${pids[@]}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

now_ms() { date +%s%3N; }
peers=n1=127.0.0.1:5101/127.0.0.1:4101,n2=127.0.0.1:5102/127.0.0.1:4102,n3=127.0.0.1:5103/127.0.0.1:4103
addrs=127.0.0.1:4101,127.0.0.1:4102,127.0.0.1:4103
declare -A member_pid

start_member() {
  bin/kvs-server --addr 127.0.0.1:410$1 --dir "$work/n$1" --raft-id n$1 --raft-peers $peers \
    --raft-election-timeout "${ELECTION:-1s}" 2>>"$work/n$1.log" &
  member_pid[$1]=$!
  pids+=($!)
}

await_write() { # until a set through the group is acknowledged; prints nothing
  for _ in $(seq 600); do
    bin/kvs-client --addr $addrs set bench-probe x --timeout 10s 2>/dev/null && return 0
  done
  return 1
}

leader() { bin/kvs-client --addr $addrs cluster status | sed -n 's/.*leader: n\([0-9]\).*/\1/p'; }

load() { # PORT WARMUP: a warm-up run (the JIT compiles Ratis's and gRPC's paths), then the measured one
  "$kvsload" --proto kvs --port "$1" --clients 50 --pipeline 1 --duration "$2" --keys 100000 \
    --value-size 100 --ratio 1:0 >/dev/null
  "$kvsload" --proto kvs --port "$1" --clients 50 --pipeline 1 --duration 10s --keys 100000 \
    --value-size 100 --ratio 1:0 | grep -E '^(requests|latency)' || true
}

echo "== single server (--sync interval, the default)"
bin/kvs-server --addr 127.0.0.1:4100 --dir "$work/single" 2>>"$work/single.log" &
single=$!; pids+=($single)
for _ in $(seq 600); do bin/kvs-client --addr 127.0.0.1:4100 ping >/dev/null 2>&1 && break; done
load 4100 15s
kill $single; wait $single || true

echo "== group of three, load on the leader"
for n in 1 2 3; do start_member $n; done
await_write
l=$(leader)
echo "leader: n$l"
load 410$l 60s

echo "== failover: kill -9 the leader, time to the first acknowledged write on the new one"
start=$(now_ms); bin/kvs-client --addr $addrs set bench-probe x; jvm=$(( $(now_ms) - start ))
echo "one kvs-client set with every member up (JVM start included): ${jvm} ms"
for i in $(seq 10); do
  await_write
  l=$(leader)
  kill -9 "${member_pid[$l]}"
  t0=$(now_ms)
  await_write
  t1=$(now_ms)
  echo "kill $i: n$l killed, write acknowledged after $(( t1 - t0 )) ms"
  start_member "$l"
  sleep 3
done
