/* Timers: when each owner (a record slot, say) next wants the loop's
 * attention. A binary min-heap of (due time, owner), at most one timer per
 * owner, sized once for a fixed number of owners. Pure: no clock, time comes
 * in as an argument (milliseconds on any monotonic scale), so the loop's
 * wait can end at the earliest due time and tests can drive it directly. */
#ifndef ENRICH_TIMERS_H
#define ENRICH_TIMERS_H

#include <stddef.h>

struct timers; /* opaque */

/* Timers for owners 0 .. owners-1. Returns NULL when out of memory. */
struct timers *timers_new(size_t owners);
void timers_free(struct timers *t);

/* Set owner's timer to fire at due, replacing any it had. Timers due at the
 * same time fire in the order they were set. */
void timers_set(struct timers *t, size_t owner, long long due);
/* Remove owner's timer, if it has one. */
void timers_cancel(struct timers *t, size_t owner);
/* 1 if owner has a timer (its due time in *due, if not NULL), else 0. */
int timers_get(const struct timers *t, size_t owner, long long *due);
size_t timers_count(const struct timers *t);

/* The earliest due time in *due: returns 1, or 0 when no timer is set. */
int timers_next(const struct timers *t, long long *due);
/* Milliseconds from now until the earliest timer (0 if one is due already),
 * capped at cap; cap when no timer is set. For the loop's wait. */
long long timers_wait_ms(const struct timers *t, long long now, long long cap);
/* Take one timer due at or before now: returns 1 with its owner in *owner
 * (the timer is removed), or 0 when none is due. */
int timers_pop_due(struct timers *t, long long now, size_t *owner);

#endif
