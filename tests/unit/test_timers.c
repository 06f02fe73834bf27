/* Unit tests for the timer heap: order, ties, replacing, cancelling, many. */
#include "timers.h"

#include <stdlib.h>

#include "tap.h"

static void test_order(void)
{
    struct timers *t = timers_new(8);
    long long due;
    size_t owner;
    ok(!timers_next(t, &due), "no timer at first");
    ok(timers_wait_ms(t, 100, 1000) == 1000, "an empty heap waits the cap");
    timers_set(t, 3, 300);
    timers_set(t, 1, 100);
    timers_set(t, 2, 200);
    ok(timers_next(t, &due) && due == 100, "the earliest is next");
    ok(timers_wait_ms(t, 40, 1000) == 60, "wait until it");
    ok(timers_wait_ms(t, 40, 10) == 10, "capped");
    ok(timers_wait_ms(t, 150, 1000) == 0, "an overdue timer waits nothing");
    ok(!timers_pop_due(t, 99, &owner), "nothing due before 100");
    ok(timers_pop_due(t, 250, &owner) && owner == 1, "owner 1 due first");
    ok(timers_pop_due(t, 250, &owner) && owner == 2, "then owner 2");
    ok(!timers_pop_due(t, 250, &owner), "owner 3 not due at 250");
    ok(timers_count(t) == 1, "one left");
    timers_free(t);
}

static void test_ties(void)
{
    struct timers *t = timers_new(8);
    size_t owner;
    int in_order = 1;
    for (size_t i = 0; i < 8; i++)
        timers_set(t, 7 - i, 50);
    for (size_t i = 0; i < 8; i++)
        in_order &= timers_pop_due(t, 50, &owner) && owner == 7 - i;
    ok(in_order, "timers due at once fire in the order they were set");
    timers_free(t);
}

static void test_replace_and_cancel(void)
{
    struct timers *t = timers_new(4);
    long long due;
    size_t owner;
    timers_set(t, 0, 100);
    timers_set(t, 1, 200);
    timers_set(t, 0, 300);
    ok(timers_count(t) == 2, "setting again replaces");
    ok(timers_get(t, 0, &due) && due == 300, "with the new time");
    ok(timers_pop_due(t, 250, &owner) && owner == 1, "owner 1 is now first");
    timers_cancel(t, 0);
    ok(!timers_get(t, 0, NULL) && timers_count(t) == 0, "cancelled");
    timers_cancel(t, 0);
    timers_cancel(t, 3);
    ok(timers_count(t) == 0, "cancelling what is not set does nothing");
    timers_set(t, 9, 1);
    ok(timers_count(t) == 0, "an owner out of range is ignored");
    timers_free(t);
}

/* A timer set again where it is: sooner rises, later sinks, and at an equal
 * due time it fires after the others, as one set anew. */
static void test_reset_in_place(void)
{
    struct timers *t = timers_new(8);
    size_t owner, order[8], n = 0;
    for (size_t i = 0; i < 6; i++)
        timers_set(t, i, 100 + 10 * (long long)i); /* 0:100 1:110 ... 5:150 */
    timers_set(t, 4, 5);   /* sooner: first now */
    timers_set(t, 0, 145); /* later: between 3 (130) and 5 (150) */
    timers_set(t, 1, 120); /* the same time as 2, set after it */
    while (timers_pop_due(t, 1000, &owner) && n < 8)
        order[n++] = owner;
    ok(n == 6 && order[0] == 4 && order[1] == 2 && order[2] == 1 && order[3] == 3 &&
           order[4] == 0 && order[5] == 5,
       "reset timers fire in the new order (4 2 1 3 0 5)");
    timers_free(t);
}

/* Many timers in random order, some cancelled: they come out sorted. */
static void test_many(void)
{
    enum { N = 5000 };
    struct timers *t = timers_new(N);
    long long *when = calloc(N, sizeof(*when));
    srand(42);
    for (size_t i = 0; i < N; i++) {
        when[i] = rand() % 1000;
        timers_set(t, i, when[i]);
    }
    for (size_t i = 0; i < N; i += 3) {
        timers_cancel(t, i);
        when[i] = -1;
    }
    for (size_t i = 1; i < N; i += 7)
        if (when[i] >= 0)
            timers_set(t, i, when[i] = rand() % 1000);
    size_t owner, popped = 0, expected = 0;
    long long last = -1;
    int sorted = 1, right = 1;
    for (size_t i = 0; i < N; i++)
        expected += when[i] >= 0;
    while (timers_pop_due(t, 1000, &owner)) {
        sorted &= when[owner] >= last;
        right &= when[owner] >= 0;
        last = when[owner];
        when[owner] = -1;
        popped++;
    }
    ok(sorted, "%d timers come out in due order", N);
    ok(right && popped == expected, "each live timer once (%zu of %zu)", popped, expected);
    free(when);
    timers_free(t);
}

int main(void)
{
    test_order();
    test_ties();
    test_replace_and_cancel();
    test_reset_in_place();
    test_many();
    return tap_done();
}
