/* The run's statistics and their two formats; see stats.h. */
#include "stats.h"

#include <cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const double stats_le_seconds[STATS_LE] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                           0.5,   1,      2.5,   5,    10,    30,   60};

int stats_init(struct stats *s)
{
    memset(s, 0, sizeof(*s));
    strcpy(s->other.key, "other");
    s->latency = histogram_new();
    return s->latency ? 0 : -1;
}

void stats_free(struct stats *s)
{
    histogram_free(s->latency);
    s->latency = NULL;
}

/* url's host entry: its own while there is room, else "other". */
static struct stats_host *host_of(struct stats *s, const char *url)
{
    char key[HOSTPAUSE_KEY_MAX];
    if (!url || hostpause_key(url, key, sizeof(key)) < 0)
        return &s->other;
    for (size_t i = 0; i < s->nhosts; i++)
        if (strcmp(s->hosts[i].key, key) == 0)
            return &s->hosts[i];
    if (s->nhosts == STATS_HOSTS)
        return &s->other;
    struct stats_host *h = &s->hosts[s->nhosts++];
    memcpy(h->key, key, sizeof(key));
    return h;
}

void stats_request(struct stats *s, const char *url)
{
    s->requests++;
    host_of(s, url)->requests++;
}

void stats_response(struct stats *s, const char *url, double ms, size_t body_len, int failed)
{
    double us = ms > 0 ? ms * 1000.0 : 0;
    histogram_record(s->latency, us >= 1e18 ? (uint64_t)1e18 : (uint64_t)llround(us));
    for (size_t i = 0; i < STATS_LE; i++)
        if (ms <= stats_le_seconds[i] * 1000.0) {
            s->latency_le[i]++;
            break;
        }
    s->bytes_in += body_len;
    struct stats_host *h = host_of(s, url);
    h->bytes_in += body_len;
    if (failed)
        h->failed++;
}

void stats_finished(struct stats *s, enum fail_kind kind)
{
    if (kind == FAIL_NONE) {
        s->ok++;
        return;
    }
    s->failed++;
    if ((int)kind > 0 && (int)kind < STATS_KINDS)
        s->failed_by_kind[kind]++;
}

void stats_left(struct stats *s, int emitted, size_t len)
{
    if (!emitted) {
        s->dropped++;
        return;
    }
    s->written++;
    s->bytes_out += len + 1;
}

double stats_rate(const struct stats *s, double wall_seconds)
{
    return wall_seconds > 0 ? (double)(s->ok + s->failed) / wall_seconds : 0;
}

/* Records read and not finished: a run that stopped early. */
static unsigned long long unfinished(const struct stats *s)
{
    unsigned long long done = s->ok + s->failed;
    return s->read > done ? s->read - done : 0;
}

/* ---- JSON ------------------------------------------------------------ */

static int add(cJSON *o, const char *name, double v)
{
    return cJSON_AddNumberToObject(o, name, v) != NULL;
}

static int add_records(cJSON *root, const struct stats *s)
{
    cJSON *r = cJSON_AddObjectToObject(root, "records");
    if (!r || !add(r, "read", (double)s->read) || !add(r, "ok", (double)s->ok) ||
        !add(r, "failed", (double)s->failed) || !add(r, "unfinished", (double)unfinished(s)) ||
        !add(r, "written", (double)s->written) || !add(r, "dropped", (double)s->dropped))
        return 0;
    cJSON *k = cJSON_AddObjectToObject(r, "failed_by_kind");
    for (int i = 1; k && i < STATS_KINDS; i++)
        if (!add(k, fail_kind_name((enum fail_kind)i), (double)s->failed_by_kind[i]))
            return 0;
    return k != NULL;
}

/* Microseconds as milliseconds, to the microsecond. */
static double ms(uint64_t us)
{
    return (double)us / 1000.0;
}

