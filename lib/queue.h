/* The completion queue: a fixed pool of record slots and the order in which
 * finished records leave. Ordered mode releases only the oldest admitted
 * record, and only once it is done; unordered mode releases records in the
 * order they finished. Pure bookkeeping: no I/O, no clock. */
#ifndef ENRICH_QUEUE_H
#define ENRICH_QUEUE_H

#include <stddef.h>

struct queue; /* opaque */

/* A queue of `capacity` slots (>= 1). Returns NULL when out of memory. */
struct queue *queue_new(size_t capacity, int ordered);
void queue_free(struct queue *q);

/* Slots currently held (admitted and not yet released). */
size_t queue_held(const struct queue *q);
int queue_full(const struct queue *q);

/* Take a free slot for a newly read record. Returns its index in
 * [0, capacity), or -1 when every slot is held. */
long queue_admit(struct queue *q);
/* Mark a held slot as finished (success or failure). */
void queue_done(struct queue *q, size_t slot);
/* The next slot that may be written, or -1 if none is ready yet. The slot
 * stays held until queue_release. */
long queue_ready(const struct queue *q);
/* Release the slot returned by queue_ready. */
void queue_release(struct queue *q, size_t slot);

#endif
