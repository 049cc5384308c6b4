/*
 * The benchmark scenarios driven straight from C on aws-c-mqtt's MQTT 5 client: the ceiling a
 * binding over the same CRT can approach. Same scenarios, flags and JSON result line as the Node
 * scripts in bench/scenarios (see them for what each one measures):
 *
 *   mqtt5-bench <qos1|qos0|latency|fanin|fanout|connections|startup> --client native --port P
 *       [--broker-pid PID] [--size B] [--count N] [--window W] [--warmup N] [--idle MS]
 *       [--pubs N] [--subs N] [--rate R] [--duration S] [--clients N] [--settle MS]
 *       [--payload fresh|reused]
 *
 * Set up as mqtt5-crt sets itself up: one event loop per core, a default host resolver, plain TCP
 * with TCP_NODELAY, keep-alive 60 s, clean session, no metrics. CRT callbacks run on the event loop
 * threads; the publishers' flow control (as in bench/lib/mesh.mjs) is kept under one mutex.
 */
#include <aws/common/allocator.h>
#include <aws/common/byte_buf.h>
#include <aws/common/error.h>
#include <aws/io/channel_bootstrap.h>
#include <aws/io/event_loop.h>
#include <aws/io/host_resolver.h>
#include <aws/io/socket.h>
#include <aws/mqtt/mqtt.h>
#include <aws/mqtt/v5/mqtt5_client.h>
#include <aws/mqtt/v5/mqtt5_types.h>

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define KEEP_ALIVE_S 60

/* ---------------------------------------------------------------- flags */

struct args {
    const char *scenario;
    const char *client;
    int port;
    int broker_pid;
    int size;
    long count;
    long window;
    long warmup;
    long idle_ms;
    int pubs;
    int subs;
    long rate;
    double duration;
    int clients;
    long settle_ms;
    const char *payload; /* "fresh" (the default) or "reused": see make_payload */
};

/* Reports a fatal error as the result line (and on stderr) and exits non-zero. */
static void die(const char *fmt, const char *what) {
    char msg[512];
    snprintf(msg, sizeof msg, fmt, what);
    fprintf(stderr, "mqtt5-bench: %s\n", msg);
    printf("{\"client\":\"native\",\"error\":\"");
    for (const char *p = msg; *p; p++) {
        if (*p == '"' || *p == '\\') putchar('\\');
        putchar(*p);
    }
    printf("\"}\n");
    fflush(stdout);
    _exit(1);
}

static void parse_args(int argc, char **argv, struct args *a) {
    if (argc < 2 || argv[1][0] == '-') die("usage: mqtt5-bench <scenario> --client native --port P [flags]%s", "");
    a->scenario = argv[1];
    for (int i = 2; i < argc; i++) {
        const char *k = argv[i];
        if (strncmp(k, "--", 2) != 0) die("unexpected argument %s", k);
        k += 2;
        if (i + 1 >= argc) die("--%s needs a value", k);
        const char *v = argv[++i];
        char *end = NULL;
        double num = strtod(v, &end);
        bool is_num = end && *end == '\0' && end != v;
        if (strcmp(k, "client") == 0) {
            a->client = v;
            continue;
        }
        if (strcmp(k, "payload") == 0) {
            if (strcmp(v, "fresh") != 0 && strcmp(v, "reused") != 0) die("--payload must be fresh or reused (got %s)", v);
            a->payload = v;
            continue;
        }
        if (!is_num) die("flag --%s: not a number or unknown flag", k);
        if (strcmp(k, "port") == 0) a->port = (int)num;
        else if (strcmp(k, "broker-pid") == 0) a->broker_pid = (int)num;
        else if (strcmp(k, "size") == 0) a->size = (int)num;
        else if (strcmp(k, "count") == 0) a->count = (long)num;
        else if (strcmp(k, "window") == 0) a->window = (long)num;
        else if (strcmp(k, "warmup") == 0) a->warmup = (long)num;
        else if (strcmp(k, "idle") == 0) a->idle_ms = (long)num;
        else if (strcmp(k, "pubs") == 0) a->pubs = (int)num;
        else if (strcmp(k, "subs") == 0) a->subs = (int)num;
        else if (strcmp(k, "rate") == 0) a->rate = (long)num;
        else if (strcmp(k, "duration") == 0) a->duration = num;
        else if (strcmp(k, "clients") == 0) a->clients = (int)num;
        else if (strcmp(k, "settle") == 0) a->settle_ms = (long)num;
        else die("unknown flag --%s", k);
    }
    if (!a->port) die("--port is required%s", "");
}

