/* The lookup cache: stored responses in LRU order and the in-flight table
 * of leaders and their followers; see cache.h.
 *
 * Both tables hash the key (64-bit FNV-1a) into buckets chained through
 * their items, and compare whole keys on a match. A group in flight is a
 * ring through its slots: the leader, then its followers in the order they
 * joined, so a follower leaves in O(1) and a leader hands over to the first
 * follower in O(1). */
#include "cache.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A key's longest: a URL, headers and a body as long as a line can be. */
#define KEY_MAX ((size_t)3 << 30)

enum role { ROLE_NONE, ROLE_LEADER, ROLE_FOLLOWER };

struct slot {
    struct buf key;
    uint64_t hash;
    enum role role;
    size_t prev, next; /* the group's ring */
    long hnext;        /* a leader's next in its in-flight bucket, or -1 */
};

struct entry {
    char *key;
    size_t key_len;
    uint64_t hash;
    struct buf body;
    char *content_type;
    long status;
    double ms;
    long long stored_at;
    size_t bytes;
    long hnext;        /* next in its bucket (or in the free list), or -1 */
    long older, newer; /* LRU order, or -1 */
};

struct cache {
    struct cache_config cfg;
    struct slot *slots;
    long *flight; /* buckets of leaders, by hash */
    size_t flight_mask;
    struct entry *entries;
    long *store; /* buckets of entries, by hash */
    size_t store_mask;
    size_t fresh;   /* entries[fresh..] were never used */
    long free_list; /* entries used before and free again */
    long newest, oldest;
    size_t count, bytes;
    struct cache_response out;
};

static uint64_t fnv1a(const char *p, size_t n)
{
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* The smallest power of two of at least n, as a mask; NULL-safe sizes. */
static size_t mask_for(size_t n)
{
    size_t size = 1;
    while (size < n && size < ((size_t)1 << 40))
        size <<= 1;
    return size - 1;
}

static long *buckets(size_t mask)
{
    long *b = malloc((mask + 1) * sizeof(*b));
    for (size_t i = 0; b && i <= mask; i++)
        b[i] = -1;
    return b;
}

struct cache *cache_new(const struct cache_config *cfg)
{
    if (cfg->entries == 0 || cfg->slots == 0)
        return NULL;
    struct cache *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->cfg = *cfg;
    c->slots = calloc(cfg->slots, sizeof(*c->slots));
    c->flight_mask = mask_for(cfg->slots);
    c->flight = buckets(c->flight_mask);
    /* Untouched entries cost no memory: calloc's pages come on first use. */
    c->entries = calloc(cfg->entries, sizeof(*c->entries));
    c->store_mask = mask_for(cfg->entries);
    c->store = buckets(c->store_mask);
    c->free_list = c->newest = c->oldest = -1;
    if (!c->slots || !c->flight || !c->entries || !c->store) {
        cache_free(c);
        return NULL;
    }
    for (size_t i = 0; i < cfg->slots; i++) {
        buf_init(&c->slots[i].key, KEY_MAX);
        c->slots[i].prev = c->slots[i].next = i;
        c->slots[i].hnext = -1;
    }
    return c;
}

static void entry_clear(struct entry *e)
{
    free(e->key);
    free(e->content_type);
    buf_free(&e->body);
    e->key = e->content_type = NULL;
}

void cache_free(struct cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; c->slots && i < c->cfg.slots; i++)
        buf_free(&c->slots[i].key);
    for (size_t i = 0; c->entries && i < c->fresh; i++)
        entry_clear(&c->entries[i]);
    free(c->slots);
    free(c->flight);
    free(c->entries);
    free(c->store);
    free(c);
}

static int put_field(struct buf *b, const char *p, size_t n)
{
    return buf_printf(b, "%zu:", n) < 0 || buf_append(b, p, n) < 0 ? -1 : 0;
}

/* Each part is its length and its bytes, so no two requests make one key. */
int cache_key(struct cache *c, size_t slot, const char *method, const char *url,
              const char *const *headers, size_t nheaders, const char *body, size_t body_len)
{
    struct slot *s = &c->slots[slot];
    if (s->role != ROLE_NONE)
        return -1;
    struct buf *k = &s->key;
    buf_reset(k);
    const char *m = method ? method : "";
    if (put_field(k, m, strlen(m)) < 0 || put_field(k, url, strlen(url)) < 0 ||
        buf_printf(k, "%zu;", nheaders) < 0)
        return -1;
    for (size_t i = 0; i < nheaders; i++)
        if (put_field(k, headers[i], strlen(headers[i])) < 0)
            return -1;
    if (body ? put_field(k, body, body_len) < 0 : buf_putc(k, '-') < 0)
        return -1;
    s->hash = fnv1a(k->data, k->len);
    return 0;
}

static int same_key(const struct slot *s, uint64_t hash, const char *key, size_t len)
{
    return s->hash == hash && s->key.len == len && memcmp(s->key.data, key, len) == 0;
}

/* The stored entry with slot's key, and in *link where its bucket points to it. */
static long store_find(struct cache *c, const struct slot *s, long **link)
{
    long *at = &c->store[s->hash & c->store_mask];
    for (; *at >= 0; at = &c->entries[*at].hnext) {
        const struct entry *e = &c->entries[*at];
        if (e->hash == s->hash && e->key_len == s->key.len &&
            memcmp(e->key, s->key.data, e->key_len) == 0) {
            if (link)
                *link = at;
            return *at;
        }
    }
    return -1;
}

static void lru_unlink(struct cache *c, long i)
{
    struct entry *e = &c->entries[i];
    if (e->older >= 0)
        c->entries[e->older].newer = e->newer;
    else
        c->oldest = e->newer;
    if (e->newer >= 0)
        c->entries[e->newer].older = e->older;
    else
        c->newest = e->older;
    e->older = e->newer = -1;
}

