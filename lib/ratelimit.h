/* The rate limit on request starts (--rate, --burst): a token bucket that
 * holds up to burst tokens, gains per_ms of one every millisecond, and
 * starts full. Each start, retries included, takes a token. Pure: time comes
 * in as an argument (milliseconds on any monotonic scale), so the loop asks
 * ratelimit_take before a start and, when it says no, arms a timer at
 * ratelimit_next; nothing in it can wait or spin.
 *
 * The bucket is kept as the time it will be full again (GCRA, the "virtual
 * scheduling" form of a token bucket): one number, no drift from adding up
 * fractions of tokens, and a ratelimit_take at the time ratelimit_next
 * returns always succeeds. */
#ifndef ENRICH_RATELIMIT_H
#define ENRICH_RATELIMIT_H

/* The fields are private; the struct is here so callers can hold one. */
struct ratelimit {
    double interval;  /* ms per token; 0: no limit */
    double tolerance; /* (burst - 1) * interval: how far ahead of full a take may run */
    long long origin; /* times are kept relative to this, for precision */
    double full_at;   /* when the bucket is full again, ms after origin */
};

/* A bucket of burst tokens (at least 1; less counts as 1) gaining per_ms
 * tokens a millisecond, full at now. per_ms <= 0: no limit, every take
 * succeeds. */
void ratelimit_init(struct ratelimit *r, double per_ms, double burst, long long now);

/* Take a token at now: returns 1 (start now), or 0 when none is available
 * yet (nothing changes; ratelimit_next says when one will be). */
int ratelimit_take(struct ratelimit *r, long long now);

/* The earliest time, at or after now, at which ratelimit_take succeeds. */
long long ratelimit_next(const struct ratelimit *r, long long now);

#endif
