/* The completion queue: a fixed pool of record slots, the order they were
 * admitted in, and the order in which finished records leave. Ordered mode
 * releases only the oldest admitted record, once it is done; unordered mode
 * releases records in the order they finished. The queue is the only place
 * that knows output order; whether a record is done is the record's own
 * business (record.h), so ordered mode asks through a callback. The oldest
 * record still held, in either mode, is the low-water mark below which
 * every record has left. Pure bookkeeping: no I/O, no clock. */
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
/* A held slot's record finished: in unordered mode it lines up to leave
 * (once, however often this is called). Nothing to do in ordered mode. */
void queue_done(struct queue *q, size_t slot);
/* The next slot that may leave, or -1 if none is ready yet. is_done says
 * whether a slot's record is done (ordered mode asks it of the oldest).
 * The slot stays held until queue_release. */
long queue_ready(const struct queue *q, int (*is_done)(const void *ctx, size_t slot),
                 const void *ctx);
/* Release the slot returned by queue_ready. */
void queue_release(struct queue *q, size_t slot);
/* The oldest admitted slot still held, or -1 when none is. */
long queue_oldest(const struct queue *q);

#endif
