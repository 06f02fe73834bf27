/* The status line; see progress.h. */
#include "progress.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "histogram.h"
#include "writeall.h"

/* A latency in milliseconds, short: "0.8ms", "12ms", or "-" before any. */
static void latency(char *out, size_t n, const struct stats *s, double p)
{
    if (histogram_count(s->latency) == 0) {
        snprintf(out, n, "-");
        return;
    }
    double ms = (double)histogram_percentile(s->latency, p) / 1000.0;
    snprintf(out, n, ms < 10 ? "%.1fms" : "%.0fms", ms);
}

size_t progress_format(const struct stats *s, const struct progress_now *now, char *out, size_t n)
{
    if (n == 0)
        return 0;
    double rate = stats_rate(s, now->elapsed_s);
    char p50[32], p99[32];
    latency(p50, sizeof(p50), s, 50);
    latency(p99, sizeof(p99), s, 99);
    int len = snprintf(out, n,
                       "%llu read  %llu written  %.*f/s  %zu in flight  %llu failed  %llu "
                       "retries  p50 %s  p99 %s",
                       s->read, s->written, rate < 10 ? 1 : 0, rate, now->in_flight, s->failed,
                       s->retries, p50, p99);
    size_t used = len < 0 ? 0 : (size_t)len >= n ? n - 1 : (size_t)len;
    size_t width = now->width ? now->width : 80;
    if (width > 1 && used > width - 1)
        used = width - 1;
    out[used] = '\0';
    return used;
}

/* Back to the line's start, erase to its end. */
#define ERASE "\r\033[K"

void progress_draw(struct progress *p, const char *line, size_t len)
{
    if (p->fd < 0)
        return;
    char out[512];
    if (len > sizeof(out) - sizeof(ERASE))
        len = sizeof(out) - sizeof(ERASE);
    memcpy(out, ERASE, sizeof(ERASE) - 1);
    memcpy(out + sizeof(ERASE) - 1, line, len);
    /* A status line is not worth failing over: errors are ignored. */
    (void)write_all(p->fd, out, sizeof(ERASE) - 1 + len);
    p->shown = 1;
}

void progress_erase(struct progress *p)
{
    if (p->fd < 0 || !p->shown)
        return;
    (void)write_all(p->fd, ERASE, sizeof(ERASE) - 1);
    p->shown = 0;
}