static int add_latency(cJSON *root, const struct stats *s)
{
    const struct histogram *h = s->latency;
    uint64_t n = histogram_count(h);
    cJSON *l = cJSON_AddObjectToObject(root, "latency_ms");
    return l && add(l, "count", (double)n) && add(l, "min", ms(histogram_min(h))) &&
           add(l, "mean", n ? round((double)histogram_sum(h) / (double)n) / 1000.0 : 0) &&
           add(l, "p50", ms(histogram_percentile(h, 50))) &&
           add(l, "p90", ms(histogram_percentile(h, 90))) &&
           add(l, "p99", ms(histogram_percentile(h, 99))) &&
           add(l, "p999", ms(histogram_percentile(h, 99.9))) && add(l, "max", ms(histogram_max(h)));
}

static int add_host(cJSON *hosts, const struct stats_host *h)
{
    cJSON *o = cJSON_AddObjectToObject(hosts, h->key);
    return o && add(o, "requests", (double)h->requests) && add(o, "failed", (double)h->failed) &&
           add(o, "bytes_in", (double)h->bytes_in);
}

static int add_hosts(cJSON *root, const struct stats *s)
{
    cJSON *hosts = cJSON_AddObjectToObject(root, "hosts");
    for (size_t i = 0; hosts && i < s->nhosts; i++)
        if (!add_host(hosts, &s->hosts[i]))
            return 0;
    if (hosts && s->other.requests > 0 && !add_host(hosts, &s->other))
        return 0;
    return hosts != NULL;
}

char *stats_json(const struct stats *s, const struct stats_time *t)
{
    cJSON *root = cJSON_CreateObject();
    char *text = NULL;
    cJSON *bytes = NULL;
    if (!root || !add_records(root, s) || !add(root, "requests", (double)s->requests) ||
        !add(root, "retries", (double)s->retries) ||
        !add(root, "cache_hits", (double)s->cache_hits) ||
        !add(root, "cache_coalesced", (double)s->cache_coalesced) ||
        !(bytes = cJSON_AddObjectToObject(root, "bytes")) ||
        !add(bytes, "in", (double)s->bytes_in) || !add(bytes, "out", (double)s->bytes_out) ||
        !add(root, "wall_seconds", round(t->wall_seconds * 1000) / 1000) ||
        !add(root, "records_per_second", round(stats_rate(s, t->wall_seconds) * 10) / 10) ||
        !add_latency(root, s) || !add_hosts(root, s) ||
        !add(root, "finished_at", round(t->finished_at * 1000) / 1000))
        goto cleanup;
    char *printed = cJSON_PrintUnformatted(root);
    if (!printed)
        goto cleanup;
    size_t n = strlen(printed);
    text = malloc(n + 2);
    if (text) {
        memcpy(text, printed, n);
        memcpy(text + n, "\n", 2);
    }
    cJSON_free(printed);
cleanup:
    cJSON_Delete(root);
    return text;
}

/* ---- Prometheus ------------------------------------------------------ */

static int head(struct buf *b, const char *name, const char *type, const char *help)
{
    return buf_printf(b, "# HELP enrich_%s %s\n# TYPE enrich_%s %s\n", name, help, name, type);
}

static int sample(struct buf *b, const char *name, double v)
{
    return buf_printf(b, "enrich_%s %.6f\n", name, v);
}

static int counter(struct buf *b, const char *name, const char *help, unsigned long long v)
{
    return head(b, name, "counter", help) < 0 ? -1 : buf_printf(b, "enrich_%s %llu\n", name, v);
}

