/* The retry policy: delays, --retry-on, Retry-After and the decision. */
#include "retry.h"

#include "tap.h"

/* 2024-01-01T00:00:00Z, in ms since the epoch. */
#define JAN_2024 1704067200000LL

static struct enrich_retry policy(enum enrich_backoff backoff, long delay, long max, double mult)
{
    struct enrich_retry p;
    retry_policy_init(&p);
    p.backoff = backoff;
    p.delay_ms = delay;
    p.max_delay_ms = max;
    p.multiplier = mult;
    return p;
}

static void delays(const struct enrich_retry *p, const long *want, int n, const char *name)
{
    int same = 1;
    for (int k = 1; k <= n; k++) {
        long got = retry_delay_ms(p, k, 0.5);
        if (got != want[k - 1]) {
            printf("# retry %d: got %ld, want %ld\n", k, got, want[k - 1]);
            same = 0;
        }
    }
    ok(same, "%s", name);
}

static void test_defaults(void)
{
    struct enrich_retry p;
    retry_policy_init(&p);
    ok(p.max_retries == 0 && p.backoff == ENRICH_BACKOFF_EXPONENTIAL && p.delay_ms == 100 &&
           p.max_delay_ms == 10000 && p.multiplier == 2 && !p.jitter,
       "defaults: no retries, exponential from 100 ms by 2 up to 10 s, no jitter");
    ok(retry_on_matches(&p.on, FAIL_CONNECT, 0, 0) && retry_on_matches(&p.on, FAIL_TIMEOUT, 0, 0) &&
           retry_on_matches(&p.on, FAIL_HTTP, 429, 0) &&
           retry_on_matches(&p.on, FAIL_HTTP, 503, 0) &&
           !retry_on_matches(&p.on, FAIL_HTTP, 404, 0) &&
           !retry_on_matches(&p.on, FAIL_TLS, 0, 0) && !retry_on_matches(&p.on, FAIL_NONE, 200, 1),
       "default --retry-on is connect,timeout,429,5xx");

    struct enrich_options o;
    enrich_options_init(&o);
    ok(o.retry.max_retries == 0 && o.retry.delay_ms == 100 && o.rate_per_ms == 0 && o.burst == 1 &&
           o.window == 0 && !o.window_set && o.max_failures == 0 && o.max_failures_percent == 0,
       "enrich_options_init sets the retry and flow defaults");
}

static void test_delays(void)
{
    struct enrich_retry p = policy(ENRICH_BACKOFF_EXPONENTIAL, 100, 10000, 2);
    long exp[] = {100, 200, 400, 800, 1600, 3200, 6400, 10000, 10000, 10000};
    delays(&p, exp, 10, "exponential: 100 ms doubling, capped at 10 s");

    p = policy(ENRICH_BACKOFF_FIXED, 250, 10000, 2);
    long fixed[] = {250, 250, 250, 250};
    delays(&p, fixed, 4, "fixed: the same delay every time, multiplier unused");

    p = policy(ENRICH_BACKOFF_FIXED, 5000, 1000, 2);
    long fixed_cap[] = {1000, 1000};
    delays(&p, fixed_cap, 2, "fixed: capped by the max delay too");

    p = policy(ENRICH_BACKOFF_EXPONENTIAL, 100, 1000, 1.5);
    long mult[] = {100, 150, 225, 338, 506, 759, 1000};
    delays(&p, mult, 7, "exponential by 1.5, rounded to the nearest ms, capped at 1 s");

    p = policy(ENRICH_BACKOFF_EXPONENTIAL, 300, 10000, 1);
    long one[] = {300, 300, 300};
    delays(&p, one, 3, "multiplier 1 keeps the delay");

    p = policy(ENRICH_BACKOFF_EXPONENTIAL, 0, 10000, 2);
    long zero[] = {0, 0, 0};
    delays(&p, zero, 3, "a zero delay retries at once");

    p = policy(ENRICH_BACKOFF_EXPONENTIAL, 100, 1000000000000L, 1000);
    ok(retry_delay_ms(&p, 1000, 0) == 1000000000000L, "retry 1000 by 1000 stops at the cap");
    ok(retry_delay_ms(&p, 0, 0) == 100, "k below 1 counts as the first retry");
}

