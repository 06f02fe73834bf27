/* Parsing option values that need more than strtol: durations and --ok
 * lists. Pure functions, unit tested in tests/unit/test_parse.c. */
#include "enrich.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void enrich_options_init(struct enrich_options *o)
{
    memset(o, 0, sizeof(*o));
    o->into = "response";
    o->error_into = "error";
    enrich_parse_ok("2xx", &o->ok);
    o->capacity = 100;
    o->timeout_ms = 30000;
    o->max_response_size = (size_t)64 << 20;
    o->on_error = ENRICH_KEEP;
    o->signal_fd = -1;
}

int enrich_parse_duration(const char *text, long *ms)
{
    static const struct {
        const char *suffix;
        double ms;
    } units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"", 1000}};
    if (!text || !isdigit((unsigned char)text[0]))
        return -1;
    errno = 0;
    char *end;
    double v = strtod(text, &end);
    if (errno || end == text)
        return -1;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(end, units[i].suffix) != 0)
            continue;
        double total = v * units[i].ms;
        if (!isfinite(total) || total > 1e12)
            return -1;
        *ms = (long)ceil(total);
        return 0;
    }
    return -1;
}

/* One item of an --ok list: "2xx" or "404". */
static int parse_ok_item(const char *p, size_t n, struct enrich_ok_set *set)
{
    if (n != 3 || p[0] < '1' || p[0] > '9')
        return -1;
    if ((p[1] == 'x' || p[1] == 'X') && (p[2] == 'x' || p[2] == 'X')) {
        int base = (p[0] - '0') * 100;
        for (int s = base; s < base + 100; s++)
            set->bits[s / 8] |= (unsigned char)(1u << (s % 8));
        return 0;
    }
    if (!isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]))
        return -1;
    int s = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
    set->bits[s / 8] |= (unsigned char)(1u << (s % 8));
    return 0;
}

int enrich_parse_ok(const char *text, struct enrich_ok_set *set)
{
    struct enrich_ok_set tmp;
    memset(&tmp, 0, sizeof(tmp));
    const char *p = text;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (parse_ok_item(p, n, &tmp) < 0)
            return -1;
        if (!comma)
            break;
        p = comma + 1;
    }
    *set = tmp;
    return 0;
}

int enrich_ok_has(const struct enrich_ok_set *set, long status)
{
    if (status < 0 || status >= 1000)
        return 0;
    return (set->bits[status / 8] >> (status % 8)) & 1;
}
