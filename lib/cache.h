/* The lookup cache (--cache N, --cache-ttl DUR): the last N distinct
 * successful responses, kept in least-recently-used order, and the requests
 * in flight, so that a record whose request is the same as one already on
 * its way waits for that one's answer instead of sending its own
 * (coalescing, as Go's singleflight does).
 *
 * A request is known by its key: the method, the full URL, the body (or
 * that there is none) and the request's own header lines. Each record slot
 * has its key (cache_key); the store and the in-flight table compare whole
 * keys, so two different requests never share an answer, whatever their
 * hashes. In flight, a slot is a leader (its request is being made) or a
 * follower of a leader with the same key; followers are kept in the order
 * they joined.
 *
 * Memory is bounded: at most `entries` responses and `max_bytes` bytes of
 * keys, bodies and content types together; a response over `max_entry`
 * bytes is not stored. Pure: no clock, no I/O; time comes in as `now`
 * (milliseconds, any monotonic scale), so tests drive expiry directly. */
#ifndef ENRICH_CACHE_H
#define ENRICH_CACHE_H

#include <stddef.h>

#include "buf.h"

struct cache; /* opaque */

struct cache_config {
    size_t entries;   /* responses kept, at least 1 */
    size_t slots;     /* record slots (owners of keys), at least 1 */
    long long ttl_ms; /* a response older than this is not used; 0: no limit */
    size_t max_bytes; /* all stored responses together (key, body, content type) */
    size_t max_entry; /* one response; a larger one is not stored */
};

/* A stored response. body and content_type belong to the cache: valid until
 * the next cache_put or cache_free. */
struct cache_response {
    long status;
    double ms;                /* how long its request took */
    const char *content_type; /* NULL without one */
    const struct buf *body;
};

/* Returns NULL when out of memory or cfg is unusable. */
struct cache *cache_new(const struct cache_config *cfg);
void cache_free(struct cache *c);

/* Set slot's key from the request it makes: method (NULL for the default),
 * url, headers[0..nheaders) (the request's own header lines; none when
 * every request has the same ones) and body[0..body_len) (NULL for no
 * body, which differs from an empty one). The slot must be in no group
 * (cache_leave first). Returns 0, -1 when out of memory. */
int cache_key(struct cache *c, size_t slot, const char *method, const char *url,
              const char *const *headers, size_t nheaders, const char *body, size_t body_len);

/* The stored response for slot's key, or NULL. A response older than the
 * TTL at now is dropped and not returned; one returned becomes the most
 * recently used. */
const struct cache_response *cache_get(struct cache *c, size_t slot, long long now);

/* Store res under slot's key at time now (replacing any response stored
 * under it), evicting the least recently used responses while there are
 * too many or they take too much room. Returns 1 stored, 0 not stored (over
 * max_entry), -1 out of memory (nothing changed). */
int cache_put(struct cache *c, size_t slot, const struct cache_response *res, long long now);

/* slot joins the in-flight table: if a leader with the same key is in
 * flight, slot follows it (at the end of its followers) and the leader's
 * slot is returned; else slot becomes the leader of its key and -1 is
 * returned. */
long cache_join(struct cache *c, size_t slot);
/* The first follower of leader, which leaves leader's group (it is answered
 * by leader's result), or -1 when it has none. */
long cache_next_follower(struct cache *c, size_t leader);
/* slot leaves the in-flight table, whatever it was. A follower simply
 * leaves its group. A leader's key is no longer in flight, unless it had
 * followers: then the first of them becomes the leader of the others and is
 * returned (it is to make the request itself). Returns -1 otherwise. */
long cache_leave(struct cache *c, size_t slot);
/* 1 if slot leads a group or follows one. */
int cache_in_flight(const struct cache *c, size_t slot);

/* Responses stored, and the bytes they take. */
size_t cache_count(const struct cache *c);
size_t cache_bytes(const struct cache *c);

#endif
