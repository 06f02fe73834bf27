/* The start rate's token bucket, and --rate's parser. */
#include "ratelimit.h"

#include "enrich.h"
#include "tap.h"

/* Starts a bucket allows when asked at every millisecond from `from` to
 * `to`, the first n times written to at[]. */
static int starts(struct ratelimit *r, long long from, long long to, long long *at, int n)
{
    int count = 0;
    for (long long t = from; t <= to; t++)
        while (ratelimit_take(r, t)) {
            if (count < n)
                at[count] = t;
            count++;
        }
    return count;
}

static void test_spacing(void)
{
    struct ratelimit r;
    ratelimit_init(&r, 10.0 / 1000, 1, 5000); /* 10/s, burst 1 */
    long long at[32];
    int n = starts(&r, 5000, 5999, at, 32);
    ok(n == 10, "10/s allows 10 starts in a second (got %d)", n);
    int even = 1;
    for (int i = 0; i < n && i < 32; i++)
        even &= at[i] == 5000 + 100 * i;
    ok(even, "burst 1: starts are 100 ms apart, the first at once");
    ok(ratelimit_next(&r, 6000) == 6000 && ratelimit_take(&r, 6000), "the eleventh at 6000");
    ok(!ratelimit_take(&r, 6000), "and no twelfth at the same time");
}

static void test_burst(void)
{
    struct ratelimit r;
    ratelimit_init(&r, 2.0 / 1000, 5, 0); /* 2/s, burst 5 */
    long long at[32];
    int n = starts(&r, 0, 0, at, 32);
    ok(n == 5, "burst 5: five starts at once (got %d)", n);
    ok(ratelimit_next(&r, 0) == 500, "then the next at 500 ms (got %lld)", ratelimit_next(&r, 0));
    n = starts(&r, 1, 2000, at, 32);
    ok(n == 4 && at[0] == 500 && at[1] == 1000 && at[2] == 1500 && at[3] == 2000,
       "then evenly spaced at the rate");

    /* Left alone, the bucket fills up to burst and no further. */
    n = starts(&r, 100000, 100000, at, 32);
    ok(n == 5, "after a long idle, a burst of 5 again, not more (got %d)", n);
    ok(ratelimit_next(&r, 100000) == 100500, "and the next 500 ms later");

    /* Partly refilled. */
    ratelimit_init(&r, 1.0 / 100, 3, 0); /* one per 100 ms, burst 3 */
    n = starts(&r, 0, 0, at, 32);
    ok(n == 3, "burst 3 at once");
    n = starts(&r, 250, 250, at, 32);
    ok(n == 2, "250 ms later, two tokens are back (got %d)", n);
    ok(ratelimit_next(&r, 250) == 300, "and the third at 300 (got %lld)", ratelimit_next(&r, 250));
}

static void test_next(void)
{
    struct ratelimit r;
    ratelimit_init(&r, 3.0 / 1000, 1, 0); /* 3/s: a token every 333.33 ms */
    ok(ratelimit_next(&r, 0) == 0 && ratelimit_take(&r, 0), "a full bucket: now");
    long long next = ratelimit_next(&r, 10);
    ok(next == 334, "the next token at 334, rounded up (got %lld)", next);
    ok(!ratelimit_take(&r, 333), "not at 333");
    ok(ratelimit_take(&r, next), "taken at the time next said");

    /* Whatever the rate, a take at ratelimit_next's answer succeeds, and
     * never earlier: no timer can fire early and find nothing to take. */
    const double rates[] = {1.0 / 7, 1.0 / 3, 0.7, 3.0 / 1000, 1.0 / 60000, 2.5};
    int agree = 1;
    for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
        ratelimit_init(&r, rates[i], 2, 123);
        long long now = 123;
        for (int k = 0; k < 200; k++) {
            long long t = ratelimit_next(&r, now);
            if (t > now && ratelimit_take(&r, t - 1))
                agree = 0;
            if (!ratelimit_take(&r, t))
                agree = 0;
            now = t;
        }
    }
    ok(agree, "ratelimit_take succeeds exactly from ratelimit_next's time");

    ratelimit_init(&r, 0, 1, 0);
    int all = 1;
    for (int i = 0; i < 1000; i++)
        all &= ratelimit_take(&r, 0);
    ok(all && ratelimit_next(&r, 42) == 42, "no rate: every take succeeds");
}

static void test_units(void)
{
    struct ratelimit r;
    double per_ms;
    ok(enrich_parse_rate("30/m", &per_ms) == 0, "30/m parses");
    ratelimit_init(&r, per_ms, 1, 0);
    long long at[8];
    int n = starts(&r, 0, 60000, at, 8);
    ok(n == 31 && at[1] == 2000 && at[2] == 4000, "30/m: one start every 2 s (got %d)", n);

    ok(enrich_parse_rate("120/h", &per_ms) == 0, "120/h parses");
    ratelimit_init(&r, per_ms, 1, 0);
    n = starts(&r, 0, 3600000, at, 8);
    ok(n == 121 && at[1] == 30000, "120/h: one start every 30 s (got %d)", n);

    ok(enrich_parse_rate("0.5/s", &per_ms) == 0, "0.5/s parses");
    ratelimit_init(&r, per_ms, 1, 0);
    n = starts(&r, 0, 10000, at, 8);
    ok(n == 6 && at[1] == 2000, "0.5/s: one start every 2 s (got %d)", n);
}

static void rate(const char *text, double want)
{
    double per_ms = -1;
    int rc = enrich_parse_rate(text, &per_ms);
    ok(rc == 0 && per_ms > want * (1 - 1e-12) && per_ms < want * (1 + 1e-12),
       "--rate '%s' is %g a ms (got rc %d, %g)", text, want, rc, per_ms);
}

static void bad_rate(const char *text)
{
    double per_ms = -1;
    ok(enrich_parse_rate(text, &per_ms) < 0 && per_ms == -1, "--rate '%s' is refused", text);
}

static void test_parse(void)
{
    rate("10", 0.01);
    rate("10/s", 0.01);
    rate("600/m", 0.01);
    rate("36000/h", 0.01);
    rate("1.5/s", 0.0015);
    rate(".5", 0.0005);
    rate("1000000", 1000);
    bad_rate("");
    bad_rate("0");
    bad_rate("0/s");
    bad_rate("0.0");
    bad_rate("-1");
    bad_rate("1e3");
    bad_rate("10/");
    bad_rate("10/d");
    bad_rate("10/ms");
    bad_rate("10 /s");
    bad_rate("10/s ");
    bad_rate("/s");
    bad_rate("10/S");
    bad_rate("0.0000000001/h");
}

int main(void)
{
    test_spacing();
    test_burst();
    test_next();
    test_units();
    test_parse();
    return tap_done();
}
