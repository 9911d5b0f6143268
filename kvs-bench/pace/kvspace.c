/*
 * kvspace: a paced load generator for kvs-server, in C (epoll, no libraries), for latency at a
 * fixed rate with little CPU of its own: kvs-client bench paces too, but as a JVM it takes a
 * large share of a 2-core machine, which then shows in the server's tail.
 *
 * Each of N connections sends one request at a time on its own schedule (rate / N a second,
 * connections staggered across one interval). A request's latency counts from when it was due,
 * not from when it went out: a request due while the previous one on its connection is still
 * unanswered goes out when that answer comes, and the wait is charged to it (no coordinated
 * omission). Keys are kvsload's ("key:" and 12 digits), chosen at random below --keys, so a
 * store prefilled by kvsload --prefill holds them all.
 *
 * Build: cc -O2 -o kvspace kvspace.c      Run: kvspace --help
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    int fd;
    int64_t next_due;    /* ns: when its next request is due */
    int64_t sent_due;    /* ns: the due time of the request in flight, or -1 */
    int64_t answered;    /* ns: when the last answer came */
    unsigned char in[1 << 16];
    size_t in_len;
} conn;

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t) t.tv_sec * 1000000000LL + t.tv_nsec;
}

static size_t put_varint(unsigned char *p, uint64_t v) {
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (unsigned char) (v | 0x80);
        v >>= 7;
    }
    p[n++] = (unsigned char) v;
    return n;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
    return x < y ? -1 : x > y;
}

static void usage(void) {
    fprintf(stderr,
        "usage: kvspace --port N --rate R [--clients 50] [--duration 8] [--warmup 3] [--keys 100000]\n"
        "               [--value-size 100] [--op get|set]\n"
        "  --rate      requests a second, all connections together\n"
        "  --duration  seconds measured, after --warmup seconds not measured\n"
        "  Prints: requests, errors, latency p50 p90 p99 p99.9 max in ms from the due time,\n"
        "  and how late the tool itself woke for a due time (p99, max).\n");
}

