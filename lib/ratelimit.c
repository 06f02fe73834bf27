/* The start rate's token bucket; see ratelimit.h. */
#include "ratelimit.h"

#include <math.h>

#define RATELIMIT_MAX_INTERVAL 1e12

void ratelimit_init(struct ratelimit *r, double per_ms, double burst, long long now)
{
    if (!(burst >= 1))
        burst = 1;
    r->interval = per_ms > 0 ? 1 / per_ms : 0;
    /* Slower than one start in a duration's limit (about 31 years) is
     * refused by enrich_parse_rate; here it keeps ratelimit_next in range. */
    if (r->interval > RATELIMIT_MAX_INTERVAL)
        r->interval = RATELIMIT_MAX_INTERVAL;
    r->tolerance = (burst - 1) * r->interval;
    r->origin = now;
    r->full_at = 0;
}

/* When the next token is there, ms after origin. take and next both compare
 * against this one expression, so they cannot disagree by a rounding. */
static double available_at(const struct ratelimit *r)
{
    return r->full_at - r->tolerance;
}

int ratelimit_take(struct ratelimit *r, long long now)
{
    if (r->interval == 0)
        return 1;
    double t = (double)(now - r->origin);
    if (t < available_at(r))
        return 0;
    /* A bucket left alone fills up and stops there: full_at is never
     * earlier than now, so tokens do not pile up past burst. */
    r->full_at = (r->full_at > t ? r->full_at : t) + r->interval;
    return 1;
}

long long ratelimit_next(const struct ratelimit *r, long long now)
{
    if (r->interval == 0)
        return now;
    double at = ceil(available_at(r));
    long long next = r->origin + (long long)at;
    return next > now ? next : now;
}
