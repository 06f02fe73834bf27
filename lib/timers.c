/* Timers as a min-heap; see timers.h. pos[] maps an owner to its place in
 * the heap, so a timer is moved or cancelled in O(log n) without a search. */
#include "timers.h"

#include <stdlib.h>

#define NONE ((size_t)-1)

struct entry {
    long long due;
    unsigned long long seq; /* breaks ties: the first set fires first */
    size_t owner;
};

struct timers {
    size_t owners;
    size_t count;
    unsigned long long next_seq;
    struct entry *heap;
    size_t *pos; /* per owner: index in heap, or NONE */
};

struct timers *timers_new(size_t owners)
{
    struct timers *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->owners = owners;
    t->heap = calloc(owners ? owners : 1, sizeof(*t->heap));
    t->pos = calloc(owners ? owners : 1, sizeof(*t->pos));
    if (!t->heap || !t->pos) {
        timers_free(t);
        return NULL;
    }
    for (size_t i = 0; i < owners; i++)
        t->pos[i] = NONE;
    return t;
}

void timers_free(struct timers *t)
{
    if (!t)
        return;
    free(t->heap);
    free(t->pos);
    free(t);
}

static int before(const struct entry *a, const struct entry *b)
{
    return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void place(struct timers *t, size_t i, struct entry e)
{
    t->heap[i] = e;
    t->pos[e.owner] = i;
}

static void sift_up(struct timers *t, size_t i)
{
    struct entry e = t->heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(&e, &t->heap[parent]))
            break;
        place(t, i, t->heap[parent]);
        i = parent;
    }
    place(t, i, e);
}

static void sift_down(struct timers *t, size_t i)
{
    struct entry e = t->heap[i];
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= t->count)
            break;
        if (child + 1 < t->count && before(&t->heap[child + 1], &t->heap[child]))
            child++;
        if (!before(&t->heap[child], &e))
            break;
        place(t, i, t->heap[child]);
        i = child;
    }
    place(t, i, e);
}

/* Take the entry at i out, keeping the heap in order. */
static void remove_at(struct timers *t, size_t i)
{
    t->pos[t->heap[i].owner] = NONE;
    t->count--;
    if (i == t->count)
        return;
    /* The last entry fills the hole; it may belong lower, or higher. */
    size_t moved = t->heap[t->count].owner;
    place(t, i, t->heap[t->count]);
    sift_down(t, i);
    sift_up(t, t->pos[moved]);
}

void timers_set(struct timers *t, size_t owner, long long due)
{
    if (owner >= t->owners)
        return;
    struct entry e = {due, t->next_seq++, owner};
    size_t i = t->pos[owner];
    if (i != NONE) {
        /* Moved where it is: later sinks, sooner rises (a new seq is later
         * than any, so an equal due time sinks past its ties). */
        int later = before(&t->heap[i], &e);
        place(t, i, e);
        if (later)
            sift_down(t, i);
        else
            sift_up(t, i);
        return;
    }
    i = t->count++;
    place(t, i, e);
    sift_up(t, i);
}

void timers_cancel(struct timers *t, size_t owner)
{
    if (owner < t->owners && t->pos[owner] != NONE)
        remove_at(t, t->pos[owner]);
}

int timers_get(const struct timers *t, size_t owner, long long *due)
{
    if (owner >= t->owners || t->pos[owner] == NONE)
        return 0;
    if (due)
        *due = t->heap[t->pos[owner]].due;
    return 1;
}

size_t timers_count(const struct timers *t)
{
    return t->count;
}

int timers_next(const struct timers *t, long long *due)
{
    if (t->count == 0)
        return 0;
    *due = t->heap[0].due;
    return 1;
}

long long timers_wait_ms(const struct timers *t, long long now, long long cap)
{
    long long due;
    if (!timers_next(t, &due))
        return cap;
    if (due <= now)
        return 0;
    return due - now < cap ? due - now : cap;
}

int timers_pop_due(struct timers *t, long long now, size_t *owner)
{
    if (t->count == 0 || t->heap[0].due > now)
        return 0;
    *owner = t->heap[0].owner;
    remove_at(t, 0);
    return 1;
}
