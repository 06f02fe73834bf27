/* Sets of HTTP statuses (struct enrich_ok_set): --ok lists, and the
 * statuses --retry-on names. Declared in enrich.h; pure, unit tested in
 * tests/unit/test_parse.c. */
#include "enrich.h"

#include <ctype.h>
#include <string.h>

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
