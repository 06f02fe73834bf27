/* The gate to starting an attempt; see gate.h. Waiting slots are a slot
 * list, so a slot leaves from anywhere in O(1). */
#include "gate.h"

#include <stdlib.h>

#include "slotlist.h"

struct gate {
    struct slot_list waiting;
    struct ratelimit rate;
    struct hostpause *pauses;
    gate_key_fn key_of;
    void *ctx;
    long long pause_wake; /* gate_release's finding: the earliest pause end holding a slot, or -1 */
    int rate_blocked;     /* gate_release stopped for want of a token */
};

struct gate *gate_new(size_t slots, double per_ms, double burst, long long now, gate_key_fn key_of,
                      void *ctx)
{
    struct gate *g = calloc(1, sizeof(*g));
    if (!g)
        return NULL;
    g->pauses = hostpause_new(slots ? slots : 1);
    if (slot_list_init(&g->waiting, slots) < 0 || !g->pauses) {
        gate_free(g);
        return NULL;
    }
    ratelimit_init(&g->rate, per_ms, burst, now);
    g->key_of = key_of;
    g->ctx = ctx;
    g->pause_wake = -1;
    return g;
}

void gate_free(struct gate *g)
{
    if (!g)
        return;
    slot_list_free(&g->waiting);
    hostpause_free(g->pauses);
    free(g);
}

void gate_push(struct gate *g, size_t slot)
{
    slot_list_push(&g->waiting, slot);
}

void gate_remove(struct gate *g, size_t slot)
{
    slot_list_remove(&g->waiting, slot);
}

size_t gate_waiting(const struct gate *g)
{
    return g->waiting.count;
}

void gate_pause(struct gate *g, const char *key, long long until, long long now)
{
    hostpause_set(g->pauses, key, until, now);
}

/* When slot's host is paused, the pause's end; else 0. */
static long long paused_until(struct gate *g, size_t slot, long long now)
{
    char key[HOSTPAUSE_KEY_MAX];
    if (hostpause_count(g->pauses, now) == 0 || g->key_of(g->ctx, slot, key, sizeof(key)) < 0)
        return 0;
    return hostpause_until(g->pauses, key, now);
}

size_t gate_release(struct gate *g, long long now, size_t *out, size_t max)
{
    size_t n = 0;
    g->pause_wake = -1;
    g->rate_blocked = 0;
    for (size_t s = slot_list_first(&g->waiting), next; s != SLOT_NONE && n < max; s = next) {
        next = slot_list_after(&g->waiting, s);
        long long until = paused_until(g, s, now);
        if (until > now) {
            if (g->pause_wake < 0 || until < g->pause_wake)
                g->pause_wake = until;
            continue;
        }
        if (!ratelimit_take(&g->rate, now)) {
            g->rate_blocked = 1;
            break;
        }
        gate_remove(g, s);
        out[n++] = s;
    }
    return n;
}

long long gate_wake_at(const struct gate *g, long long now)
{
    if (g->waiting.count == 0)
        return -1;
    long long wake = g->pause_wake;
    if (g->rate_blocked) {
        long long token = ratelimit_next(&g->rate, now);
        if (wake < 0 || token < wake)
            wake = token;
    }
    /* Waiting, yet neither a pause nor the rate holds anyone: at once. */
    return wake < 0 ? now : wake;
}
