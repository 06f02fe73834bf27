/* Unit tests for the latency histogram: exact small values, percentiles
 * within the bucket error, min, max and sum, values past the range. */
#include "histogram.h"

#include <math.h>
#include <stdlib.h>

#include "tap.h"

/* |got - want| is within 1/128 of want (a bucket's width, relative). */
static int near(uint64_t got, uint64_t want)
{
    double d = fabs((double)got - (double)want);
    return d <= (double)want / 128.0 + 1;
}

static void test_empty(void)
{
    struct histogram *h = histogram_new();
    ok(histogram_count(h) == 0 && histogram_max(h) == 0, "empty: no count, max 0");
    ok(histogram_percentile(h, 50) == 0, "empty: every percentile is 0");
    histogram_free(h);
}

static void test_small_values_exact(void)
{
    struct histogram *h = histogram_new();
    for (uint64_t v = 1; v <= 100; v++)
        histogram_record(h, v);
    ok(histogram_percentile(h, 50) == 50, "p50 of 1..100 is 50");
    ok(histogram_percentile(h, 90) == 90, "p90 of 1..100 is 90");
    ok(histogram_percentile(h, 99) == 99, "p99 of 1..100 is 99");
    ok(histogram_percentile(h, 100) == 100, "p100 is the max");
    ok(histogram_min(h) == 1 && histogram_max(h) == 100, "min and max");
    ok(histogram_sum(h) == 5050, "sum");
    ok(histogram_count(h) == 100, "count");
    histogram_free(h);
}

static void test_wide_range(void)
{
    struct histogram *h = histogram_new();
    /* 1 ms .. 10 s in 1 ms steps, in microseconds. */
    for (uint64_t ms = 1; ms <= 10000; ms++)
        histogram_record(h, ms * 1000);
    ok(near(histogram_percentile(h, 50), 5000000), "p50 within the bucket error (%llu)",
       (unsigned long long)histogram_percentile(h, 50));
    ok(near(histogram_percentile(h, 90), 9000000), "p90 within the bucket error (%llu)",
       (unsigned long long)histogram_percentile(h, 90));
    ok(near(histogram_percentile(h, 99), 9900000), "p99 within the bucket error (%llu)",
       (unsigned long long)histogram_percentile(h, 99));
    ok(histogram_percentile(h, 100) == 10000000, "max exact");
    ok(near(histogram_percentile(h, 0.01), 1000), "p0.01 is the smallest (%llu)",
       (unsigned long long)histogram_percentile(h, 0.01));
    histogram_free(h);
}

static void test_every_value_near(void)
{
    /* A lone value anywhere in range is reported within its bucket. */
    int all = 1;
    for (uint64_t v = 1; v < HISTOGRAM_MAX; v = v * 3 / 2 + 1) {
        struct histogram *h = histogram_new();
        histogram_record(h, v);
        histogram_record(h, v + 1000000000000ull); /* pushes v off the max */
        uint64_t got = histogram_percentile(h, 50);
        all &= near(got, v);
        if (!near(got, v))
            printf("# %llu reported as %llu\n", (unsigned long long)v, (unsigned long long)got);
        histogram_free(h);
    }
    ok(all, "every single value comes back within 1/128");
}

static void test_skewed(void)
{
    struct histogram *h = histogram_new();
    for (int i = 0; i < 990; i++)
        histogram_record(h, 2000);
    for (int i = 0; i < 10; i++)
        histogram_record(h, 800000);
    ok(near(histogram_percentile(h, 50), 2000), "p50 is the common value");
    ok(near(histogram_percentile(h, 99), 2000), "p99: the 990th value is still common");
    ok(near(histogram_percentile(h, 99.5), 800000), "p99.5 is the slow one");
    ok(histogram_max(h) == 800000, "max");
    histogram_free(h);
}

static void test_past_range(void)
{
    struct histogram *h = histogram_new();
    histogram_record(h, 0);
    histogram_record(h, UINT64_MAX / 2);
    histogram_record(h, UINT64_MAX / 2);
    ok(histogram_count(h) == 3, "values past the range are counted");
    ok(histogram_max(h) == UINT64_MAX / 2, "max stays exact");
    ok(histogram_min(h) == 0, "min 0");
    ok(histogram_sum(h) == UINT64_MAX - 1, "sum");
    histogram_record(h, UINT64_MAX / 2);
    ok(histogram_sum(h) == UINT64_MAX, "sum saturates");
    histogram_free(h);
}

int main(void)
{
    test_empty();
    test_small_values_exact();
    test_wide_range();
    test_every_value_near();
    test_skewed();
    test_past_range();
    return tap_done();
}