static void test_jitter(void)
{
    struct enrich_retry p = policy(ENRICH_BACKOFF_EXPONENTIAL, 100, 10000, 2);
    p.jitter = 1;
    ok(retry_delay_ms(&p, 3, 0) == 0, "jitter at random 0 gives 0");
    ok(retry_delay_ms(&p, 3, 0.99999999) == 400, "jitter just below 1 gives the full delay");
    ok(retry_delay_ms(&p, 3, 0.5) == 200, "jitter at 0.5 gives half (of 401 values)");
    ok(retry_delay_ms(&p, 3, 1.0) == 400 && retry_delay_ms(&p, 3, -1) == 0,
       "random numbers out of range are clamped");

    uint64_t state = 42;
    int in_bounds = 1, saw_low = 0, saw_high = 0;
    long sum = 0;
    const int n = 10000;
    for (int i = 0; i < n; i++) {
        double r = retry_random(&state);
        if (r < 0 || r >= 1)
            in_bounds = 0;
        long d = retry_delay_ms(&p, 4, r); /* computed delay 800 */
        if (d < 0 || d > 800)
            in_bounds = 0;
        saw_low |= d < 80;
        saw_high |= d > 720;
        sum += d;
    }
    ok(in_bounds, "jittered delays stay in [0, 800] and random numbers in [0, 1)");
    ok(saw_low && saw_high, "jittered delays reach both ends of the range");
    ok(sum / n > 380 && sum / n < 420, "jittered delays average half the delay (got %ld)", sum / n);

    uint64_t a = 7, b = 7;
    ok(retry_random(&a) == retry_random(&b) && retry_random(&a) == retry_random(&b),
       "the same seed gives the same numbers");
}

static void retry_on_ok(const char *text)
{
    struct enrich_retry_on on;
    ok(retry_on_parse(text, &on) == 0, "--retry-on '%s' is accepted", text);
}

static void retry_on_bad(const char *text)
{
    struct enrich_retry_on on;
    memset(&on, 0x5a, sizeof(on));
    int rc = retry_on_parse(text, &on);
    ok(rc < 0 && on.kinds == 0x5a5a5a5au, "--retry-on '%s' is refused, *on untouched", text);
}

static void test_retry_on_parse(void)
{
    retry_on_ok("connect");
    retry_on_ok("timeout,connect");
    retry_on_ok("5xx,4xx,429,404,empty");
    retry_on_ok("all");
    retry_on_ok("all,empty");
    retry_on_ok("tls,resource");
    retry_on_ok("5XX");
    retry_on_bad("");
    retry_on_bad("connect,");
    retry_on_bad(",connect");
    retry_on_bad("connect,,timeout");
    retry_on_bad("connect, timeout");
    retry_on_bad("http");
    retry_on_bad("missing_field");
    retry_on_bad("bad_request");
    retry_on_bad("Connect");
    retry_on_bad("42");
    retry_on_bad("4290");
    retry_on_bad("099");
    retry_on_bad("x5x");
    retry_on_bad("emptyy");
    retry_on_bad("al");
}

