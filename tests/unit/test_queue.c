/* The completion queue: ordered release, unordered release, capacity. */
#include "queue.h"

#include "tap.h"

static void ordered_waits_for_the_oldest(void)
{
    struct queue *q = queue_new(3, 1);
    long a = queue_admit(q), b = queue_admit(q), c = queue_admit(q);
    ok(a >= 0 && b >= 0 && c >= 0 && a != b && b != c && a != c, "three distinct slots");
    ok(queue_full(q) && queue_admit(q) == -1, "a full queue admits nothing");
    queue_done(q, (size_t)c);
    queue_done(q, (size_t)b);
    ok(queue_ready(q) == -1, "ordered: nothing ready while the oldest is in flight");
    queue_done(q, (size_t)a);
    ok(queue_ready(q) == a, "ordered: the oldest leaves first");
    queue_release(q, (size_t)a);
    ok(queue_ready(q) == b, "then the second");
    queue_release(q, (size_t)b);
    ok(!queue_full(q) && queue_held(q) == 1, "released slots are free again");
    long d = queue_admit(q);
    ok(d >= 0 && queue_ready(q) == c, "a new record queues behind the older done one");
    queue_release(q, (size_t)c);
    ok(queue_ready(q) == -1, "the new record is not done");
    queue_done(q, (size_t)d);
    ok(queue_ready(q) == d, "and leaves once done");
    queue_release(q, (size_t)d);
    ok(queue_held(q) == 0, "empty at the end");
    queue_free(q);
}

static void unordered_follows_completion(void)
{
    struct queue *q = queue_new(3, 0);
    long a = queue_admit(q), b = queue_admit(q), c = queue_admit(q);
    ok(queue_ready(q) == -1, "unordered: nothing ready before completion");
    queue_done(q, (size_t)c);
    queue_done(q, (size_t)a);
    ok(queue_ready(q) == c, "unordered: first completed leaves first");
    queue_release(q, (size_t)c);
    ok(queue_ready(q) == a, "then the next completed");
    queue_release(q, (size_t)a);
    ok(queue_ready(q) == -1, "b still in flight");
    queue_done(q, (size_t)b);
    queue_done(q, (size_t)b);
    ok(queue_ready(q) == b, "double done is harmless");
    queue_release(q, (size_t)b);
    ok(queue_ready(q) == -1 && queue_held(q) == 0, "empty at the end");
    queue_free(q);
}

static void releasing_the_wrong_slot_is_ignored(void)
{
    struct queue *q = queue_new(2, 1);
    long a = queue_admit(q), b = queue_admit(q);
    queue_done(q, (size_t)b);
    queue_release(q, (size_t)b);
    ok(queue_held(q) == 2, "a slot that is not at the head does not leave");
    queue_done(q, (size_t)a);
    queue_release(q, (size_t)a);
    ok(queue_ready(q) == b && queue_held(q) == 1, "order survives the misuse");
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
            queue_done(q, (size_t)expect[i]);
        for (int i = 0; i < 4; i++) {
            long s = queue_ready(q);
            in_order &= s == expect[i];
            queue_release(q, (size_t)s);
        }
    }
    ok(in_order && queue_held(q) == 0, "4000 records leave in admission order");
    ok(queue_new(0, 1) == NULL, "capacity 0 is refused");
    queue_free(q);
}

int main(void)
{
    ordered_waits_for_the_oldest();
    unordered_follows_completion();
    releasing_the_wrong_slot_is_ignored();
    many_rounds_wrap_the_rings();
    return tap_done();
}
