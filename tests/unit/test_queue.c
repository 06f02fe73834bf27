/* The completion queue: ordered release, unordered release, capacity. */
#include "queue.h"

#include "tap.h"

/* Whether a slot's record is done is the record's business: here, a flag. */
static unsigned char done_flags[16];

static int is_done(const void *ctx, size_t slot)
{
    (void)ctx;
    return done_flags[slot];
}

static long ready(struct queue *q)
{
    return queue_ready(q, is_done, NULL);
}

static void finish(struct queue *q, size_t slot)
{
    done_flags[slot] = 1;
    queue_done(q, slot);
}

static void leave(struct queue *q, size_t slot)
{
    long was = queue_held(q);
    queue_release(q, slot);
    if ((long)queue_held(q) < was)
        done_flags[slot] = 0;
}

static void ordered_waits_for_the_oldest(void)
{
    struct queue *q = queue_new(3, 1);
    long a = queue_admit(q), b = queue_admit(q), c = queue_admit(q);
    ok(a >= 0 && b >= 0 && c >= 0 && a != b && b != c && a != c, "three distinct slots");
    ok(queue_full(q) && queue_admit(q) == -1, "a full queue admits nothing");
    finish(q, (size_t)c);
    finish(q, (size_t)b);
    ok(ready(q) == -1, "ordered: nothing ready while the oldest is in flight");
    finish(q, (size_t)a);
    ok(ready(q) == a, "ordered: the oldest leaves first");
    leave(q, (size_t)a);
    ok(ready(q) == b, "then the second");
    leave(q, (size_t)b);
    ok(!queue_full(q) && queue_held(q) == 1, "released slots are free again");
    long d = queue_admit(q);
    ok(d >= 0 && ready(q) == c, "a new record queues behind the older done one");
    leave(q, (size_t)c);
    ok(ready(q) == -1, "the new record is not done");
    finish(q, (size_t)d);
    ok(ready(q) == d, "and leaves once done");
    leave(q, (size_t)d);
    ok(queue_held(q) == 0, "empty at the end");
    queue_free(q);
}

static void unordered_follows_completion(void)
{
    struct queue *q = queue_new(3, 0);
    long a = queue_admit(q), b = queue_admit(q), c = queue_admit(q);
    ok(ready(q) == -1, "unordered: nothing ready before completion");
    finish(q, (size_t)c);
    finish(q, (size_t)a);
    ok(ready(q) == c, "unordered: first completed leaves first");
    leave(q, (size_t)c);
    ok(ready(q) == a, "then the next completed");
    leave(q, (size_t)a);
    ok(ready(q) == -1, "b still in flight");
    finish(q, (size_t)b);
    finish(q, (size_t)b);
    ok(ready(q) == b, "double done is harmless");
    leave(q, (size_t)b);
    ok(ready(q) == -1 && queue_held(q) == 0, "empty at the end");
    queue_free(q);
}

static void releasing_the_wrong_slot_is_ignored(void)
{
    struct queue *q = queue_new(2, 1);
    long a = queue_admit(q), b = queue_admit(q);
    finish(q, (size_t)b);
    leave(q, (size_t)b);
    ok(queue_held(q) == 2, "a slot that is not at the head does not leave");
    finish(q, (size_t)a);
    leave(q, (size_t)a);
    ok(ready(q) == b && queue_held(q) == 1, "order survives the misuse");
    queue_free(q);
}

static void many_rounds_wrap_the_rings(void)
{
    struct queue *q = queue_new(4, 1);
    int in_order = 1;
    long expect[4];
    for (int round = 0; round < 1000; round++) {
        for (int i = 0; i < 4; i++)
            expect[i] = queue_admit(q);
        for (int i = 3; i >= 0; i--)
            finish(q, (size_t)expect[i]);
        for (int i = 0; i < 4; i++) {
            long s = ready(q);
            in_order &= s == expect[i];
            leave(q, (size_t)s);
        }
    }
    ok(in_order && queue_held(q) == 0, "4000 records leave in admission order");
    ok(queue_new(0, 1) == NULL, "capacity 0 is refused");
    queue_free(q);
}

static void oldest_is_the_low_water_mark(void)
{
    struct queue *q = queue_new(4, 0);
    ok(queue_oldest(q) == -1, "an empty queue has no oldest");
    long a = queue_admit(q), b = queue_admit(q), c = queue_admit(q);
    ok(queue_oldest(q) == a, "the first admitted is the oldest");
    finish(q, (size_t)b);
    leave(q, (size_t)b);
    ok(queue_oldest(q) == a, "a later record leaving does not move it");
    finish(q, (size_t)a);
    leave(q, (size_t)a);
    ok(queue_oldest(q) == c, "the oldest leaving moves it to the next held");
    long d = queue_admit(q);
    finish(q, (size_t)c);
    leave(q, (size_t)c);
    ok(queue_oldest(q) == d, "past released slots, to one admitted later");
    finish(q, (size_t)d);
    leave(q, (size_t)d);
    ok(queue_oldest(q) == -1 && queue_held(q) == 0, "none when all have left");
    queue_free(q);
}

static void unordered_releases_from_the_middle(void)
{
    struct queue *q = queue_new(5, 0);
    long s[5];
    for (int i = 0; i < 5; i++)
        s[i] = queue_admit(q);
    int right = 1;
    int order[5] = {2, 4, 0, 3, 1};
    long want_oldest[5] = {s[0], s[0], s[1], s[1], -1};
    for (int i = 0; i < 5; i++) {
        finish(q, (size_t)s[order[i]]);
        long r = ready(q);
        right &= r == s[order[i]];
        leave(q, (size_t)r);
        right &= queue_oldest(q) == want_oldest[i];
    }
    ok(right, "records leave in completion order, the oldest held tracked throughout");
    queue_free(q);
}

int main(void)
{
    oldest_is_the_low_water_mark();
    unordered_releases_from_the_middle();
    ordered_waits_for_the_oldest();
    unordered_follows_completion();
    releasing_the_wrong_slot_is_ignored();
    many_rounds_wrap_the_rings();
    return tap_done();
}
