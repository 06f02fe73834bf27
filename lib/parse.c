/* Parsing option values that need more than strtol: durations, sizes,
 * numbers, rates and --ok lists. Pure functions, unit tested in
 * tests/unit/test_parse.c. */
#include "enrich.h"

#include <ctype.h>
#include <string.h>

#include "retry.h"

void enrich_options_init(struct enrich_options *o)
{
    memset(o, 0, sizeof(*o));
    o->into = "response";
    o->error_into = "error";
    enrich_parse_ok("2xx", &o->ok);
    o->capacity = 100;
    o->timeout_ms = 30000;
    o->on_error = ENRICH_KEEP;
    o->signal_fd = -1;
    o->max_response_size = (size_t)64 << 20;
    retry_policy_init(&o->retry);
    o->burst = 1;
    o->progress_fd = -1;
    o->stats_fd = -1;
    o->max_connections = 0;      /* only the open-file limit's bound */
    o->max_host_connections = 0; /* none */
    o->http2_prior_knowledge = 0;
}

/* Durations are parsed by hand: strtod would also take "0x1", "1e0", "2.",
 * "inf" and leading spaces. The arithmetic is exact in integers: whole
 * milliseconds in one sum, fractions of a component in picoseconds in another,
 * plus a flag for anything finer, so that only a true fraction of a
 * millisecond rounds up. */
#define DURATION_MAX_MS 1000000000000LL /* about 31 years */
#define PS_PER_MS 1000000000LL

/* Units of a compound duration, in the order they must appear. */
enum { UNIT_HOURS, UNIT_MINUTES, UNIT_SECONDS, UNIT_MILLISECONDS };
static const struct {
    const char *name;
    long long ms;
} duration_units[] = {
    [UNIT_HOURS] = {"h", 3600000},
    [UNIT_MINUTES] = {"m", 60000},
    [UNIT_SECONDS] = {"s", 1000},
    [UNIT_MILLISECONDS] = {"ms", 1},
};

#define NDURATION_UNITS (sizeof(duration_units) / sizeof(duration_units[0]))

struct decimal {
    long long whole;  /* the digits before the point, at most DURATION_MAX_MS */
    const char *frac; /* the digits after it */
    size_t frac_len;
};

/* A decimal number at *p: digits with an optional fraction, or a fraction
 * alone (".5"); not "2.", no sign, no exponent. Advances *p past it. */
static int scan_decimal(const char **p, struct decimal *d)
{
    const char *s = *p;
    d->whole = 0;
    size_t int_len = 0;
    for (; isdigit((unsigned char)s[int_len]); int_len++) {
        d->whole = d->whole * 10 + (s[int_len] - '0');
        if (d->whole > DURATION_MAX_MS)
            return -1;
    }
    s += int_len;
    d->frac = NULL;
    d->frac_len = 0;
    if (*s == '.') {
        d->frac = ++s;
        while (isdigit((unsigned char)*s))
            s++;
        d->frac_len = (size_t)(s - d->frac);
        if (d->frac_len == 0)
            return -1;
    } else if (int_len == 0) {
        return -1;
    }
    *p = s;
    return 0;
}

/* The unit at *p (the longest that matches: "ms" is not "m"), as an index
 * into duration_units, or -1. Advances *p past it. */
static int scan_unit(const char **p)
{
    int unit = -1;
    size_t len = 0;
    for (size_t i = 0; i < NDURATION_UNITS; i++) {
        size_t n = strlen(duration_units[i].name);
        if (n > len && strncmp(*p, duration_units[i].name, n) == 0)
            unit = (int)i, len = n;
    }
    *p += len;
    return unit;
}

/* Add d times unit_ms: whole milliseconds to *ms, the fraction's picoseconds
 * to *ps, and set *finer if a part smaller than a picosecond is left over. */
static int add_component(const struct decimal *d, long long unit_ms, long long *ms, long long *ps,
                         int *finer)
{
    *ms += d->whole * unit_ms;
    if (*ms > DURATION_MAX_MS)
        return -1;
    /* Horner's rule from the last digit: v stays below scale, so nothing
     * overflows however many digits the fraction has. */
    long long scale = unit_ms * PS_PER_MS, v = 0;
    for (size_t i = d->frac_len; i-- > 0;) {
        long long n = (d->frac[i] - '0') * scale + v;
        v = n / 10;
        if (n % 10)
            *finer = 1;
    }
    *ps += v;
    return 0;
}

