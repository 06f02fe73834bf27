/* The completion queue; see queue.h. Three small rings share one
 * allocation: free slots, admission order, and (unordered) completion order. */
#include "queue.h"

#include <stdlib.h>

struct ring {
    size_t *items;
    size_t head, count;
};

struct queue {
    size_t capacity;
    int ordered;
    size_t held;
    unsigned char *done;
    struct ring free_slots;
    struct ring order; /* ordered: admission order; unordered: completion order */
};

static void ring_push(struct ring *r, size_t cap, size_t v)
{
    r->items[(r->head + r->count) % cap] = v;
    r->count++;
}

static size_t ring_pop(struct ring *r, size_t cap)
{
    size_t v = r->items[r->head];
    r->head = (r->head + 1) % cap;
    r->count--;
    return v;
}

struct queue *queue_new(size_t capacity, int ordered)
{
    if (capacity == 0 || capacity > ((size_t)-1) / (3 * sizeof(size_t)))
        return NULL;
    struct queue *q = calloc(1, sizeof(*q));
    if (!q)
        return NULL;
    q->free_slots.items = calloc(capacity, sizeof(size_t));
    q->order.items = calloc(capacity, sizeof(size_t));
    q->done = calloc(capacity, 1);
    if (!q->free_slots.items || !q->order.items || !q->done) {
        queue_free(q);
        return NULL;
    }
    q->capacity = capacity;
    q->ordered = ordered;
    for (size_t i = 0; i < capacity; i++)
        ring_push(&q->free_slots, capacity, i);
    return q;
}

void queue_free(struct queue *q)
{
    if (!q)
        return;
    free(q->free_slots.items);
    free(q->order.items);
    free(q->done);
    free(q);
}

size_t queue_held(const struct queue *q)
{
    return q->held;
}

int queue_full(const struct queue *q)
{
    return q->held == q->capacity;
}

long queue_admit(struct queue *q)
{
    if (q->free_slots.count == 0)
        return -1;
    size_t slot = ring_pop(&q->free_slots, q->capacity);
    q->done[slot] = 0;
    q->held++;
    if (q->ordered)
        ring_push(&q->order, q->capacity, slot);
    return (long)slot;
}

void queue_done(struct queue *q, size_t slot)
{
    if (q->done[slot])
        return;
    q->done[slot] = 1;
    if (!q->ordered)
        ring_push(&q->order, q->capacity, slot);
}

long queue_ready(const struct queue *q)
{
    if (q->order.count == 0)
        return -1;
    size_t slot = q->order.items[q->order.head];
    return q->done[slot] ? (long)slot : -1;
}

void queue_release(struct queue *q, size_t slot)
{
    /* Only the slot queue_ready returned may leave: it is at the ring's head. */
    if (q->order.count == 0 || q->order.items[q->order.head] != slot)
        return;
    ring_pop(&q->order, q->capacity);
    q->done[slot] = 0;
    q->held--;
    ring_push(&q->free_slots, q->capacity, slot);
}
