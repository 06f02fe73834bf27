/* An ordered set of slot numbers (0 .. n-1): a doubly linked list over two
 * arrays, so a slot joins at the back and leaves from anywhere in O(1). The
 * queue keeps records in admission order with one, the gate keeps records
 * waiting to start with another. Pure bookkeeping. */
#ifndef ENRICH_SLOTLIST_H
#define ENRICH_SLOTLIST_H

#include <stddef.h>

#define SLOT_NONE ((size_t)-1)

/* The fields are private; the struct is here so callers can hold one. */
struct slot_list {
    size_t n;
    size_t head, tail, count;
    size_t *prev, *next;
    unsigned char *in; /* in the list now */
};

/* An empty list for slots 0 .. n-1. Returns 0, or -1 out of memory (the
 * list then holds nothing to free, but slot_list_free is harmless). */
int slot_list_init(struct slot_list *l, size_t n);
void slot_list_free(struct slot_list *l);

/* Add slot at the back; nothing if it is in already or out of range. */
void slot_list_push(struct slot_list *l, size_t slot);
/* Take slot out; nothing if it is not in. */
void slot_list_remove(struct slot_list *l, size_t slot);
int slot_list_has(const struct slot_list *l, size_t slot);

/* The first slot, or SLOT_NONE when empty; the one after slot, or SLOT_NONE. */
size_t slot_list_first(const struct slot_list *l);
size_t slot_list_after(const struct slot_list *l, size_t slot);

#endif
