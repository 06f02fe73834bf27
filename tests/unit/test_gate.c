/* Unit tests for the gate to starting: order, the rate limit, host pauses. */
#include "gate.h"

#include <stdio.h>
#include <string.h>

#include "tap.h"

/* Slots 0-4 go to host a, 5-9 to host b. */
static int key_of(void *ctx, size_t slot, char *key, size_t n)
{
    (void)ctx;
    snprintf(key, n, "http://%s:80", slot < 5 ? "a" : "b");
    return 0;
}

static size_t release(struct gate *g, long long now, size_t *out)
{
    return gate_release(g, now, out, 10);
}

static void order_without_limits(void)
{
    struct gate *g = gate_new(10, 0, 1, 0, key_of, NULL);
    size_t out[10];
    ok(gate_wake_at(g, 0) == -1, "nothing waits: no wake-up");
    gate_push(g, 3);
    gate_push(g, 1);
    gate_push(g, 7);
    gate_push(g, 1);
    ok(gate_waiting(g) == 3, "a slot waits once");
    gate_remove(g, 1);
    ok(release(g, 0, out) == 2 && out[0] == 3 && out[1] == 7, "the rest pass in order");
    ok(gate_waiting(g) == 0 && gate_wake_at(g, 0) == -1, "and leave the gate");
    gate_free(g);
}

static void rate_spaces_starts(void)
{
    /* 10 a second, burst 1: one start every 100 ms. */
    struct gate *g = gate_new(10, 0.01, 1, 0, key_of, NULL);
    size_t out[10];
    for (size_t s = 0; s < 3; s++)
        gate_push(g, s);
    ok(release(g, 0, out) == 1 && out[0] == 0, "one token at first");
    ok(gate_wake_at(g, 0) == 100, "the next in 100 ms");
    ok(release(g, 50, out) == 0 && gate_wake_at(g, 50) == 100, "none before it");
    ok(release(g, 100, out) == 1 && out[0] == 1, "the second at 100 ms");
    ok(release(g, 250, out) == 1 && out[0] == 2, "the third later, without a burst saved up");
    gate_free(g);
}

static void a_paused_host_lets_others_pass(void)
{
    struct gate *g = gate_new(10, 0, 1, 0, key_of, NULL);
    size_t out[10];
    gate_pause(g, "http://a:80", 1000, 0);
    gate_push(g, 0); /* host a */
    gate_push(g, 6); /* host b */
    gate_push(g, 1); /* host a */
    ok(release(g, 10, out) == 1 && out[0] == 6, "host b passes while a is paused");
    ok(gate_waiting(g) == 2 && gate_wake_at(g, 10) == 1000, "host a's wait ends with its pause");
    ok(release(g, 999, out) == 0, "not a moment before");
    ok(release(g, 1000, out) == 2 && out[0] == 0 && out[1] == 1, "then both, in order");
    gate_free(g);
}

static void pause_and_rate_together(void)
{
    struct gate *g = gate_new(10, 0.01, 1, 0, key_of, NULL);
    size_t out[10];
    gate_pause(g, "http://a:80", 500, 0);
    gate_push(g, 0);
    gate_push(g, 5);
    gate_push(g, 6);
    ok(release(g, 0, out) == 1 && out[0] == 5, "b takes the one token");
    ok(gate_wake_at(g, 0) == 100, "the next token comes before a's pause ends");
    ok(release(g, 100, out) == 1 && out[0] == 6, "b again");
    ok(gate_wake_at(g, 100) == 500, "only a waits: until its pause ends");
    ok(release(g, 500, out) == 1 && out[0] == 0, "then a");
    gate_free(g);
}

static void at_most_max(void)
{
    struct gate *g = gate_new(10, 0, 1, 0, key_of, NULL);
    size_t out[2];
    for (size_t s = 0; s < 5; s++)
        gate_push(g, s);
    ok(gate_release(g, 0, out, 2) == 2 && out[1] == 1, "no more than asked for");
    ok(gate_wake_at(g, 0) == 0, "the rest may go at once");
    gate_free(g);
}

int main(void)
{
    order_without_limits();
    rate_spaces_starts();
    a_paused_host_lets_others_pass();
    pause_and_rate_together();
    at_most_max();
    return tap_done();
}