/* A label value with \, " and newline escaped, as the format asks. */
static int label(struct buf *b, const char *v)
{
    for (; *v; v++) {
        int rc = *v == '\\'   ? buf_puts(b, "\\\\")
                 : *v == '"'  ? buf_puts(b, "\\\"")
                 : *v == '\n' ? buf_puts(b, "\\n")
                              : buf_putc(b, *v);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int failed_by_kind(struct buf *b, const struct stats *s)
{
    if (head(b, "records_failed_total", "counter", "Records that failed, by kind of failure.") < 0)
        return -1;
    for (int i = 1; i < STATS_KINDS; i++)
        if (buf_printf(b, "enrich_records_failed_total{kind=\"%s\"} %llu\n",
                       fail_kind_name((enum fail_kind)i), s->failed_by_kind[i]) < 0)
            return -1;
    return 0;
}

static int latency(struct buf *b, const struct stats *s)
{
    if (head(b, "request_duration_seconds", "histogram",
             "Duration of HTTP attempts, from start to result.") < 0)
        return -1;
    unsigned long long cumulative = 0;
    for (size_t i = 0; i < STATS_LE; i++) {
        cumulative += s->latency_le[i];
        if (buf_printf(b, "enrich_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
                       stats_le_seconds[i], cumulative) < 0)
            return -1;
    }
    unsigned long long n = histogram_count(s->latency);
    if (buf_printf(b, "enrich_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n", n) < 0 ||
        buf_printf(b, "enrich_request_duration_seconds_sum %.6f\n",
                   (double)histogram_sum(s->latency) / 1e6) < 0 ||
        buf_printf(b, "enrich_request_duration_seconds_count %llu\n", n) < 0)
        return -1;
    return 0;
}

enum host_field { HOST_REQUESTS, HOST_FAILED, HOST_BYTES_IN };

static unsigned long long host_value(const struct stats_host *h, enum host_field field)
{
    switch (field) {
    case HOST_REQUESTS: return h->requests;
    case HOST_FAILED: return h->failed;
    case HOST_BYTES_IN: return h->bytes_in;
    }
    return 0;
}

/* One per-host counter: name{host="..."} for each host, and "other". */
static int per_host(struct buf *b, const struct stats *s, const char *name, const char *help,
                    enum host_field field)
{
    if (head(b, name, "counter", help) < 0)
        return -1;
    for (size_t i = 0; i <= s->nhosts; i++) {
        const struct stats_host *h = i < s->nhosts ? &s->hosts[i] : &s->other;
        if (i == s->nhosts && h->requests == 0)
            break;
        unsigned long long v = host_value(h, field);
        if (buf_printf(b, "enrich_%s{host=\"", name) < 0 || label(b, h->key) < 0 ||
            buf_printf(b, "\"} %llu\n", v) < 0)
            return -1;
    }
    return 0;
}

int stats_prometheus(const struct stats *s, const struct stats_time *t, struct buf *b)
{
    size_t start = b->len;
    if (counter(b, "records_read_total", "Records read.", s->read) < 0 ||
        counter(b, "records_ok_total", "Records that succeeded.", s->ok) < 0 ||
        failed_by_kind(b, s) < 0 ||
        counter(b, "records_unfinished_total",
                "Records read and never finished (a run stopped early).", unfinished(s)) < 0 ||
        counter(b, "records_written_total", "Output lines written.", s->written) < 0 ||
        counter(b, "records_dropped_total", "Records that left without an output line.",
                s->dropped) < 0 ||
        counter(b, "requests_total", "HTTP attempts started, retries included.", s->requests) < 0 ||
        counter(b, "retries_total", "Retries scheduled.", s->retries) < 0 ||
        counter(b, "cache_hits_total", "Records answered by a cached response (--cache).",
                s->cache_hits) < 0 ||
        counter(b, "cache_coalesced_total",
                "Records that waited for an identical request in flight (--cache).",
                s->cache_coalesced) < 0 ||
        counter(b, "response_bytes_total", "Bytes of response bodies received.", s->bytes_in) < 0 ||
        counter(b, "output_bytes_total", "Bytes of output lines written.", s->bytes_out) < 0 ||
        latency(b, s) < 0 ||
        per_host(b, s, "host_requests_total", "HTTP attempts started, by host.", HOST_REQUESTS) <
            0 ||
        per_host(b, s, "host_failures_total", "HTTP attempts that failed, by host.", HOST_FAILED) <
            0 ||
        per_host(b, s, "host_response_bytes_total", "Bytes of response bodies received, by host.",
                 HOST_BYTES_IN) < 0 ||
        head(b, "run_seconds", "gauge", "Wall time of the run.") < 0 ||
        sample(b, "run_seconds", t->wall_seconds) < 0 ||
        head(b, "records_per_second", "gauge", "Records finished per second over the run.") < 0 ||
        sample(b, "records_per_second", stats_rate(s, t->wall_seconds)) < 0 ||
        head(b, "last_run_timestamp_seconds", "gauge", "When the run ended, Unix time.") < 0 ||
        sample(b, "last_run_timestamp_seconds", t->finished_at) < 0) {
        b->len = start;
        if (b->data)
            b->data[start] = '\0';
        return -1;
    }
    return 0;
}
