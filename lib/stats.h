/* The run's statistics (--stats, --progress): counters of records and
 * requests, a latency histogram, counts per host; and the two ways of
 * writing them, one JSON object or Prometheus' text exposition format.
 *
 * Latency is that of attempts: from a request's start to its result from
 * libcurl (libcurl's own timeouts included; an attempt cut short by the
 * record's deadline timer or by a second signal has no result and is not
 * counted). It measures the service, not enrich's queueing or retry delays.
 * Hosts are "scheme://host:port" (hostpause_key); the first STATS_HOSTS
 * seen are counted apart, the rest together as "other", so memory stays
 * bounded whatever the input. Pure: no clock, no I/O; flow.c counts, the
 * engine fills in what the run counts itself (records read, retries) and
 * passes the time in. */
#ifndef ENRICH_STATS_H
#define ENRICH_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "failure.h"
#include "histogram.h"
#include "hostpause.h"

#define STATS_HOSTS 32
#define STATS_KINDS (FAIL_INTERRUPTED + 1) /* indexed by enum fail_kind; 0 unused */
/* The Prometheus histogram's buckets (upper bounds, seconds), counted
 * exactly beside the log-linear histogram. */
#define STATS_LE 15
extern const double stats_le_seconds[STATS_LE];

struct stats_host {
    char key[HOSTPAUSE_KEY_MAX]; /* "scheme://host:port", or "other" */
    unsigned long long requests; /* attempts started */
    unsigned long long failed;   /* attempts whose result was a failure */
    unsigned long long bytes_in; /* response bodies received */
};

struct stats {
    unsigned long long read;    /* records read (the engine sets it) */
    unsigned long long written; /* output lines */
    unsigned long long ok, failed, failed_by_kind[STATS_KINDS];
    unsigned long long dropped;  /* records that left without an output line */
    unsigned long long requests; /* attempts started, retries included */
    unsigned long long retries;  /* (the engine sets it) */
    /* --cache: records answered by a stored response, and records that
     * waited for an identical request in flight instead of making their own. */
    unsigned long long cache_hits, cache_coalesced;
    unsigned long long bytes_in, bytes_out;
    struct histogram *latency;               /* attempts, in microseconds */
    unsigned long long latency_le[STATS_LE]; /* attempts of at most each bound, not cumulative */
    struct stats_host hosts[STATS_HOSTS];
    size_t nhosts;
    struct stats_host other;
};

/* Zero s. Returns 0, -1 when out of memory. */
int stats_init(struct stats *s);
void stats_free(struct stats *s);

/* An attempt to url started. */
void stats_request(struct stats *s, const char *url);
/* An attempt to url ended after ms with a body of body_len bytes; failed:
 * its result was a failure. */
void stats_response(struct stats *s, const char *url, double ms, size_t body_len, int failed);
/* A record finished: succeeded (FAIL_NONE) or failed as kind. */
void stats_finished(struct stats *s, enum fail_kind kind);
/* A record left: its line of len bytes (newline not included) written when
 * emitted, else dropped. */
void stats_left(struct stats *s, int emitted, size_t len);

/* When and how long: for the writers. */
struct stats_time {
    double wall_seconds; /* the run so far */
    double finished_at;  /* Unix time, seconds */
};

/* Records finished per second over the run; 0 before any time passed. */
double stats_rate(const struct stats *s, double wall_seconds);

/* The statistics as one JSON object on one line, with a newline. Returns
 * the text (the caller frees it), or NULL when out of memory. */
char *stats_json(const struct stats *s, const struct stats_time *t);
/* The statistics in Prometheus' text exposition format (version 0.0.4),
 * metric names prefixed enrich_, appended to out. Returns 0, -1 when out
 * of memory or out's cap was reached. */
int stats_prometheus(const struct stats *s, const struct stats_time *t, struct buf *out);

#endif