static void test_predicates(void)
{
    struct enrich_retry_on on;
    retry_on_parse("connect", &on);
    ok(retry_on_matches(&on, FAIL_CONNECT, 0, 0) && !retry_on_matches(&on, FAIL_TIMEOUT, 0, 0),
       "connect: connect failures only");
    retry_on_parse("timeout", &on);
    ok(retry_on_matches(&on, FAIL_TIMEOUT, 0, 0) && !retry_on_matches(&on, FAIL_CONNECT, 0, 0),
       "timeout: timeouts only");
    retry_on_parse("tls", &on);
    ok(retry_on_matches(&on, FAIL_TLS, 0, 0) && !retry_on_matches(&on, FAIL_CONNECT, 0, 0),
       "tls: tls failures only");
    retry_on_parse("resource", &on);
    ok(retry_on_matches(&on, FAIL_RESOURCE, 0, 0) && !retry_on_matches(&on, FAIL_CONNECT, 0, 0),
       "resource: resource failures only");
    retry_on_parse("5xx", &on);
    ok(retry_on_matches(&on, FAIL_HTTP, 500, 0) && retry_on_matches(&on, FAIL_HTTP, 599, 0) &&
           !retry_on_matches(&on, FAIL_HTTP, 499, 0) && !retry_on_matches(&on, FAIL_HTTP, 600, 0),
       "5xx: statuses 500 to 599");
    ok(!retry_on_matches(&on, FAIL_BAD_RESPONSE, 503, 0),
       "5xx: a bad_response with a 5xx status is not an http failure");
    retry_on_parse("4xx", &on);
    ok(retry_on_matches(&on, FAIL_HTTP, 404, 0) && retry_on_matches(&on, FAIL_HTTP, 429, 0) &&
           !retry_on_matches(&on, FAIL_HTTP, 503, 0),
       "4xx: statuses 400 to 499");
    retry_on_parse("429,503", &on);
    ok(retry_on_matches(&on, FAIL_HTTP, 429, 0) && retry_on_matches(&on, FAIL_HTTP, 503, 0) &&
           !retry_on_matches(&on, FAIL_HTTP, 500, 0),
       "status codes: exactly those");
    retry_on_parse("empty", &on);
    ok(retry_on_matches(&on, FAIL_NONE, 200, 1) && !retry_on_matches(&on, FAIL_NONE, 200, 0) &&
           !retry_on_matches(&on, FAIL_CONNECT, 0, 0),
       "empty: an empty result only");
    ok(retry_on_matches(&on, FAIL_BAD_RESPONSE, 200, 1) &&
           !retry_on_matches(&on, FAIL_BAD_RESPONSE, 200, 0),
       "empty: an absent --select path (bad_response, empty) too");

    retry_on_parse("all", &on);
    ok(retry_on_matches(&on, FAIL_CONNECT, 0, 0) && retry_on_matches(&on, FAIL_TIMEOUT, 0, 0) &&
           retry_on_matches(&on, FAIL_HTTP, 404, 0) && retry_on_matches(&on, FAIL_HTTP, 302, 0) &&
           retry_on_matches(&on, FAIL_BAD_RESPONSE, 200, 0) &&
           retry_on_matches(&on, FAIL_TLS, 0, 0) && retry_on_matches(&on, FAIL_RESOURCE, 0, 0),
       "all: connect, timeout, http of any status, bad_response, tls, resource");
    ok(!retry_on_matches(&on, FAIL_MISSING_FIELD, 0, 0) &&
           !retry_on_matches(&on, FAIL_BAD_REQUEST, 0, 0) &&
           !retry_on_matches(&on, FAIL_INVALID_JSON, 0, 0) &&
           !retry_on_matches(&on, FAIL_NOT_OBJECT, 0, 0),
       "all: not the kinds about the record");
    ok(!retry_on_matches(&on, FAIL_NONE, 200, 1), "all: not empty");
    ok(!retry_on_matches(&on, FAIL_INTERRUPTED, 0, 0),
       "all: not interrupted (the run is stopping, a retry cannot help)");
    ok(!retry_on_matches(&on, FAIL_NONE, 200, 0), "a plain success is never retried");
}

static void after(const char *value, long long now, long long want, const char *name)
{
    long long got = retry_after_ms(value, now);
    ok(got == want, "Retry-After '%s': %s (got %lld, want %lld)", value ? value : "(null)", name,
       got, want);
}