/* ---------------------------------------------------------------- clocks and CPU */

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double own_cpu_s(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static double process_cpu_s(int pid) {
    if (!pid) return NAN;
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return NAN;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    if (!p) return NAN;
    p += 2; /* field 3 */
    unsigned long long ut = 0, st = 0;
    /* fields 3..13 skipped, 14 utime, 15 stime */
    if (sscanf(p, "%*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu %llu", &ut, &st) != 2) return NAN;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static double rss_mb(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, resident = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &size, &resident) != 2) resident = 0;
        fclose(f);
    }
    return (double)resident * (double)sysconf(_SC_PAGESIZE) / (1024.0 * 1024.0);
}

/* This process's CPU seconds by thread: main, the CRT event loops (AwsEventLoop*), the rest. */
struct thread_cpu {
    double main, event_loops, other;
};

static struct thread_cpu thread_cpu_s(void) {
    struct thread_cpu out = {0, 0, 0};
    DIR *d = opendir("/proc/self/task");
    if (!d) return out;
    struct dirent *e;
    double tck = (double)sysconf(_SC_CLK_TCK);
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char path[300], buf[1024];
        snprintf(path, sizeof path, "/proc/self/task/%.32s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = 0;
        char *open = strchr(buf, '('), *close = strrchr(buf, ')');
        if (!open || !close) continue;
        unsigned long long ut = 0, st = 0;
        if (sscanf(close + 2, "%*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu %llu", &ut, &st) != 2) continue;
        double cpu = (double)(ut + st) / tck;
        if (atoi(e->d_name) == (int)getpid()) out.main += cpu;
        else if (strncmp(open + 1, "AwsEventLoop", 12) == 0) out.event_loops += cpu;
        else out.other += cpu;
    }
    closedir(d);
    return out;
}

struct snap {
    double t, cpu, broker;
    struct thread_cpu threads;
};

static struct snap snapshot(int broker_pid) {
    struct snap s = {now_ms(), own_cpu_s(), process_cpu_s(broker_pid), thread_cpu_s()};
    return s;
}

