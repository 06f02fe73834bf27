/* The retry policy; see retry.h. Retry-After dates are read by hand, with
 * calendar arithmetic of our own: strptime and timegm depend on the locale
 * and the time zone, and this must not. */
#include "retry.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

void retry_policy_init(struct enrich_retry *p)
{
    memset(p, 0, sizeof(*p));
    p->max_retries = 0;
    p->backoff = ENRICH_BACKOFF_EXPONENTIAL;
    p->delay_ms = 100;
    p->max_delay_ms = 10000;
    p->multiplier = 2;
    p->jitter = 0;
    retry_on_parse(RETRY_ON_DEFAULT, &p->on);
}

#define KIND_BIT(kind) (1u << (kind))

/* Every kind a retry can change; the others are about the record, or (interrupted) about
 * this run, which is stopping. */
#define ALL_KINDS                                                                                  \
    (KIND_BIT(FAIL_CONNECT) | KIND_BIT(FAIL_TIMEOUT) | KIND_BIT(FAIL_HTTP) |                       \
     KIND_BIT(FAIL_BAD_RESPONSE) | KIND_BIT(FAIL_TLS) | KIND_BIT(FAIL_RESOURCE))

static const struct {
    const char *name;
    unsigned kinds;
} kind_items[] = {
    {"connect", KIND_BIT(FAIL_CONNECT)},
    {"timeout", KIND_BIT(FAIL_TIMEOUT)},
    {"tls", KIND_BIT(FAIL_TLS)},
    {"resource", KIND_BIT(FAIL_RESOURCE)},
    {"all", ALL_KINDS},
};

/* One item of a --retry-on list, p[0..n), added to on. */
static int parse_item(const char *p, size_t n, struct enrich_retry_on *on)
{
    if (n == 5 && memcmp(p, "empty", 5) == 0) {
        on->empty = 1;
        return 0;
    }
    for (size_t i = 0; i < sizeof(kind_items) / sizeof(kind_items[0]); i++) {
        if (strlen(kind_items[i].name) == n && memcmp(p, kind_items[i].name, n) == 0) {
            on->kinds |= kind_items[i].kinds;
            return 0;
        }
    }
    /* A status or a class, exactly as --ok takes them. */
    char item[4];
    struct enrich_ok_set one;
    if (n != 3)
        return -1;
    memcpy(item, p, 3);
    item[3] = '\0';
    if (enrich_parse_ok(item, &one) < 0)
        return -1;
    for (size_t i = 0; i < sizeof(one.bits); i++)
        on->statuses.bits[i] |= one.bits[i];
    return 0;
}

int retry_on_parse(const char *text, struct enrich_retry_on *on)
{
    struct enrich_retry_on tmp;
    memset(&tmp, 0, sizeof(tmp));
    const char *p = text;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (parse_item(p, n, &tmp) < 0)
            return -1;
        if (!comma)
            break;
        p = comma + 1;
    }
    *on = tmp;
    return 0;
}

int retry_on_matches(const struct enrich_retry_on *on, enum fail_kind kind, long status, int empty)
{
    if (empty && on->empty)
        return 1;
    if (kind == FAIL_NONE || (unsigned)kind >= 32)
        return 0;
    if (on->kinds & KIND_BIT(kind))
        return 1;
    return kind == FAIL_HTTP && enrich_ok_has(&on->statuses, status);
}

long retry_delay_ms(const struct enrich_retry *p, int k, double random01)
{
    double d = (double)p->delay_ms, cap = (double)p->max_delay_ms;
    /* Multiplying step by step stops as soon as the cap is reached, so a
     * large k never overflows. */
    if (p->backoff == ENRICH_BACKOFF_EXPONENTIAL)
        for (int i = 1; i < k && d < cap; i++)
            d *= p->multiplier;
    if (d > cap)
        d = cap;
    long ms = (long)(d + 0.5);
    if (!p->jitter)
        return ms;
    /* Full jitter: floor(r * (ms + 1)) is uniform over 0 .. ms. */
    if (!(random01 > 0))
        return 0;
    long j = (long)(random01 * ((double)ms + 1));
    return j > ms ? ms : j;
}

double retry_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1.0p-53; /* 53 bits: every value exact, below 1 */
}

/* Calendar arithmetic, proleptic Gregorian (Howard Hinnant's algorithms). */
static long long days_from_civil(long long y, int m, int d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static long long year_from_days(long long z)
{
    z += 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    long long doe = z - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long long mp = (5 * doy + 2) / 153;
    return yoe + era * 400 + (mp >= 10); /* March-based: January and February are next year's */
}

static int days_in_month(long long y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return days[m - 1] + (m == 2 && leap);
}

/* A cursor over the date's text. Names compare without regard to case: RFC
 * 9110 makes them case-sensitive, but reading "sun" is harmless. */
struct scan {
    const char *p, *end;
};

static int word(struct scan *s, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(s->end - s->p) < n || strncasecmp(s->p, w, n) != 0)
        return 0;
    s->p += n;
    return 1;
}

/* Exactly n digits. */
static int digits(struct scan *s, int n, int *v)
{
    if (s->end - s->p < n)
        return 0;
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s->p[i]))
            return 0;
        *v = *v * 10 + (s->p[i] - '0');
    }
    s->p += n;
    return 1;
}

static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static int month(struct scan *s, int *m)
{
    for (int i = 0; i < 12; i++)
        if (word(s, months[i])) {
            *m = i + 1;
            return 1;
        }
    return 0;
}