static void test_retry_after(void)
{
    after("0", JAN_2024, 0, "zero seconds");
    after("120", JAN_2024, 120000, "seconds");
    after(" 5\t", JAN_2024, 5000, "spaces and tabs around are ignored");
    after("007", JAN_2024, 7000, "leading zeros");
    after("99999999999999999999999", JAN_2024, RETRY_AFTER_MAX_MS, "huge seconds saturate");
    after("-5", JAN_2024, -1, "a negative number is no delay-seconds");
    after("1.5", JAN_2024, -1, "a fraction is no delay-seconds");
    after("5s", JAN_2024, -1, "a unit is no delay-seconds");
    after("", JAN_2024, -1, "empty");
    after("  ", JAN_2024, -1, "blank");
    after(NULL, JAN_2024, -1, "none");
    after("soon", JAN_2024, -1, "garbage");

    after("Mon, 01 Jan 2024 00:00:30 GMT", JAN_2024, 30000, "IMF-fixdate");
    after("Mon, 01 Jan 2024 00:00:30 GMT", JAN_2024 + 250, 29750, "IMF-fixdate, ms of now");
    after("Tue, 02 Jan 2024 01:02:03 GMT", JAN_2024, 86400000 + 3723000, "IMF-fixdate a day on");
    after("Thu, 29 Feb 2024 00:00:00 GMT", JAN_2024, 59LL * 86400000, "IMF-fixdate, leap day");
    after("mon, 01 jan 2024 00:00:30 gmt", JAN_2024, 30000, "IMF-fixdate in lower case");
    after("Sun, 06 Nov 1994 08:49:37 GMT", JAN_2024, 0, "IMF-fixdate in the past is 0");
    after("Sun, 31 Dec 2023 23:59:59 GMT", JAN_2024, 0, "a second ago is 0");
    after("Sun, 06 Nov 1994 08:49:37 UTC", JAN_2024, -1, "IMF-fixdate needs GMT");
    after("Sun, 6 Nov 1994 08:49:37 GMT", JAN_2024, -1, "IMF-fixdate needs a two-digit day");
    after("Sun, 06 Nov 94 08:49:37 GMT", JAN_2024, -1, "IMF-fixdate needs a four-digit year");
    after("Sun, 30 Feb 2025 00:00:00 GMT", JAN_2024, -1, "no 30 February");
    after("Sat, 29 Feb 2025 00:00:00 GMT", JAN_2024, -1, "no 29 February in 2025");
    after("Sun, 06 Nov 2094 24:00:00 GMT", JAN_2024, -1, "no hour 24");
    after("Sun, 06 Nov 2094 08:60:00 GMT", JAN_2024, -1, "no minute 60");
    after("Sun, 31 Dec 2023 23:59:60 GMT", JAN_2024 - 1000, 1000, "a leap second");
    after("Sun, 06 Nov 1994 08:49:37 GMT x", JAN_2024, -1, "trailing text");
    after("Sun, 06 Foo 1994 08:49:37 GMT", JAN_2024, -1, "no such month");

    after("Monday, 01-Jan-24 00:01:00 GMT", JAN_2024, 60000, "RFC 850");
    after("Sunday, 06-Nov-94 08:49:37 GMT", JAN_2024, 0, "RFC 850: 94 is 1994, past");
    after("Saturday, 01-Jan-50 00:00:00 GMT", JAN_2024, (26LL * 365 + 7) * 86400000,
          "RFC 850: 50 is 2050");
    after("Tuesday, 01-Jan-74 00:00:00 GMT", JAN_2024, RETRY_AFTER_MAX_MS,
          "RFC 850: 74 is 2074, 50 years on (far enough to be capped)");
    after("Thursday, 01-Jan-76 00:00:00 GMT", JAN_2024, 0, "RFC 850: 76 is 1976, not 2076");
    after("Mon, 01-Jan-24 00:01:00 GMT", JAN_2024, -1, "RFC 850 needs the long day name");

    after("Mon Jan  1 00:00:10 2024", JAN_2024, 10000, "asctime, a day below 10");
    after("Wed Jan 10 00:00:00 2024", JAN_2024, 9LL * 86400000, "asctime, a two-digit day");
    after("Sun Nov  6 08:49:37 1994", JAN_2024, 0, "asctime in the past");
    after("Mon Jan 1 00:00:10 2024", JAN_2024, -1, "asctime pads a short day with a space");
    after("Mon Jan  1 00:00:10 2024 GMT", JAN_2024, -1, "asctime has no zone");
}

