/* The completion queue; see queue.h. Held slots are kept in admission
 * order in a slot list (unordered mode releases from anywhere in it); free
 * slots and, in unordered mode, the finished slots waiting to leave are
 * rings. */
#include "queue.h"

#include <stdlib.h>

#include "slotlist.h"

struct ring {
    size_t *items;
    size_t head, count;
};

struct queue {
    size_t capacity;
    int ordered;
    size_t held;
    struct slot_list admitted; /* held slots, oldest first */
    unsigned char *lined_up;   /* unordered: in the finished ring already */
    struct ring free_slots;
    struct ring finished; /* unordered: completion order */
};

static void ring_push(struct ring *r, size_t cap, size_t v)
{
    r->items[(r->head + r->count) % cap] = v;
    r->count++;
}

/* The newest item: free slots are taken last-freed first, so a run that
 * needs few slots keeps using the same few (their buffers warm, the rest
 * of a large window never touched). */
static size_t ring_pop_newest(struct ring *r, size_t cap)
{
    r->count--;
    return r->items[(r->head + r->count) % cap];
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
    if (capacity == 0 || capacity > ((size_t)-1) / (5 * sizeof(size_t)))
        return NULL;
    struct queue *q = calloc(1, sizeof(*q));
    if (!q)
        return NULL;
    q->free_slots.items = calloc(capacity, sizeof(size_t));
    q->finished.items = calloc(capacity, sizeof(size_t));
    q->lined_up = calloc(capacity, 1);
    if (!q->free_slots.items || !q->finished.items || !q->lined_up ||
        slot_list_init(&q->admitted, capacity) < 0) {
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
    free(q->finished.items);
    slot_list_free(&q->admitted);
    free(q->lined_up);
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
    size_t slot = ring_pop_newest(&q->free_slots, q->capacity);
    q->held++;
    q->lined_up[slot] = 0;
    slot_list_push(&q->admitted, slot);
    return (long)slot;
}

void queue_done(struct queue *q, size_t slot)
{
    if (q->ordered || slot >= q->capacity || q->lined_up[slot])
        return;
    q->lined_up[slot] = 1;
    ring_push(&q->finished, q->capacity, slot);
}

long queue_ready(const struct queue *q, int (*is_done)(const void *ctx, size_t slot),
                 const void *ctx)
{
    if (!q->ordered)
        return q->finished.count ? (long)q->finished.items[q->finished.head] : -1;
    size_t oldest = slot_list_first(&q->admitted);
    if (oldest == SLOT_NONE || !is_done(ctx, oldest))
        return -1;
    return (long)oldest;
}

void queue_release(struct queue *q, size_t slot)
{
    /* Only the slot queue_ready returned may leave: it heads its order. */
    if (q->ordered) {
        if (slot_list_first(&q->admitted) != slot)
            return;
    } else {
        if (q->finished.count == 0 || q->finished.items[q->finished.head] != slot)
            return;
        ring_pop(&q->finished, q->capacity);
        q->lined_up[slot] = 0;
    }
    slot_list_remove(&q->admitted, slot);
    q->held--;
    ring_push(&q->free_slots, q->capacity, slot);
}

long queue_oldest(const struct queue *q)
{
    size_t oldest = slot_list_first(&q->admitted);
    return oldest == SLOT_NONE ? -1 : (long)oldest;
}
