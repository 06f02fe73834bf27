/* The retry policy (SPEC section 4): whether a failed attempt is tried
 * again, and when. Pure: no clock and no randomness of its own; the times
 * and a random number come in as arguments. The loop calls retry_decide once
 * when an attempt ends in a failure (or an empty result) and, on RETRY_YES,
 * arms a timer at the due time it returns. */
#ifndef ENRICH_RETRY_H
#define ENRICH_RETRY_H

#include <stdint.h>

#include "enrich.h"
#include "failure.h"

/* --retry-on's default. */
#define RETRY_ON_DEFAULT "connect,timeout,429,5xx"

/* Set p to the defaults: no retries; exponential backoff from 100 ms,
 * multiplier 2, at most 10 s; no jitter; --retry-on RETRY_ON_DEFAULT. */
void retry_policy_init(struct enrich_retry *p);

/* Parse a --retry-on list into *on, replacing what it held. Items, comma
 * separated, no spaces:
 *   connect, timeout, tls, resource  failures of that kind
 *   4xx, 5xx (any Nxx), 429 (any status code 100 to 999)
 *                                    http failures with those statuses
 *   empty                            a success whose result is empty (see
 *                                    struct retry_attempt)
 *   all                              every kind a retry can change: connect,
 *                                    timeout, http (any status), bad_response,
 *                                    tls, resource; not empty, nor the kinds
 *                                    about the record itself (missing_field,
 *                                    bad_request, invalid_json, not_object)
 * Returns 0, or -1 on an unknown or empty item (*on untouched). */
int retry_on_parse(const char *text, struct enrich_retry_on *on);

/* 1 if on says to retry an attempt that ended so: a failure of kind (status
 * for http), or, with empty set, an empty result; else 0. */
int retry_on_matches(const struct enrich_retry_on *on, enum fail_kind kind, long status, int empty);

/* The delay before retry k (1 for the first retry), in ms: delay_ms for
 * fixed backoff, delay_ms * multiplier^(k-1) for exponential (rounded to the
 * nearest ms), either way at most max_delay_ms. With jitter, uniform in
 * [0, that delay], drawn from random01 (in [0, 1); not used without jitter).
 * The same for every record: a pure function of k. */
long retry_delay_ms(const struct enrich_retry *p, int k, double random01);

/* A Retry-After header's value (RFC 9110 section 10.2.3): delay-seconds (a
 * non-negative integer) or an HTTP-date in any of its three forms
 * (IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", the obsolete RFC 850
 * "Sunday, 06-Nov-94 08:49:37 GMT" and asctime "Sun Nov  6 08:49:37 1994"),
 * spaces and tabs around it ignored. wall_now_ms: the wall-clock time in ms
 * since the Unix epoch, which a date is measured from. Returns the wait in
 * ms from now: 0 for a date in the past, at most RETRY_AFTER_MAX_MS; or -1
 * when value is NULL or not one of these forms. */
long long retry_after_ms(const char *value, long long wall_now_ms);
#define RETRY_AFTER_MAX_MS 1000000000000LL /* a duration's limit, about 31 years */

/* A random number in [0, 1) for retry_delay_ms's jitter, from a splitmix64
 * generator whose state the caller keeps (seed it with any value). */
double retry_random(uint64_t *state);

/* How an attempt ended, as far as retrying goes. */
struct retry_attempt {
    int attempts;        /* attempts made, the one that just ended included (>= 1) */
    enum fail_kind kind; /* FAIL_NONE for a success */
    long status;         /* the HTTP status when a response arrived, else 0 */
    /* The result is empty (Flink's empty result): a success whose selected
     * result is null, "", [] or {} (kind FAIL_NONE), or a response whose
     * --select path is absent (kind FAIL_BAD_RESPONSE). Retried with
     * --retry-on empty; when not retried the caller keeps the result (or the
     * bad_response failure) as it is. */
    int empty;
    const char *retry_after; /* the response's Retry-After value, or NULL */
};

enum retry_verdict {
    RETRY_YES,       /* try again at due */
    RETRY_NOT_ON,    /* not in --retry-on (or not a failure at all) */
    RETRY_EXHAUSTED, /* --retry retries were made already (always so with --retry 0) */
    RETRY_NO_ROOM    /* the delay would end at or after the record's deadline */
};

struct retry_decision {
    enum retry_verdict verdict;
    long long due; /* RETRY_YES: when the next attempt may start (now's clock) */
    /* RETRY_YES and RETRY_NO_ROOM: the delay chosen, from Retry-After when
     * retry_after is 1, else computed; 0 otherwise. */
    long delay_ms;
    int retry_after;
    /* A 429 or 503 with a valid Retry-After pauses new starts to its host
     * until pause_until (now's clock; Retry-After capped by max_delay_ms but
     * not by this record's deadline), whatever the verdict: pause_host is 1.
     * Else pause_host is 0. */
    int pause_host;
    long long pause_until;
};

/* Decide whether the attempt a, which ended at now, is followed by another.
 * In this order: an attempt --retry-on does not match is not retried
 * (RETRY_NOT_ON); nor is one after max_retries retries (RETRY_EXHAUSTED).
 * Otherwise the delay is retry_delay_ms(p, a->attempts, random01), or, for a
 * 429 or 503 with a valid Retry-After, that value capped by max_delay_ms;
 * it counts from now. A retry is never scheduled at or past deadline (the
 * record's, on now's clock): then the record fails at once with its last
 * failure (RETRY_NO_ROOM). */
struct retry_decision retry_decide(const struct enrich_retry *p, const struct retry_attempt *a,
                                   long long now, long long deadline, long long wall_now_ms,
                                   double random01);

/* A few words for a verdict, for messages: "retrying", "not in --retry-on",
 * "retries exhausted", "the deadline left no room for a retry". */
const char *retry_verdict_text(enum retry_verdict v);

#endif