static struct retry_decision decide(const struct enrich_retry *p, int attempts, enum fail_kind kind,
                                    long status, const char *retry_after, long long now,
                                    long long deadline)
{
    struct retry_attempt a = {attempts, kind, status, 0, retry_after};
    return retry_decide(p, &a, now, deadline, JAN_2024, 0.5);
}

static void test_decide(void)
{
    struct enrich_retry p = policy(ENRICH_BACKOFF_EXPONENTIAL, 100, 10000, 2);
    p.max_retries = 3;
    struct retry_decision d = decide(&p, 1, FAIL_CONNECT, 0, NULL, 5000, 35000);
    ok(d.verdict == RETRY_YES && d.delay_ms == 100 && d.due == 5100 && !d.retry_after &&
           !d.pause_host,
       "the first retry is due 100 ms after the failed attempt ended");
    d = decide(&p, 3, FAIL_HTTP, 503, NULL, 5000, 35000);
    ok(d.verdict == RETRY_YES && d.delay_ms == 400 && d.due == 5400,
       "the third retry waits 400 ms");
    d = decide(&p, 4, FAIL_HTTP, 503, NULL, 5000, 35000);
    ok(d.verdict == RETRY_EXHAUSTED && d.delay_ms == 0, "after 3 retries, no more");
    d = decide(&p, 1, FAIL_HTTP, 404, NULL, 5000, 35000);
    ok(d.verdict == RETRY_NOT_ON, "a 404 is not in the default --retry-on");
    d = decide(&p, 1, FAIL_MISSING_FIELD, 0, NULL, 5000, 35000);
    ok(d.verdict == RETRY_NOT_ON, "missing_field is never retried");

    struct enrich_retry none = p;
    none.max_retries = 0;
    d = decide(&none, 1, FAIL_CONNECT, 0, NULL, 5000, 35000);
    ok(d.verdict == RETRY_EXHAUSTED, "--retry 0: a retryable failure has no retries left");

    /* The deadline. */
    d = decide(&p, 3, FAIL_CONNECT, 0, NULL, 5000, 5401);
    ok(d.verdict == RETRY_YES && d.due == 5400, "a retry due 1 ms before the deadline is made");
    d = decide(&p, 3, FAIL_CONNECT, 0, NULL, 5000, 5400);
    ok(d.verdict == RETRY_NO_ROOM && d.delay_ms == 400,
       "a retry due at the deadline is not: no room for an attempt");
    d = decide(&p, 1, FAIL_CONNECT, 0, NULL, 5000, 5050);
    ok(d.verdict == RETRY_NO_ROOM, "a delay past the deadline fails the record at once");
    d = decide(&p, 4, FAIL_CONNECT, 0, NULL, 5000, 5050);
    ok(d.verdict == RETRY_EXHAUSTED, "exhausted is said before the deadline");

    /* Retry-After. */
    d = decide(&p, 1, FAIL_HTTP, 429, "2", 5000, 35000);
    ok(d.verdict == RETRY_YES && d.retry_after && d.delay_ms == 2000 && d.due == 7000,
       "Retry-After on a 429 replaces the computed delay");
    ok(d.pause_host && d.pause_until == 7000, "and pauses the host until then");
    d = decide(&p, 1, FAIL_HTTP, 503, "Mon, 01 Jan 2024 00:00:03 GMT", 5000, 35000);
    ok(d.verdict == RETRY_YES && d.retry_after && d.delay_ms == 3000 && d.due == 8000,
       "Retry-After as a date on a 503");
    d = decide(&p, 1, FAIL_HTTP, 503, "0", 5000, 35000);
    ok(d.verdict == RETRY_YES && d.retry_after && d.delay_ms == 0 && d.due == 5000,
       "Retry-After 0 retries at once");
    d = decide(&p, 1, FAIL_HTTP, 429, "60", 5000, 35000);
    ok(d.verdict == RETRY_YES && d.delay_ms == 10000 && d.due == 15000 && d.pause_until == 15000,
       "Retry-After is capped by --retry-max-delay, and so is the host's pause");
    d = decide(&p, 1, FAIL_HTTP, 429, "5", 5000, 8000);
    ok(d.verdict == RETRY_NO_ROOM && d.delay_ms == 5000 && d.retry_after,
       "Retry-After past the deadline fails the record at once");
    ok(d.pause_host && d.pause_until == 10000, "the host is paused all the same");
    d = decide(&p, 1, FAIL_HTTP, 500, "2", 5000, 35000);
    ok(d.verdict == RETRY_YES && !d.retry_after && d.delay_ms == 100 && !d.pause_host,
       "Retry-After on a 500 is ignored");
    d = decide(&p, 1, FAIL_HTTP, 429, "whenever", 5000, 35000);
    ok(d.verdict == RETRY_YES && !d.retry_after && d.delay_ms == 100 && !d.pause_host,
       "an unparseable Retry-After falls back on the computed delay");
    d = decide(&p, 4, FAIL_HTTP, 429, "2", 5000, 35000);
    ok(d.verdict == RETRY_EXHAUSTED && d.pause_host && d.pause_until == 7000,
       "a 429 not retried still pauses its host");
    struct enrich_retry only_5xx = p;
    retry_on_parse("5xx", &only_5xx.on);
    d = decide(&only_5xx, 1, FAIL_HTTP, 429, "2", 5000, 35000);
    ok(d.verdict == RETRY_NOT_ON && d.pause_host && d.pause_until == 7000,
       "a 429 not in --retry-on still pauses its host");

    /* Jitter comes from the caller's random number. */
    struct enrich_retry j = p;
    j.jitter = 1;
    struct retry_attempt a = {3, FAIL_TIMEOUT, 0, 0, NULL};
    d = retry_decide(&j, &a, 1000, 100000, JAN_2024, 0.25);
    ok(d.verdict == RETRY_YES && d.delay_ms == 100 && d.due == 1100,
       "jitter: a quarter of 401 values from 0 to 400");
    a.kind = FAIL_HTTP, a.status = 429, a.retry_after = "3";
    d = retry_decide(&j, &a, 1000, 100000, JAN_2024, 0.25);
    ok(d.delay_ms == 3000, "no jitter on a server's Retry-After");

    /* Empty results. */
    struct enrich_retry e = p;
    retry_on_parse("empty", &e.on);
    struct retry_attempt empty = {1, FAIL_NONE, 200, 1, NULL};
    d = retry_decide(&e, &empty, 0, 30000, JAN_2024, 0);
    ok(d.verdict == RETRY_YES && d.due == 100, "an empty result is retried with --retry-on empty");
    empty.attempts = 4;
    d = retry_decide(&e, &empty, 0, 30000, JAN_2024, 0);
    ok(d.verdict == RETRY_EXHAUSTED, "an empty result is kept once retries run out");
    empty.attempts = 1;
    d = retry_decide(&p, &empty, 0, 30000, JAN_2024, 0);
    ok(d.verdict == RETRY_NOT_ON, "an empty result is not retried by default");

    is_str(retry_verdict_text(RETRY_NO_ROOM), "the deadline left no room for a retry",
           "the deadline's message");
    is_str(retry_verdict_text(RETRY_NOT_ON), "not in --retry-on", "the not-retried message");
    is_str(retry_verdict_text(RETRY_EXHAUSTED), "retries exhausted", "the exhausted message");
}

int main(void)
{
    test_defaults();
    test_delays();
    test_jitter();
    test_retry_on_parse();
    test_predicates();
    test_retry_after();
    test_decide();
    return tap_done();
}