int main(int argc, char **argv) {
    int port = 0, clients = 50, keys = 100000, value_size = 100, set = 0;
    double rate = 0, duration = 8, warmup = 3;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) { usage(); return 0; }
        if (!v) { usage(); return 2; }
        if (!strcmp(a, "--port")) port = atoi(v);
        else if (!strcmp(a, "--clients")) clients = atoi(v);
        else if (!strcmp(a, "--rate")) rate = atof(v);
        else if (!strcmp(a, "--duration")) duration = atof(v);
        else if (!strcmp(a, "--warmup")) warmup = atof(v);
        else if (!strcmp(a, "--keys")) keys = atoi(v);
        else if (!strcmp(a, "--value-size")) value_size = atoi(v);
        else if (!strcmp(a, "--op")) set = !strcmp(v, "set");
        else { usage(); return 2; }
        i++;
    }
    if (port <= 0 || rate <= 0 || clients <= 0 || keys <= 0 || value_size < 0 || value_size > 60000) {
        usage();
        return 2;
    }
    int64_t interval = (int64_t) (1e9 * clients / rate);
    int64_t start = now_ns() + 200000000LL; /* 200 ms to connect */
    int64_t measure_from = start + (int64_t) (warmup * 1e9);
    int64_t stop_at = measure_from + (int64_t) (duration * 1e9);
    size_t cap = (size_t) (rate * duration * 1.1) + 1000;
    int64_t *lat = malloc(cap * sizeof *lat), *lag = malloc(cap * sizeof *lag);
    size_t nlat = 0, nlag = 0;
    long errors = 0;
    conn *cs = calloc((size_t) clients, sizeof *cs);
    int ep = epoll_create1(0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t) port)};
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    for (int c = 0; c < clients; c++) {
        cs[c].fd = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(cs[c].fd, (struct sockaddr *) &addr, sizeof addr) != 0) {
            fprintf(stderr, "kvspace: cannot connect to 127.0.0.1:%d: %s\n", port, strerror(errno));
            return 3;
        }
        int one = 1;
        setsockopt(cs[c].fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        cs[c].next_due = start + interval * c / clients;
        cs[c].sent_due = -1;
        struct epoll_event e = {.events = EPOLLIN, .data.u32 = (uint32_t) c};
        epoll_ctl(ep, EPOLL_CTL_ADD, cs[c].fd, &e);
    }
    unsigned char *value = calloc(1, (size_t) value_size + 1);
    memset(value, 'v', (size_t) value_size);
    unsigned char msg[65600], frame[65700];
    uint64_t id = 0;
    unsigned seed = 1;
    struct epoll_event evs[64];
    int64_t deadline = stop_at + 10000000000LL; /* answers due before the stop may take 10 s more */
    for (;;) {
        int64_t t = now_ns();
        int busy = 0;
        int64_t soonest = INT64_MAX;
        for (int c = 0; c < clients; c++) {
            conn *k = &cs[c];
            if (k->sent_due >= 0) {
                busy = 1;
                continue;
            }
            if (k->next_due >= stop_at) {
                continue;
            }
            if (k->next_due > t) {
                if (k->next_due < soonest) soonest = k->next_due;
                continue;
            }
            /* Due: send it. */
            /* The tool's own lateness: only for a request whose connection was free when it fell
               due (else the wait was the server's, and is in its latency). */
            if (k->next_due >= measure_from && k->answered <= k->next_due && nlag < cap) {
                lag[nlag++] = t - k->next_due;
            }
            char key[32];
            snprintf(key, sizeof key, "key:%012d", (int) (rand_r(&seed) % (unsigned) keys));
            size_t m = 0;
            m += put_varint(msg + m, 0x08);
            m += put_varint(msg + m, ++id);
            unsigned char inner[65600];
            size_t n = 0;
            inner[n++] = 0x0a;
            n += put_varint(inner + n, 16);
            memcpy(inner + n, key, 16);
            n += 16;
            if (set) {
                inner[n++] = 0x12;
                n += put_varint(inner + n, (uint64_t) value_size);
                memcpy(inner + n, value, (size_t) value_size);
                n += (size_t) value_size;
            }
            msg[m++] = set ? 0x12 : 0x1a;
            m += put_varint(msg + m, n);
            memcpy(msg + m, inner, n);
            m += n;
            size_t f = put_varint(frame, m);
            memcpy(frame + f, msg, m);
            f += m;
            if (write(k->fd, frame, f) != (ssize_t) f) {
                fprintf(stderr, "kvspace: short write or error on a connection: %s\n", strerror(errno));
                return 3;
            }
            k->sent_due = k->next_due;
            k->next_due += interval;
            busy = 1;
        }
        if (!busy && soonest == INT64_MAX) break; /* everything due was answered */
        if (t > deadline) {
            fprintf(stderr, "kvspace: answers still missing 10 s after the end\n");
            return 4;
        }
        struct timespec to = {0, 0};
        int64_t wait = soonest == INT64_MAX ? 100000000LL : soonest - now_ns();
        if (wait > 0) {
            to.tv_sec = wait / 1000000000LL;
            to.tv_nsec = wait % 1000000000LL;
        }
        int ne = epoll_pwait2(ep, evs, 64, &to, NULL);
        int64_t got = now_ns();
        for (int i = 0; i < ne; i++) {
            conn *k = &cs[evs[i].data.u32];
            ssize_t r = read(k->fd, k->in + k->in_len, sizeof k->in - k->in_len);
            if (r <= 0) {
                fprintf(stderr, "kvspace: the server closed a connection\n");
                return 3;
            }
            k->in_len += (size_t) r;
            /* One response in flight per connection: a whole frame is its answer. */
            size_t p = 0, len = 0;
            int shift = 0, whole = 0;
            while (p < k->in_len && shift < 35) {
                unsigned char b = k->in[p++];
                len |= (size_t) (b & 0x7f) << shift;
                shift += 7;
                if (!(b & 0x80)) {
                    whole = 1;
                    break;
                }
            }
            if (!whole || p + len > k->in_len) continue;
            /* Response: field 1 id, then the result; an error is field 5 (tag 0x2a). */
            size_t q = p;
            if (q < p + len && k->in[q] == 0x08) {
                q++;
                while (q < p + len && (k->in[q] & 0x80)) q++;
                q++;
            }
            if (q < p + len && k->in[q] == 0x2a) errors++;
            if (k->sent_due >= measure_from && k->sent_due < stop_at && nlat < cap) lat[nlat++] = got - k->sent_due;
            k->sent_due = -1;
            k->answered = got;
            memmove(k->in, k->in + p + len, k->in_len - p - len);
            k->in_len -= p + len;
        }
    }
    qsort(lat, nlat, sizeof *lat, cmp_i64);
    qsort(lag, nlag, sizeof *lag, cmp_i64);
#define PCT(a, n, q) ((n) ? (double) (a)[(size_t) ((double) ((n) - 1) * (q))] / 1e6 : 0.0)
    printf("{\"op\": \"%s\", \"rate\": %.0f, \"clients\": %d, \"requests\": %zu, \"errors\": %ld, "
           "\"latency_ms\": {\"p50\": %.3f, \"p90\": %.3f, \"p99\": %.3f, \"p999\": %.3f, \"max\": %.3f}, "
           "\"send_lag_ms\": {\"p99\": %.3f, \"max\": %.3f}}\n",
           set ? "set" : "get", rate, clients, nlat, errors, PCT(lat, nlat, 0.5), PCT(lat, nlat, 0.9),
           PCT(lat, nlat, 0.99), PCT(lat, nlat, 0.999), nlat ? lat[nlat - 1] / 1e6 : 0.0,
           PCT(lag, nlag, 0.99), nlag ? lag[nlag - 1] / 1e6 : 0.0);
    return errors ? 1 : 0;
}
