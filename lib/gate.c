/* The gate to starting an attempt; see gate.h. Waiting slots are a doubly
 * linked list over slot numbers, so a slot leaves from anywhere in O(1). */
#include "gate.h"

#include <stdlib.h>

#define NONE ((size_t)-1)

struct gate {
    size_t slots;
    size_t head, tail, count;
    size_t *prev, *next;
    unsigned char *in; /* waiting now */
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
    g->slots = slots;
    g->head = g->tail = NONE;
    g->prev = calloc(slots ? slots : 1, sizeof(size_t));
    g->next = calloc(slots ? slots : 1, sizeof(size_t));
    g->in = calloc(slots ? slots : 1, 1);
    g->pauses = hostpause_new(slots ? slots : 1);
    if (!g->prev || !g->next || !g->in || !g->pauses) {
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
    free(g->prev);
    free(g->next);
    free(g->in);
    hostpause_free(g->pauses);
    free(g);
}

void gate_push(struct gate *g, size_t slot)
{
    if (slot >= g->slots || g->in[slot])
        return;
    g->in[slot] = 1;
    g->prev[slot] = g->tail;
    g->next[slot] = NONE;
    if (g->tail != NONE)
        g->next[g->tail] = slot;
    else
        g->head = slot;
    g->tail = slot;
    g->count++;
}

void gate_remove(struct gate *g, size_t slot)
{
    if (slot >= g->slots || !g->in[slot])
        return;
    g->in[slot] = 0;
    if (g->prev[slot] != NONE)
        g->next[g->prev[slot]] = g->next[slot];
    else
        g->head = g->next[slot];
    if (g->next[slot] != NONE)
        g->prev[g->next[slot]] = g->prev[slot];
    else
        g->tail = g->prev[slot];
    g->count--;
}

size_t gate_waiting(const struct gate *g)
{
    return g->count;
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
    for (size_t s = g->head, next; s != NONE && n < max; s = next) {
        next = g->next[s];
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
    if (g->count == 0)
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