static const char *const days_short[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
static const char *const days_long[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                        "Friday", "Saturday", "Sunday"};

/* A day name, which the date does not need: it is read, not checked. */
static int day_name(struct scan *s, const char *const *names)
{
    for (int i = 0; i < 7; i++)
        if (word(s, names[i]))
            return 1;
    return 0;
}

struct date {
    long long year;
    int month, day, hour, minute, second;
};

/* time-of-day: HH:MM:SS. */
static int time_of_day(struct scan *s, struct date *d)
{
    return digits(s, 2, &d->hour) && word(s, ":") && digits(s, 2, &d->minute) && word(s, ":") &&
           digits(s, 2, &d->second);
}

/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT". */
static int imf_fixdate(struct scan s, struct date *d)
{
    int year;
    if (!(day_name(&s, days_short) && word(&s, ", ") && digits(&s, 2, &d->day) && word(&s, " ") &&
          month(&s, &d->month) && word(&s, " ") && digits(&s, 4, &year) && word(&s, " ") &&
          time_of_day(&s, d) && word(&s, " GMT")))
        return 0;
    d->year = year;
    return s.p == s.end;
}

/* RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT". The two-digit year is the one
 * RFC 9110 says: not more than 50 years after this one, else a century
 * earlier. */
static int rfc850_date(struct scan s, long long this_year, struct date *d)
{
    int yy;
    if (!(day_name(&s, days_long) && word(&s, ", ") && digits(&s, 2, &d->day) && word(&s, "-") &&
          month(&s, &d->month) && word(&s, "-") && digits(&s, 2, &yy) && word(&s, " ") &&
          time_of_day(&s, d) && word(&s, " GMT")))
        return 0;
    d->year = this_year - this_year % 100 + yy;
    if (d->year > this_year + 50)
        d->year -= 100;
    return s.p == s.end;
}

/* asctime: "Sun Nov  6 08:49:37 1994", a day below 10 after two spaces. */
static int asctime_date(struct scan s, struct date *d)
{
    int year;
    if (!(day_name(&s, days_short) && word(&s, " ") && month(&s, &d->month) && word(&s, " ")))
        return 0;
    if (!(word(&s, " ") ? digits(&s, 1, &d->day) : digits(&s, 2, &d->day)))
        return 0;
    if (!(word(&s, " ") && time_of_day(&s, d) && word(&s, " ") && digits(&s, 4, &year)))
        return 0;
    d->year = year;
    return s.p == s.end;
}

static int date_valid(const struct date *d)
{
    return d->day >= 1 && d->day <= days_in_month(d->year, d->month) && d->hour <= 23 &&
           d->minute <= 59 && d->second <= 60; /* 60: a leap second */
}

static long long floor_div(long long a, long long b)
{
    return a / b - (a % b < 0);
}

long long retry_after_ms(const char *value, long long wall_now_ms)
{
    if (!value)
        return -1;
    struct scan s = {value, value + strlen(value)};
    while (s.p < s.end && (*s.p == ' ' || *s.p == '\t'))
        s.p++;
    while (s.end > s.p && (s.end[-1] == ' ' || s.end[-1] == '\t'))
        s.end--;
    if (s.p == s.end)
        return -1;
    size_t n = strspn(s.p, "0123456789");
    if (s.p + n == s.end) {
        long long ms = 0;
        for (const char *p = s.p; p < s.end && ms < RETRY_AFTER_MAX_MS; p++)
            ms = ms * 10 + (*p - '0') * 1000LL;
        return ms < RETRY_AFTER_MAX_MS ? ms : RETRY_AFTER_MAX_MS;
    }
    long long today = floor_div(wall_now_ms, 86400000);
    struct date d;
    if (!imf_fixdate(s, &d) && !rfc850_date(s, year_from_days(today), &d) && !asctime_date(s, &d))
        return -1;
    if (!date_valid(&d))
        return -1;
    long long secs = days_from_civil(d.year, d.month, d.day) * 86400 + d.hour * 3600LL +
                     d.minute * 60LL + d.second;
    long long wait = secs * 1000 - wall_now_ms;
    if (wait < 0)
        return 0;
    return wait < RETRY_AFTER_MAX_MS ? wait : RETRY_AFTER_MAX_MS;
}

struct retry_decision retry_decide(const struct enrich_retry *p, const struct retry_attempt *a,
                                   long long now, long long deadline, long long wall_now_ms,
                                   double random01)
{
    struct retry_decision d;
    memset(&d, 0, sizeof(d));
    long long after = -1;
    if (a->kind == FAIL_HTTP && (a->status == 429 || a->status == 503))
        after = retry_after_ms(a->retry_after, wall_now_ms);
    if (after > p->max_delay_ms)
        after = p->max_delay_ms;
    if (after >= 0) {
        d.pause_host = 1;
        d.pause_until = now + after;
    }
    if (!retry_on_matches(&p->on, a->kind, a->status, a->empty)) {
        d.verdict = RETRY_NOT_ON;
        return d;
    }
    if (a->attempts > p->max_retries) {
        d.verdict = RETRY_EXHAUSTED;
        return d;
    }
    d.retry_after = after >= 0;
    d.delay_ms = d.retry_after ? (long)after : retry_delay_ms(p, a->attempts, random01);
    /* An attempt started at the deadline would have no time at all. */
    if (now + d.delay_ms >= deadline) {
        d.verdict = RETRY_NO_ROOM;
        return d;
    }
    d.verdict = RETRY_YES;
    d.due = now + d.delay_ms;
    return d;
}

const char *retry_verdict_text(enum retry_verdict v)
{
    switch (v) {
    case RETRY_YES: return "retrying";
    case RETRY_NOT_ON: return "not in --retry-on";
    case RETRY_EXHAUSTED: return "retries exhausted";
    case RETRY_NO_ROOM: return "the deadline left no room for a retry";
    }
    return "unknown";
}