static void sleep_ms(double ms) {
    struct timespec ts = {(time_t)(ms / 1000), (long)(fmod(ms, 1000.0) * 1e6)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Prints "key":value for a double, or null when it is not finite. */
static void jnum(const char *key, double v, int digits, bool comma) {
    if (isfinite(v)) printf("\"%s\":%.*f", key, digits, v);
    else printf("\"%s\":null", key);
    if (comma) putchar(',');
}

static void print_figures(struct snap a, struct snap b, double messages) {
    double elapsed = (b.t - a.t) / 1000.0, cpu = b.cpu - a.cpu, broker = b.broker - a.broker;
    jnum("elapsed_s", elapsed, 4, true);
    jnum("msgs_per_s", round(messages / elapsed), 0, true);
    jnum("client_cpu_s", cpu, 4, true);
    jnum("cpu_s_per_100k", cpu * 100000.0 / messages, 4, true);
    jnum("broker_cpu_share", broker / elapsed, 3, true);
    jnum("broker_cpu_s_per_100k", broker * 100000.0 / messages, 4, true);
    printf("\"cpu_threads_s\":{");
    jnum("main", b.threads.main - a.threads.main, 2, true);
    jnum("event_loops", b.threads.event_loops - a.threads.event_loops, 2, true);
    jnum("other", b.threads.other - a.threads.other, 2, false);
    printf("},");
}

/* ---------------------------------------------------------------- CRT set-up and clients */

static struct aws_allocator *s_alloc;
static struct aws_event_loop_group *s_elg;
static struct aws_host_resolver *s_resolver;
static struct aws_client_bootstrap *s_bootstrap;

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t s_cond = PTHREAD_COND_INITIALIZER;
static atomic_long s_connected;
static atomic_long s_connect_failed;
static atomic_long s_stopped;
static atomic_long s_terminated;
static atomic_long s_suback;

static void signal_all(void) {
    pthread_mutex_lock(&s_lock);
    pthread_cond_broadcast(&s_cond);
    pthread_mutex_unlock(&s_lock);
}

/* Waits until *counter >= target or timeout_ms passes; returns whether it got there. */
static bool wait_count(atomic_long *counter, long target, double timeout_ms) {
    double deadline = now_ms() + timeout_ms;
    pthread_mutex_lock(&s_lock);
    while (atomic_load(counter) < target) {
        double left = deadline - now_ms();
        if (left <= 0) break;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        double ms = left < 50 ? left : 50;
        ts.tv_nsec += (long)(ms * 1e6);
        ts.tv_sec += ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&s_cond, &s_lock, &ts);
    }
    pthread_mutex_unlock(&s_lock);
    return atomic_load(counter) >= target;
}

struct bench_client {
    struct aws_mqtt5_client *client;
    int index;       /* subscriber / publisher index */
    bool connected;
    char client_id[64];
};

static void (*s_on_message)(struct bench_client *c, const struct aws_byte_cursor *payload);

static void s_lifecycle(const struct aws_mqtt5_client_lifecycle_event *event) {
    struct bench_client *c = event->user_data;
    switch (event->event_type) {
        case AWS_MQTT5_CLET_CONNECTION_SUCCESS:
            c->connected = true;
            atomic_fetch_add(&s_connected, 1);
            signal_all();
            break;
        case AWS_MQTT5_CLET_CONNECTION_FAILURE:
            fprintf(stderr, "%s: connection failed: %s\n", c->client_id, aws_error_name(event->error_code));
            atomic_fetch_add(&s_connect_failed, 1);
            signal_all();
            break;
        case AWS_MQTT5_CLET_STOPPED:
            atomic_fetch_add(&s_stopped, 1);
            signal_all();
            break;
        default:
            break;
    }
}

static void s_publish_received(const struct aws_mqtt5_packet_publish_view *publish, void *user_data) {
    if (s_on_message) s_on_message(user_data, &publish->payload);
}

static void s_terminated_cb(void *user_data) {
    (void)user_data;
    atomic_fetch_add(&s_terminated, 1);
    signal_all();
}

static void crt_init(void) {
    s_alloc = aws_default_allocator();
    aws_mqtt_library_init(s_alloc);
    /* The CRT's default (half the logical processors, at least one) unless
     * MQTT5_CRT_EVENT_LOOP_THREADS says otherwise, as for mqtt5-crt's process-wide group. */
    const char *threads = getenv("MQTT5_CRT_EVENT_LOOP_THREADS");
    struct aws_event_loop_group_options elg_options = {.loop_count = threads ? (uint16_t)atoi(threads) : 0};
    s_elg = aws_event_loop_group_new(s_alloc, &elg_options);
    struct aws_host_resolver_default_options resolver_options = {.max_entries = 16, .el_group = s_elg};
    s_resolver = aws_host_resolver_new_default(s_alloc, &resolver_options);
    struct aws_client_bootstrap_options bootstrap_options = {.event_loop_group = s_elg, .host_resolver = s_resolver};
    s_bootstrap = aws_client_bootstrap_new(s_alloc, &bootstrap_options);
    if (!s_elg || !s_resolver || !s_bootstrap) die("CRT set-up failed: %s", aws_error_name(aws_last_error()));
}

static struct bench_client *client_new(int port, const char *prefix, int index) {
    struct bench_client *c = calloc(1, sizeof *c);
    c->index = index;
    snprintf(c->client_id, sizeof c->client_id, "%s%d-%d", prefix, index, (int)getpid());
    struct aws_socket_options socket = {
        .type = AWS_SOCKET_STREAM,
        .domain = AWS_SOCKET_IPV4,
        .connect_timeout_ms = 10000,
        .tcp_nodelay = AWS_SOCKET_TCP_NODELAY_ON,
    };
    struct aws_mqtt5_packet_connect_view connect = {
        .keep_alive_interval_seconds = KEEP_ALIVE_S,
        .client_id = aws_byte_cursor_from_c_str(c->client_id),
    };
    struct aws_mqtt5_client_options options = {
        .host_name = aws_byte_cursor_from_c_str("127.0.0.1"),
        .port = (uint32_t)port,
        .bootstrap = s_bootstrap,
        .socket_options = &socket,
        .connect_options = &connect,
        .session_behavior = AWS_MQTT5_CSBT_CLEAN,
        .publish_received_handler = s_publish_received,
        .publish_received_handler_user_data = c,
        .lifecycle_event_handler = s_lifecycle,
        .lifecycle_event_handler_user_data = c,
        .client_termination_handler = s_terminated_cb,
        .client_termination_handler_user_data = c,
    };
    c->client = aws_mqtt5_client_new(s_alloc, &options);
    if (!c->client) die("aws_mqtt5_client_new failed: %s", aws_error_name(aws_last_error()));
    return c;
}

/* Creates and connects n clients, `batch` at a time. */
static struct bench_client **connect_many(int port, const char *prefix, int n, int batch) {
    struct bench_client **cs = calloc((size_t)n, sizeof *cs);
    for (int i = 0; i < n; i += batch) {
        long target = atomic_load(&s_connected);
        int k;
        for (k = i; k < n && k < i + batch; k++) {
            cs[k] = client_new(port, prefix, k);
            target++;
            aws_mqtt5_client_start(cs[k]->client);
        }
        if (!wait_count(&s_connected, target, 20000)) die("connecting %s clients timed out", prefix);
    }
    return cs;
}

static void s_suback_cb(const struct aws_mqtt5_packet_suback_view *suback, int error_code, void *ctx) {
    (void)ctx;
    if (error_code || suback->reason_code_count < 1 || suback->reason_codes[0] > 2) {
        fprintf(stderr, "subscribe failed: %s\n", aws_error_name(error_code));
        exit(1);
    }
    atomic_fetch_add(&s_suback, 1);
    signal_all();
}

static void subscribe_all(struct bench_client **cs, int n, const char *topic, enum aws_mqtt5_qos qos) {
    long target = atomic_load(&s_suback) + n;
    struct aws_mqtt5_subscription_view sub = {.topic_filter = aws_byte_cursor_from_c_str(topic), .qos = qos};
    struct aws_mqtt5_packet_subscribe_view view = {.subscription_count = 1, .subscriptions = &sub};
    struct aws_mqtt5_subscribe_completion_options done = {.completion_callback = s_suback_cb};
    for (int i = 0; i < n; i++) {
        if (aws_mqtt5_client_subscribe(cs[i]->client, &view, &done)) die("subscribe: %s", aws_error_name(aws_last_error()));
    }
    if (!wait_count(&s_suback, target, 20000)) die("subscribe timed out%s", "");
}

/* Stops and releases clients (DISCONNECT first), waiting a bounded time for each step. */
static void close_all(struct bench_client **cs, int n) {
    long stopped = atomic_load(&s_stopped), terminated = atomic_load(&s_terminated);
    for (int i = 0; i < n; i++) aws_mqtt5_client_stop(cs[i]->client, NULL, NULL);
    wait_count(&s_stopped, stopped + n, 5000);
    for (int i = 0; i < n; i++) aws_mqtt5_client_release(cs[i]->client);
    wait_count(&s_terminated, terminated + n, 5000);
}

/* ---------------------------------------------------------------- payloads */

/*
 * The application's payload, as the Node scenarios make it (bench/lib/common.mjs payloadSource):
 * `fresh` allocates a new block per message (malloc: uninitialised, as Node's Buffer.allocUnsafe
 * is) and writes the stamp into it; it is freed once aws_mqtt5_client_publish returned, since the
 * CRT copied the packet into its operation. `reused` rewrites the stamp in one block per thread.
 */
static bool s_fresh_payloads = true;
static __thread uint8_t *t_buf;
static __thread int t_buf_size;

static uint8_t *payload_block(int size) {
    if (s_fresh_payloads) {
        uint8_t *b = malloc((size_t)size);
        if (!b) die("out of memory for a %s payload", "fresh");
        return b;
    }
    if (t_buf_size < size) {
        free(t_buf);
        t_buf = calloc(1, (size_t)size);
        t_buf_size = size;
    }
    return t_buf;
}

static struct aws_byte_cursor make_payload(int size, uint32_t seq, bool stamp) {
    uint8_t *b = payload_block(size);
    memcpy(b, &seq, 4); /* little-endian hosts */
    if (stamp) {
        double t = now_ms();
        memcpy(b + 4, &t, 8);
    }
    return aws_byte_cursor_from_array(b, (size_t)size);
}

static void publish(struct bench_client *pub, const char *topic, int size, uint32_t seq, bool stamp,
                    enum aws_mqtt5_qos qos, aws_mqtt5_publish_completion_fn *done, void *ctx) {
    struct aws_mqtt5_packet_publish_view view = {
        .payload = make_payload(size, seq, stamp),
        .qos = qos,
        .topic = aws_byte_cursor_from_c_str(topic),
    };
    struct aws_mqtt5_publish_completion_options completion = {.completion_callback = done, .completion_user_data = ctx};
    if (aws_mqtt5_client_publish(pub->client, &view, done ? &completion : NULL)) {
        fprintf(stderr, "publish: %s\n", aws_error_name(aws_last_error()));
    }
    if (s_fresh_payloads) free(view.payload.ptr);
}

/* ---------------------------------------------------------------- qos1 / qos0 / fanin / fanout */

struct phase {
    long n;
    int P, S;
    long pub_window, delivery_window;
    enum aws_mqtt5_qos qos;
    int size;
    const char *topic;
    struct bench_client **pubs;
    int broker_pid;
    /* under s_flow */
    long *next_seq, *sent_by, *acked_by;
    long sent;
    atomic_bool blocked; /* a publisher waits for deliveries (not for PUBACKs) */
    int rr;
    /* atomics */
    atomic_long acked, delivered, duplicates, pub_errors;
    _Atomic(uint8_t) *seen;
    atomic_bool ended;     /* someone is taking the end snapshot */
    atomic_bool end_ready; /* ... and it is written */
    struct snap end;
};

static pthread_mutex_t s_flow = PTHREAD_MUTEX_INITIALIZER;
static struct phase *_Atomic s_phase;

static bool phase_finished(struct phase *ph) {
    return atomic_load(&ph->delivered) == ph->n * ph->S && (ph->qos == AWS_MQTT5_QOS_AT_MOST_ONCE || atomic_load(&ph->acked) == ph->n);
}

static void take_end(struct phase *ph) {
    ph->end = snapshot(ph->broker_pid);
    atomic_store(&ph->end_ready, true);
}

static void maybe_end(struct phase *ph) {
    if (phase_finished(ph) && !atomic_exchange(&ph->ended, true)) take_end(ph);
}

static void s_puback(enum aws_mqtt5_packet_type type, const void *packet, int error_code, void *ctx);

/* Sends from publisher j what its window and the delivery window allow; s_flow held. */
static void pump(struct phase *ph, int j) {
    while (ph->next_seq[j] < ph->n) {
        if (ph->qos > 0 && ph->sent_by[j] - ph->acked_by[j] >= ph->pub_window) return;
        if (ph->S > 0 && ph->sent * ph->S - atomic_load(&ph->delivered) >= ph->delivery_window) {
            atomic_store(&ph->blocked, true);
            return;
        }
        long seq = ph->next_seq[j];
        ph->next_seq[j] += ph->P;
        ph->sent++;
        ph->sent_by[j]++;
        publish(ph->pubs[j], ph->topic, ph->size, (uint32_t)seq, false, ph->qos, ph->qos > 0 ? s_puback : NULL,
                ph->pubs[j]);
    }
}

static void s_puback(enum aws_mqtt5_packet_type type, const void *packet, int error_code, void *ctx) {
    (void)type;
    (void)packet;
    struct phase *ph = atomic_load(&s_phase);
    struct bench_client *pub = ctx;
    if (error_code) atomic_fetch_add(&ph->pub_errors, 1);
    pthread_mutex_lock(&s_flow);
    ph->acked_by[pub->index]++;
    atomic_fetch_add(&ph->acked, 1);
    pump(ph, pub->index);
    pthread_mutex_unlock(&s_flow);
    maybe_end(ph);
}

static void mesh_on_message(struct bench_client *sub, const struct aws_byte_cursor *payload) {
    struct phase *ph = atomic_load(&s_phase);
    if (!ph || payload->len < 4) return;
    uint32_t seq;
    memcpy(&seq, payload->ptr, 4);
    if (seq >= ph->n) return;
    if (atomic_exchange(&ph->seen[(long)sub->index * ph->n + seq], 1)) atomic_fetch_add(&ph->duplicates, 1);
    else atomic_fetch_add(&ph->delivered, 1);
    if (atomic_load(&ph->blocked)) {
        pthread_mutex_lock(&s_flow);
        if (atomic_exchange(&ph->blocked, false)) {
            for (int k = 0; k < ph->P; k++) pump(ph, (ph->rr + k) % ph->P);
            ph->rr = (ph->rr + 1) % ph->P;
        }
        pthread_mutex_unlock(&s_flow);
    }
    maybe_end(ph);
}

/* Runs one phase to completion (or until no progress for idle ms); fills *out. */
static bool run_phase(struct phase *ph, long idle_ms, struct snap *start) {
    ph->seen = calloc((size_t)(ph->n * ph->S), 1);
    ph->next_seq = calloc((size_t)ph->P, sizeof(long));
    ph->sent_by = calloc((size_t)ph->P, sizeof(long));
    ph->acked_by = calloc((size_t)ph->P, sizeof(long));
    for (int j = 0; j < ph->P; j++) ph->next_seq[j] = j;
    atomic_store(&s_phase, ph);
    *start = snapshot(ph->broker_pid);
    pthread_mutex_lock(&s_flow);
    for (int j = 0; j < ph->P; j++) pump(ph, j);
    pthread_mutex_unlock(&s_flow);
    long last = -1;
    double last_change = now_ms();
    bool stalled = false;
    while (!phase_finished(ph)) {
        sleep_ms(5);
        long p = atomic_load(&ph->delivered) + atomic_load(&ph->acked);
        if (p != last) {
            last = p;
            last_change = now_ms();
        } else if (now_ms() - last_change > (double)idle_ms) {
            stalled = true;
            break;
        }
    }
    if (!atomic_exchange(&ph->ended, true)) take_end(ph);
    /* An event loop thread may be writing the end snapshot right now. */
    while (!atomic_load(&ph->end_ready)) sleep_ms(0.1);
    return stalled;
}

static void scenario_mesh(struct args *a, enum aws_mqtt5_qos qos) {
    int P = a->pubs, S = a->subs;
    if (a->size < 12) die("--size must be at least 12%s", "");
    char topic[96];
    snprintf(topic, sizeof topic, "bench/%s/%d/native", a->scenario, (int)getpid());
    s_on_message = mesh_on_message;
    char prefix[48];
    snprintf(prefix, sizeof prefix, "%s-sub", a->scenario);
    struct bench_client **subs = connect_many(a->port, prefix, S, 25);
    snprintf(prefix, sizeof prefix, "%s-pub", a->scenario);
    struct bench_client **pubs = connect_many(a->port, prefix, P, 25);
    subscribe_all(subs, S, topic, qos);

    long warmup = a->warmup >= 0 ? a->warmup : (a->count / 10 + (a->count % 10 != 0) < 2000 ? a->count / 10 + (a->count % 10 != 0) : 2000);
    struct phase *ph = NULL;
    struct snap start;
    bool stalled = false;
    for (int measured = warmup > 0 ? 0 : 1; measured < 2; measured++) {
        ph = calloc(1, sizeof *ph);
        ph->n = measured ? a->count : warmup;
        ph->P = P;
        ph->S = S;
        ph->pub_window = (a->window + P - 1) / P;
        if (ph->pub_window < 1) ph->pub_window = 1;
        ph->delivery_window = a->window * S;
        ph->qos = qos;
        ph->size = a->size;
        ph->topic = topic;
        ph->pubs = pubs;
        ph->broker_pid = a->broker_pid;
        stalled = run_phase(ph, a->idle_ms, &start);
    }
    long expected = ph->n * S, delivered = atomic_load(&ph->delivered);
    printf("{\"scenario\":\"%s\",\"client\":\"native\",\"size\":%d,\"count\":%ld,\"qos\":%d,\"publishers\":%d,"
           "\"subscribers\":%d,\"window\":%ld,\"payload\":\"%s\",",
           a->scenario, a->size, a->count, (int)qos, P, S, a->window, s_fresh_payloads ? "fresh" : "reused");
    /* With no subscriber (publish) the figures are per message published. */
    print_figures(start, ph->end, (double)(S > 0 ? expected : ph->n));
    printf("\"published\":%ld,\"expected\":%ld,\"received\":%ld,\"losses\":%ld,\"duplicates\":%ld,\"pub_errors\":%ld%s}\n",
           ph->sent, expected, delivered, expected - delivered, atomic_load(&ph->duplicates), atomic_load(&ph->pub_errors),
           stalled ? ",\"stalled\":true" : "");
    fflush(stdout);
    s_on_message = NULL;
    close_all(pubs, P);
    close_all(subs, S);
}

/* ---------------------------------------------------------------- latency */

static double *s_lat;
static long s_lat_total;
static atomic_long s_lat_received, s_lat_dups, s_lat_acked, s_lat_errors;

static void latency_on_message(struct bench_client *sub, const struct aws_byte_cursor *payload) {
    (void)sub;
    double now = now_ms();
    if (payload->len < 12) return;
    uint32_t seq;
    double sent;
    memcpy(&seq, payload->ptr, 4);
    memcpy(&sent, payload->ptr + 4, 8);
    if (seq >= s_lat_total) return; /* warm-up */
    if (!isnan(s_lat[seq])) atomic_fetch_add(&s_lat_dups, 1);
    else {
        s_lat[seq] = now - sent;
        atomic_fetch_add(&s_lat_received, 1);
    }
}

static void s_lat_puback(enum aws_mqtt5_packet_type type, const void *packet, int error_code, void *ctx) {
    (void)type;
    (void)packet;
    (void)ctx;
    if (error_code) atomic_fetch_add(&s_lat_errors, 1);
    atomic_fetch_add(&s_lat_acked, 1);
}

/* n messages from seq `base` at a->rate/s on a 1 ms tick; returns the send time in ms. */
static double paced(struct args *a, struct bench_client *pub, const char *topic, long n, long base,
                    aws_mqtt5_publish_completion_fn *done) {
    double t0 = now_ms();
    long sent = 0;
    while (sent < n) {
        long due = (long)floor((now_ms() - t0) * (double)a->rate / 1000.0) + 1;
        if (due > n) due = n;
        while (sent < due) publish(pub, topic, a->size, (uint32_t)(base + sent++), true, AWS_MQTT5_QOS_AT_LEAST_ONCE, done, NULL);
        if (sent < n) sleep_ms(1);
    }
    return now_ms() - t0;
}

static int cmp_double(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

static double pct(const double *sorted, long n, double p) {
    if (n == 0) return NAN;
    long i = (long)ceil(p / 100.0 * (double)n) - 1;
    if (i < 0) i = 0;
    if (i > n - 1) i = n - 1;
    return sorted[i];
}

static void scenario_latency(struct args *a) {
    if (a->size < 12) die("--size must be at least 12%s", "");
    char topic[96];
    snprintf(topic, sizeof topic, "bench/latency/%d/native", (int)getpid());
    s_lat_total = (long)llround((double)a->rate * a->duration);
    s_lat = malloc(sizeof(double) * (size_t)s_lat_total);
    for (long i = 0; i < s_lat_total; i++) s_lat[i] = NAN;
    s_on_message = latency_on_message;
    struct bench_client **sub = connect_many(a->port, "latency-sub", 1, 1);
    struct bench_client **pub = connect_many(a->port, "latency-pub", 1, 1);
    subscribe_all(sub, 1, topic, AWS_MQTT5_QOS_AT_LEAST_ONCE);
    paced(a, pub[0], topic, 200, s_lat_total, NULL);
    sleep_ms(200);

    struct snap start = snapshot(a->broker_pid);
    double send_ms = paced(a, pub[0], topic, s_lat_total, 0, s_lat_puback);
    long last = -1;
    double last_change = now_ms();
    bool stalled = false;
    while (atomic_load(&s_lat_received) < s_lat_total || atomic_load(&s_lat_acked) < s_lat_total) {
        sleep_ms(5);
        long p = atomic_load(&s_lat_received) + atomic_load(&s_lat_acked);
        if (p != last) {
            last = p;
            last_change = now_ms();
        } else if (now_ms() - last_change > (double)a->idle_ms) {
            stalled = true;
            break;
        }
    }
    struct snap end = snapshot(a->broker_pid);
    double *sorted = malloc(sizeof(double) * (size_t)s_lat_total);
    long m = 0;
    double sum = 0;
    for (long i = 0; i < s_lat_total; i++) {
        if (!isnan(s_lat[i])) {
            sorted[m++] = s_lat[i];
            sum += s_lat[i];
        }
    }
    qsort(sorted, (size_t)m, sizeof(double), cmp_double);
    double elapsed = (end.t - start.t) / 1000.0, cpu = end.cpu - start.cpu, broker = end.broker - start.broker;
    long received = atomic_load(&s_lat_received);
    printf("{\"scenario\":\"latency\",\"client\":\"native\",\"size\":%d,\"rate\":%ld,\"duration_s\":%g,\"count\":%ld,",
           a->size, a->rate, a->duration, s_lat_total);
    jnum("achieved_rate", round((double)s_lat_total / (send_ms / 1000.0)), 0, true);
    jnum("p50_ms", pct(sorted, m, 50), 3, true);
    jnum("p99_ms", pct(sorted, m, 99), 3, true);
    jnum("max_ms", m ? sorted[m - 1] : NAN, 3, true);
    jnum("mean_ms", m ? sum / (double)m : NAN, 3, true);
    jnum("client_cpu_s", cpu, 4, true);
    jnum("cpu_s_per_100k", cpu * 100000.0 / (double)s_lat_total, 4, true);
    jnum("broker_cpu_share", broker / elapsed, 3, true);
    printf("\"received\":%ld,\"losses\":%ld,\"duplicates\":%ld,\"pub_errors\":%ld%s}\n", received, s_lat_total - received,
           atomic_load(&s_lat_dups), atomic_load(&s_lat_errors), stalled ? ",\"stalled\":true" : "");
    fflush(stdout);
    s_on_message = NULL;
    close_all(pub, 1);
    close_all(sub, 1);
}

/* ---------------------------------------------------------------- connections */

static void scenario_connections(struct args *a) {
    struct bench_client **first = connect_many(a->port, "conn-warm", 1, 1);
    sleep_ms((double)a->settle_ms);
    double rss0 = rss_mb(), cpu0 = own_cpu_s(), t0 = now_ms();
    long target = atomic_load(&s_connected) + a->clients;
    long failed0 = atomic_load(&s_connect_failed);
    struct bench_client **cs = calloc((size_t)a->clients, sizeof *cs);
    for (int i = 0; i < a->clients; i++) {
        cs[i] = client_new(a->port, "conn", i);
        aws_mqtt5_client_start(cs[i]->client);
    }
    /* Every client either connects or reports a failure (and then retries: count it once). */
    double deadline = t0 + 60000;
    while (atomic_load(&s_connected) < target && now_ms() < deadline) {
        wait_count(&s_connected, target, 50);
    }
    double connect_ms = now_ms() - t0, cpu = own_cpu_s() - cpu0;
    long connected = atomic_load(&s_connected) - (target - a->clients);
    long failures = atomic_load(&s_connect_failed) - failed0;
    sleep_ms((double)a->settle_ms);
    double rss1 = rss_mb();
    printf("{\"scenario\":\"connections\",\"client\":\"native\",\"clients\":%d,\"connected\":%ld,\"failed\":%ld,", a->clients,
           connected, (long)a->clients - connected);
    if (failures) printf("\"connect_failures\":%ld,", failures);
    jnum("connect_all_ms", connect_ms, 1, true);
    jnum("connect_cpu_s", cpu, 3, true);
    jnum("rss_base_mb", rss0, 1, true);
    jnum("rss_mb", rss1, 1, true);
    jnum("rss_mb_per_100", (rss1 - rss0) * 100.0 / a->clients, 2, false);
    printf("}\n");
    fflush(stdout);
    close_all(cs, a->clients);
    close_all(first, 1);
}

/* ---------------------------------------------------------------- startup */

static double g_init_ms;

static void scenario_startup(struct args *a, double t_main) {
    (void)a;
    /* crt_init() already ran in main(): it is the "import" of this client. */
    double imported = now_ms();
    struct bench_client **c = connect_many(a->port, "startup", 1, 1);
    double connected = now_ms();
    printf("{\"scenario\":\"startup\",\"client\":\"native\",");
    jnum("import_ms", g_init_ms, 2, true);
    jnum("connect_ms", connected - imported, 2, true);
    jnum("total_ms", connected - t_main, 2, false);
    printf("}\n");
    fflush(stdout);
    close_all(c, 1);
}

int main(int argc, char **argv) {
    double t_main = now_ms();
    struct args a = {
        .size = 64,
        .count = -1,
        .window = -1,
        .warmup = -1,
        .idle_ms = 5000,
        .pubs = -1,
        .subs = -1,
        .rate = 2000,
        .duration = 10,
        .clients = 1000,
        .settle_ms = 2000,
    };
    parse_args(argc, argv, &a);
    if (a.client && strcmp(a.client, "native") != 0) die("this binary is --client native (got %s)", a.client);
    s_fresh_payloads = !a.payload || strcmp(a.payload, "fresh") == 0;
    bool fanout = strcmp(a.scenario, "fanout") == 0, fanin = strcmp(a.scenario, "fanin") == 0;
    bool publish_only = strcmp(a.scenario, "publish") == 0;
    if (a.count < 0) a.count = fanout ? 1000 : 100000;
    if (a.window < 0) a.window = fanout ? 100 : 1000;
    if (a.pubs < 0) a.pubs = fanin ? 100 : 1;
    if (a.subs < 0) a.subs = fanout ? 100 : 1;
    if (!fanin) a.pubs = 1;
    if (!fanout) a.subs = publish_only ? 0 : 1;
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);

    double t = now_ms();
    crt_init();
    g_init_ms = now_ms() - t;

    if (strcmp(a.scenario, "qos1") == 0 || fanin || fanout || publish_only) scenario_mesh(&a, AWS_MQTT5_QOS_AT_LEAST_ONCE);
    else if (strcmp(a.scenario, "qos0") == 0) scenario_mesh(&a, AWS_MQTT5_QOS_AT_MOST_ONCE);
    else if (strcmp(a.scenario, "latency") == 0) scenario_latency(&a);
    else if (strcmp(a.scenario, "connections") == 0) scenario_connections(&a);
    else if (strcmp(a.scenario, "startup") == 0) scenario_startup(&a, t_main);
    else die("unknown scenario %s", a.scenario);
    fflush(stdout);
    /* The clients are released; the event loop threads end with the process. */
    _exit(0);
}
