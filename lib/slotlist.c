/* An ordered set of slot numbers; see slotlist.h. */
#include "slotlist.h"

#include <stdlib.h>
#include <string.h>

int slot_list_init(struct slot_list *l, size_t n)
{
    memset(l, 0, sizeof(*l));
    l->n = n;
    l->head = l->tail = SLOT_NONE;
    l->prev = calloc(n ? n : 1, sizeof(size_t));
    l->next = calloc(n ? n : 1, sizeof(size_t));
    l->in = calloc(n ? n : 1, 1);
    if (l->prev && l->next && l->in)
        return 0;
    slot_list_free(l);
    return -1;
}

void slot_list_free(struct slot_list *l)
{
    free(l->prev);
    free(l->next);
    free(l->in);
    l->prev = l->next = NULL;
    l->in = NULL;
    l->n = l->count = 0;
    l->head = l->tail = SLOT_NONE;
}

void slot_list_push(struct slot_list *l, size_t slot)
{
    if (slot >= l->n || l->in[slot])
        return;
    l->in[slot] = 1;
    l->prev[slot] = l->tail;
    l->next[slot] = SLOT_NONE;
    if (l->tail != SLOT_NONE)
        l->next[l->tail] = slot;
    else
        l->head = slot;
    l->tail = slot;
    l->count++;
}

void slot_list_remove(struct slot_list *l, size_t slot)
{
    if (slot >= l->n || !l->in[slot])
        return;
    l->in[slot] = 0;
    if (l->prev[slot] != SLOT_NONE)
        l->next[l->prev[slot]] = l->next[slot];
    else
        l->head = l->next[slot];
    if (l->next[slot] != SLOT_NONE)
        l->prev[l->next[slot]] = l->prev[slot];
    else
        l->tail = l->prev[slot];
    l->count--;
}

int slot_list_has(const struct slot_list *l, size_t slot)
{
    return slot < l->n && l->in[slot];
}

size_t slot_list_first(const struct slot_list *l)
{
    return l->head;
}

size_t slot_list_after(const struct slot_list *l, size_t slot)
{
    return slot < l->n && l->in[slot] ? l->next[slot] : SLOT_NONE;
}