int enrich_parse_duration(const char *text, long *ms)
{
    if (!text || !*text)
        return -1;
    const char *p = text;
    long long total = 0, ps = 0;
    int finer = 0, last_unit = -1;
    while (*p) {
        struct decimal d;
        if (scan_decimal(&p, &d) < 0)
            return -1;
        int unit = scan_unit(&p);
        if (unit < 0 && (*p || last_unit >= 0))
            return -1; /* a bare number is seconds, and only on its own */
        if (unit < 0)
            unit = UNIT_SECONDS;
        else if (unit <= last_unit)
            return -1;
        if (add_component(&d, duration_units[unit].ms, &total, &ps, &finer) < 0)
            return -1;
        last_unit = unit;
    }
    total += ps / PS_PER_MS + (ps % PS_PER_MS || finer);
    if (total > DURATION_MAX_MS)
        return -1;
    *ms = (long)total;
    return 0;
}

/* The value of d; a fraction's digits from the last, so each step is exact
 * to within a rounding. */
static double decimal_value(const struct decimal *d)
{
    double frac = 0;
    for (size_t i = d->frac_len; i-- > 0;)
        frac = (frac + (d->frac[i] - '0')) / 10;
    return (double)d->whole + frac;
}

/* A decimal number at *p, as scan_decimal takes it; advances *p past it. */
static int scan_number(const char **p, double *value)
{
    struct decimal d;
    if (scan_decimal(p, &d) < 0)
        return -1;
    *value = decimal_value(&d);
    return 0;
}

int enrich_parse_number(const char *text, double *value)
{
    double v;
    if (!text || scan_number(&text, &v) < 0 || *text)
        return -1;
    *value = v;
    return 0;
}

/* Starts further apart than a duration can be are refused: the rate limiter
 * then never meets an interval it cannot count in milliseconds. */
#define RATE_MIN_PER_MS (1.0 / DURATION_MAX_MS)

int enrich_parse_rate(const char *text, double *per_ms)
{
    double n;
    if (!text || scan_number(&text, &n) < 0 || n <= 0)
        return -1;
    double unit_ms = 1000;
    if (*text) {
        if (text[0] != '/' || !text[1] || text[2])
            return -1;
        static const char units[] = "smh";
        static const double units_ms[] = {1000, 60000, 3600000};
        const char *u = strchr(units, text[1]);
        if (!u)
            return -1;
        unit_ms = units_ms[u - units];
    }
    double v = n / unit_ms;
    if (v < RATE_MIN_PER_MS)
        return -1;
    *per_ms = v;
    return 0;
}

int enrich_parse_max_failures(const char *text, unsigned long *count, double *percent)
{
    if (!text)
        return -1;
    size_t digits = strspn(text, "0123456789");
    if (digits > 0 && !text[digits]) {
        unsigned long n = 0;
        for (size_t i = 0; i < digits; i++)
            if ((n = n * 10 + (unsigned long)(text[i] - '0')) > 1000000000)
                return -1;
        if (n == 0)
            return -1;
        *count = n;
        *percent = 0;
        return 0;
    }
    double n;
    if (scan_number(&text, &n) < 0 || strcmp(text, "%") != 0 || n <= 0 || n > 100)
        return -1;
    *count = 0;
    *percent = n;
    return 0;
}

int enrich_parse_size(const char *text, size_t *bytes)
{
    unsigned long long v = 0;
    const char *p = text;
    if (!p || !isdigit((unsigned char)*p))
        return -1;
    for (; isdigit((unsigned char)*p); p++) {
        v = v * 10 + (unsigned)(*p - '0');
        if (v > ENRICH_MAX_SIZE)
            return -1;
    }
    static const char suffixes[] = "kmg";
    const char *s = *p ? strchr(suffixes, tolower((unsigned char)*p)) : NULL;
    if (*p && (!s || p[1]))
        return -1;
    for (int shift = s ? 10 * (int)(s - suffixes + 1) : 0; shift > 0; shift -= 10) {
        v <<= 10;
        if (v > ENRICH_MAX_SIZE)
            return -1;
    }
    if (v == 0)
        return -1;
    *bytes = (size_t)v;
    return 0;
}