static void lru_push(struct cache *c, long i)
{
    struct entry *e = &c->entries[i];
    e->older = c->newest;
    e->newer = -1;
    if (c->newest >= 0)
        c->entries[c->newest].newer = i;
    else
        c->oldest = i;
    c->newest = i;
}

static void store_remove(struct cache *c, long i)
{
    struct entry *e = &c->entries[i];
    long *at = &c->store[e->hash & c->store_mask];
    while (*at != i)
        at = &c->entries[*at].hnext;
    *at = e->hnext;
    lru_unlink(c, i);
    c->count--;
    c->bytes -= e->bytes;
    entry_clear(e);
    e->hnext = c->free_list;
    c->free_list = i;
}

const struct cache_response *cache_get(struct cache *c, size_t slot, long long now)
{
    long i = store_find(c, &c->slots[slot], NULL);
    if (i < 0)
        return NULL;
    struct entry *e = &c->entries[i];
    if (c->cfg.ttl_ms > 0 && now - e->stored_at >= c->cfg.ttl_ms) {
        store_remove(c, i);
        return NULL;
    }
    lru_unlink(c, i);
    lru_push(c, i);
    c->out = (struct cache_response){e->status, e->ms, e->content_type, &e->body};
    return &c->out;
}

int cache_put(struct cache *c, size_t slot, const struct cache_response *res, long long now)
{
    const struct slot *s = &c->slots[slot];
    size_t body_len = res->body ? res->body->len : 0;
    size_t type_len = res->content_type ? strlen(res->content_type) : 0;
    size_t bytes = s->key.len + body_len + type_len;
    if (bytes > c->cfg.max_entry || bytes > c->cfg.max_bytes || bytes < body_len)
        return 0;
    /* Copies first: out of memory changes nothing. */
    struct entry fresh = {.key_len = s->key.len,
                          .hash = s->hash,
                          .status = res->status,
                          .ms = res->ms,
                          .stored_at = now,
                          .bytes = bytes};
    fresh.key = malloc(s->key.len ? s->key.len : 1);
    fresh.content_type = res->content_type ? strdup(res->content_type) : NULL;
    buf_init(&fresh.body, body_len);
    if (!fresh.key || (res->content_type && !fresh.content_type) ||
        buf_append(&fresh.body, res->body ? res->body->data : "", body_len) < 0) {
        entry_clear(&fresh);
        return -1;
    }
    memcpy(fresh.key, s->key.data, s->key.len);
    long old = store_find(c, s, NULL);
    if (old >= 0)
        store_remove(c, old);
    while (c->oldest >= 0 && (c->count >= c->cfg.entries || c->bytes + bytes > c->cfg.max_bytes))
        store_remove(c, c->oldest);
    long i;
    if (c->free_list >= 0) {
        i = c->free_list;
        c->free_list = c->entries[i].hnext;
    } else {
        i = (long)c->fresh++;
    }
    struct entry *e = &c->entries[i];
    *e = fresh;
    long *bucket = &c->store[s->hash & c->store_mask];
    e->hnext = *bucket;
    *bucket = i;
    lru_push(c, i);
    c->count++;
    c->bytes += bytes;
    return 1;
}

long cache_join(struct cache *c, size_t slot)
{
    struct slot *s = &c->slots[slot];
    long *bucket = &c->flight[s->hash & c->flight_mask];
    for (long at = *bucket; at >= 0; at = c->slots[at].hnext) {
        struct slot *leader = &c->slots[at];
        if (!same_key(leader, s->hash, s->key.data, s->key.len))
            continue;
        /* At the end of the ring: just before the leader. */
        s->role = ROLE_FOLLOWER;
        s->next = (size_t)at;
        s->prev = leader->prev;
        c->slots[leader->prev].next = slot;
        leader->prev = slot;
        return at;
    }
    s->role = ROLE_LEADER;
    s->prev = s->next = slot;
    s->hnext = *bucket;
    *bucket = (long)slot;
    return -1;
}

static void ring_unlink(struct cache *c, size_t slot)
{
    struct slot *s = &c->slots[slot];
    c->slots[s->prev].next = s->next;
    c->slots[s->next].prev = s->prev;
    s->prev = s->next = slot;
    s->role = ROLE_NONE;
}

long cache_next_follower(struct cache *c, size_t leader)
{
    size_t first = c->slots[leader].next;
    if (c->slots[leader].role != ROLE_LEADER || first == leader)
        return -1;
    ring_unlink(c, first);
    return (long)first;
}

long cache_leave(struct cache *c, size_t slot)
{
    struct slot *s = &c->slots[slot];
    if (s->role == ROLE_FOLLOWER) {
        ring_unlink(c, slot);
        return -1;
    }
    if (s->role != ROLE_LEADER)
        return -1;
    long *at = &c->flight[s->hash & c->flight_mask];
    while (*at != (long)slot)
        at = &c->slots[*at].hnext;
    size_t heir = s->next;
    if (heir == slot) {
        *at = s->hnext;
    } else {
        /* The heir has the same key: it takes the leader's place in the bucket. */
        c->slots[heir].role = ROLE_LEADER;
        c->slots[heir].hnext = s->hnext;
        *at = (long)heir;
    }
    s->hnext = -1;
    ring_unlink(c, slot);
    return heir == slot ? -1 : (long)heir;
}

int cache_in_flight(const struct cache *c, size_t slot)
{
    return c->slots[slot].role != ROLE_NONE;
}

size_t cache_count(const struct cache *c)
{
    return c->count;
}

size_t cache_bytes(const struct cache *c)
{
    return c->bytes;
}
