/* The gate records pass to start an attempt: records ready to start
 * (QUEUED) wait here, in the order they became ready, for a token of the
 * rate limit (ratelimit.h) and for their host's pause to end (hostpause.h).
 * A record whose host is paused lets the others pass; the rate limit holds
 * everyone. Pure: time comes in as an argument; the loop calls gate_release
 * and arms one timer at gate_wake_at, so nothing spins.
 *
 * Records are known by slot (0 .. slots-1). The host a record goes to is
 * asked of the caller (key_of) only while some host is paused, so the usual
 * run computes no host keys at all. */
#ifndef ENRICH_GATE_H
#define ENRICH_GATE_H

#include <stddef.h>

#include "hostpause.h"
#include "ratelimit.h"

/* Writes slot's host key ("scheme://host:port") into key (n bytes); returns
 * 0, or -1 when it has none (such a record is never held by a pause). */
typedef int (*gate_key_fn)(void *ctx, size_t slot, char *key, size_t n);

struct gate; /* opaque */

/* A gate for slots 0 .. slots-1 with the rate limit of per_ms tokens a ms
 * (<= 0: none) and burst, full at now. Returns NULL when out of memory. */
struct gate *gate_new(size_t slots, double per_ms, double burst, long long now, gate_key_fn key_of,
                      void *ctx);
void gate_free(struct gate *g);

/* slot is ready to start: it waits behind those already waiting. */
void gate_push(struct gate *g, size_t slot);
/* slot no longer waits (it ended: its deadline, an abort). */
void gate_remove(struct gate *g, size_t slot);
size_t gate_waiting(const struct gate *g);

/* Pause new starts to the host key until `until` (a 429 or 503 with
 * Retry-After). */
void gate_pause(struct gate *g, const char *key, long long until, long long now);

/* The slots that may start now, in order, at most max of them, into out
 * (each took a rate token and leaves the gate). Returns how many. */
size_t gate_release(struct gate *g, long long now, size_t *out, size_t max);
/* When gate_release may next let a waiting slot through: the next rate
 * token or the earliest end of a pause holding one; -1 when none waits. */
long long gate_wake_at(const struct gate *g, long long now);

#endif
