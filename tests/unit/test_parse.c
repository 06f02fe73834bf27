/* Option values: durations and --ok lists. */
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
    return tap_done();
}
