"""The table of kvs-bench/request-path.sh, from the JSON of its runs.

usage: python3 report.py RESULTS_DIR ROUNDS

Throughput rows: the best round of each server (kvsload's requests per second). Latency rows:
the round with the lowest p99 (kvs-client bench, paced, latency from each request's due time),
its max, and the bench tool's own send lag (p99), which the latencies include. A scenario that
did not run is left out.
"""
import glob
import json
import os
import sys

results, rounds = sys.argv[1], int(sys.argv[2])


def runs(prefix):
    out = []
    for r in range(1, rounds + 1):
        path = os.path.join(results, "%s-r%d.json" % (prefix, r))
        if os.path.exists(path):
            with open(path) as f:
                out.append(json.load(f))
    return out


def best_rps(prefix):
    rs = runs(prefix)
    return max(r["rps"] for r in rs) if rs else None


def fmt_rps(v):
    return "%s/s" % format(int(round(v)), ",") if v is not None else "-"


rows = []


def throughput(label, prefix, target):
    k, r = best_rps(prefix + "-kvs"), best_rps(prefix + "-redis")
    if k is None and r is None:
        return
    ratio = "%.2fx" % (k / r) if k and r else "-"
    rows.append((label, fmt_rps(k), fmt_rps(r), ratio, target))


def latency_best(prefix, op):
    """The round with the lowest p99 of OP: (p99, max, send lag p99, rate) in ms, or None."""
    best = None
    for r in runs(prefix):
        lat = r["latency_ms"][op]
        if lat is None:
            continue
        # No send lag: no request went out on its own timer, the connections were always behind.
        lag = (r.get("send_lag_ms") or {}).get("p99")
        cand = (lat["p99"], lat["max"], lag, r.get("rate", 0))
        if best is None or cand[0] < best[0]:
            best = cand
    return best


def latency(label, prefix, op, target):
    b = latency_best(prefix, op)
    if b is None:
        return None
    lag = "%.2f" % b[2] if b[2] is not None else "none: always behind"
    rows.append((label + " @ %s" % fmt_rps(b[3]),
                 "p99 %.2f ms, max %.2f ms (send lag p99 %s)" % (b[0], b[1], lag), "-", "-", target))
    return b


throughput("a  GET, pipeline 1", "a-get-p1", ">= 1.0x")
throughput("a  SET, pipeline 1", "a-set-p1", ">= 1.0x")
throughput("b  GET, pipeline 16", "b-get-p16", ">= 0.8x")
throughput("b  SET, pipeline 16", "b-set-p16", ">= 0.8x")
throughput("c  SET, sync always / appendfsync always", "c-set-always", ">= 1.0x")
latency("d  SET paced, --sync interval", "d-set-interval", "set", "p99 < 1 ms, max < 5 ms")
latency("d  GET paced, --sync interval", "d-get-interval", "get", "p99 < 1 ms, max < 5 ms")
latency("d  SET paced, --sync never", "d-set-never", "set", "(beside)")
quiet = latency("e  small GETs, quiet", "e-quiet", "get", "(reference)")
for name, what in (("e-compaction", "during compactions"), ("e-bigread", "beside 60 MiB reads")):
    b = latency("e  small GETs, " + what, name, "get", "p99 moves <= 1 ms")
    if b is not None and quiet is not None:
        extra = []
        for path in sorted(glob.glob(os.path.join(results, name + "-r*-compactions.txt"))):
            with open(path) as f:
                extra.append(f.read().strip())
        label, kvs, _, _, target = rows[-1]
        moved = "p99 moved %+.2f ms" % (b[0] - quiet[0])
        if extra:
            moved += "; compactions completed per round: " + ", ".join(extra)
        rows[-1] = (label, kvs + "; " + moved, "-", "-", target)

big = []
for path in sorted(glob.glob(os.path.join(results, "e-bigreader-r*.json"))):
    with open(path) as f:
        big.append(json.load(f))

head = ("scenario", "kvs", "Redis", "kvs/Redis", "target")
widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
for r in [head, tuple("-" * w for w in widths)] + rows:
    print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())
if big:
    print("60 MiB reads on the other connection, per round: "
          + ", ".join("%d in %.1f s" % (b["requests"], b["seconds"]) for b in big))
with open(os.path.join(results, "sitting.txt")) as f:
    print(f.read().rstrip())
