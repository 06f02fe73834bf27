/* Unit tests for the ordered set of slot numbers. */
#include "slotlist.h"

#include "tap.h"

/* The list as a number: its slots as digits, first to last. */
static long digits(const struct slot_list *l)
{
    long v = 0;
    for (size_t s = slot_list_first(l); s != SLOT_NONE; s = slot_list_after(l, s))
        v = v * 10 + (long)s;
    return v;
}

int main(void)
{
    struct slot_list l;
    ok(slot_list_init(&l, 8) == 0, "a list of 8 slots");
    ok(slot_list_first(&l) == SLOT_NONE && l.count == 0, "empty at first");
    slot_list_push(&l, 3);
    slot_list_push(&l, 1);
    slot_list_push(&l, 7);
    slot_list_push(&l, 1);
    slot_list_push(&l, 9);
    ok(digits(&l) == 317 && l.count == 3, "pushed at the back, once each, in range only");
    slot_list_remove(&l, 1);
    ok(digits(&l) == 37, "removed from the middle");
    slot_list_remove(&l, 3);
    ok(digits(&l) == 7 && slot_list_first(&l) == 7, "and from the front");
    slot_list_remove(&l, 3);
    ok(l.count == 1, "removing what is not in does nothing");
    slot_list_push(&l, 3);
    slot_list_remove(&l, 3);
    ok(digits(&l) == 7, "and from the back");
    ok(slot_list_has(&l, 7) && !slot_list_has(&l, 3) && !slot_list_has(&l, 99), "has");
    slot_list_remove(&l, 7);
    ok(slot_list_first(&l) == SLOT_NONE && l.count == 0, "empty again");
    slot_list_push(&l, 5);
    slot_list_push(&l, 0);
    ok(digits(&l) == 50, "reused after emptying");
    slot_list_free(&l);
    return tap_done();
}
