/* Unit tests for the status line's text: numbers, rate, latency, cut to
 * the terminal's width. */
#include "progress.h"

#include <string.h>

#include "tap.h"

int main(void)
{
    struct stats s;
    stats_init(&s);
    char line[256];
    struct progress_now now = {0, 0, 200};
    progress_format(&s, &now, line, sizeof(line));
    is_str(line, "0 read  0 written  0.0/s  0 in flight  0 failed  0 retries  p50 -  p99 -",
           "an empty run");
    s.read = 1200;
    s.written = 1180;
    s.ok = 1178;
    s.failed = 2;
    s.retries = 5;
    for (int i = 0; i < 98; i++)
        histogram_record(s.latency, 12000);
    histogram_record(s.latency, 250000);
    histogram_record(s.latency, 250000);
    now = (struct progress_now){20, 2.0, 200};
    progress_format(&s, &now, line, sizeof(line));
    is_str(line,
           "1200 read  1180 written  590/s  20 in flight  2 failed  5 retries  p50 12ms  "
           "p99 250ms",
           "a running one");
    histogram_free(s.latency);
    s.latency = histogram_new();
    histogram_record(s.latency, 800);
    s.ok = 9, s.failed = 0;
    now = (struct progress_now){1, 2.0, 200};
    progress_format(&s, &now, line, sizeof(line));
    ok(strstr(line, "4.5/s") && strstr(line, "p50 0.8ms  p99 0.8ms"),
       "slow rates and short latencies keep a decimal: %s", line);
    now.width = 30;
    size_t n = progress_format(&s, &now, line, sizeof(line));
    ok(n == 29 && strlen(line) == 29, "cut to the width less one, so it never wraps");
    now.width = 0;
    n = progress_format(&s, &now, line, sizeof(line));
    ok(n <= 79, "an unknown width is taken as 80");
    n = progress_format(&s, &now, line, 10);
    ok(n == 9 && strlen(line) == 9, "cut to the buffer");
    stats_free(&s);
    return tap_done();
}
