/* Option values: durations, sizes, --ok lists, numbers and --max-failures. */
#include "enrich.h"

#include "tap.h"

static void duration(const char *text, long want)
{
    long ms = -1;
    int rc = enrich_parse_duration(text, &ms);
    ok(rc == 0 && ms == want, "duration '%s' is %ld ms (got rc %d, %ld)", text, want, rc, ms);
}

static void bad_duration(const char *text)
{
    long ms = -1;
    ok(enrich_parse_duration(text, &ms) < 0, "duration '%s' is refused", text);
}

static void size(const char *text, size_t want)
{
    size_t bytes = 0;
    int rc = enrich_parse_size(text, &bytes);
    ok(rc == 0 && bytes == want, "size '%s' is %zu bytes (got rc %d, %zu)", text, want, rc, bytes);
}

static void bad_size(const char *text)
{
    size_t bytes = 7;
    ok(enrich_parse_size(text, &bytes) < 0 && bytes == 7, "size '%s' is refused", text);
}

static void number(const char *text, double want)
{
    double v = -1;
    int rc = enrich_parse_number(text, &v);
    ok(rc == 0 && v == want, "number '%s' is %g (got rc %d, %g)", text, want, rc, v);
}

static void bad_number(const char *text)
{
    double v = -1;
    ok(enrich_parse_number(text, &v) < 0 && v == -1, "number '%s' is refused", text);
}

static void max_failures(const char *text, unsigned long count, double percent)
{
    unsigned long c = 7;
    double p = 7;
    int rc = enrich_parse_max_failures(text, &c, &p);
    ok(rc == 0 && c == count && p == percent,
       "--max-failures '%s' is %lu, %g%% (got rc %d, %lu, %g)", text, count, percent, rc, c, p);
}

static void bad_max_failures(const char *text)
{
    unsigned long c = 7;
    double p = 7;
    ok(enrich_parse_max_failures(text, &c, &p) < 0 && c == 7 && p == 7,
       "--max-failures '%s' is refused", text);
}

int main(void)
{
    duration("250ms", 250);
    duration("2s", 2000);
    duration("1.5m", 90000);
    duration("1h", 3600000);
    duration("3", 3000);
    duration("0.5", 500);
    bad_duration("");
    bad_duration("abc");
    bad_duration("-1s");
    bad_duration("5d");
    bad_duration("2 s");
    bad_duration("1e99h");

    /* Decimal numbers: an optional fraction, nothing else strtod would take. */
    duration(".5s", 500);
    duration(".5", 500);
    duration("007s", 7000);
    duration("0.25ms", 1);
    duration("0.0001s", 1);
    duration("1.0001ms", 2);
    duration("0s", 0);
    bad_duration("0x1");
    bad_duration("0x1s");
    bad_duration("1e0");
    bad_duration("1e3ms");
    bad_duration("2.s");
    bad_duration("2.");
    bad_duration(".");
    bad_duration(".s");
    bad_duration("s");
    bad_duration("ms");
    bad_duration("+1s");
    bad_duration(" 2s");
    bad_duration("2s ");
    bad_duration("1.5.5s");
    bad_duration("1,5s");
    bad_duration("1S");
    bad_duration("inf");
    bad_duration("nan");
    bad_duration("99999999999999999999999s");
    bad_duration("277778h");
    duration("277777h", 999997200000);

    /* Compound durations: units in decreasing order, each at most once. */
    duration("1h30m", 5400000);
    duration("1m30s", 90000);
    duration("1s500ms", 1500);
    duration("1h1m1s1ms", 3661001);
    duration("1h0m", 3600000);
    duration("1h1s", 3601000);
    duration("1.5h30m", 7200000);
    duration("1m0.5s", 60500);
    duration("1.0007s1.7ms", 1003);
    bad_duration("1m1h");
    bad_duration("30s1m");
    bad_duration("1ms1s");
    bad_duration("1s1s");
    bad_duration("1msms");
    bad_duration("1mss");
    bad_duration("1h30");
    bad_duration("30 1h");
    bad_duration("1h 30m");
    bad_duration("1h-30m");

    size("1", 1);
    size("1024", 1024);
    size("1K", 1024);
    size("1k", 1024);
    size("01K", 1024);
    size("64M", (size_t)64 << 20);
    size("64m", (size_t)64 << 20);
    size("2G", (size_t)2 << 30);
    size("64G", (size_t)64 << 30);
    size("68719476736", (size_t)64 << 30);
    bad_size("68719476737");
    bad_size("65G");
    bad_size("65537M");
    bad_size("99999999999999999999999");
    bad_size("99999999999999999G");
    bad_size("0");
    bad_size("0K");
    bad_size("");
    bad_size("K");
    bad_size("1KB");
    bad_size("1KiB");
    bad_size("1T");
    bad_size("1.5M");
    bad_size("-1");
    bad_size("+1");
    bad_size(" 1");
    bad_size("1 K");
    bad_size("1K ");
    bad_size("0x10");

    struct enrich_ok_set set;
    ok(enrich_parse_ok("2xx,404", &set) == 0, "2xx,404 parses");
    ok(enrich_ok_has(&set, 200) && enrich_ok_has(&set, 299) && enrich_ok_has(&set, 404),
       "2xx and 404 are in the set");
    ok(!enrich_ok_has(&set, 300) && !enrich_ok_has(&set, 403) && !enrich_ok_has(&set, 199),
       "300, 403 and 199 are not");
    ok(!enrich_ok_has(&set, 1000) && !enrich_ok_has(&set, -1), "out of range is never ok");
    ok(enrich_parse_ok("3XX", &set) == 0 && enrich_ok_has(&set, 302) && !enrich_ok_has(&set, 200),
       "3XX replaces the set");
    ok(enrich_parse_ok("2xx,", &set) < 0, "a trailing comma is refused");
    ok(enrich_parse_ok("20", &set) < 0, "two digits are refused");
    ok(enrich_parse_ok("0xx", &set) < 0, "0xx is refused");
    ok(enrich_parse_ok("2x5", &set) < 0, "2x5 is refused");
    ok(enrich_parse_ok("", &set) < 0, "empty is refused");

    number("2", 2);
    number("1.5", 1.5);
    number(".25", 0.25);
    number("0", 0);
    number("007", 7);
    number("1000000000000", 1e12);
    bad_number("");
    bad_number("2.");
    bad_number(".");
    bad_number("-1");
    bad_number("+1");
    bad_number("1e3");
    bad_number("0x10");
    bad_number(" 1");
    bad_number("1 ");
    bad_number("inf");
    bad_number("nan");
    bad_number("1000000000001");

    max_failures("1", 1, 0);
    max_failures("50", 50, 0);
    max_failures("1000000000", 1000000000, 0);
    max_failures("5%", 0, 5);
    max_failures("0.5%", 0, 0.5);
    max_failures("100%", 0, 100);
    bad_max_failures("0");
    bad_max_failures("0%");
    bad_max_failures("100.5%");
    bad_max_failures("101%");
    bad_max_failures("1000000001");
    bad_max_failures("99999999999999999999999");
    bad_max_failures("1.5");
    bad_max_failures("");
    bad_max_failures("%");
    bad_max_failures("5 %");
    bad_max_failures("5%%");
    bad_max_failures("-5");
    bad_max_failures("five");
    return tap_done();
}
