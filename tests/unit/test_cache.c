/* Unit tests for the lookup cache: keys, LRU order, TTL on a fake clock,
 * the byte bounds, and leaders and followers in flight. */
#include "cache.h"

#include <string.h>

#include "tap.h"

static struct cache *make(size_t entries, size_t slots, long long ttl, size_t max_bytes,
                          size_t max_entry)
{
    struct cache_config cfg = {entries, slots, ttl, max_bytes, max_entry};
    return cache_new(&cfg);
}

static void key_url(struct cache *c, size_t slot, const char *url)
{
    cache_key(c, slot, NULL, url, NULL, 0, NULL, 0);
}

static int put_text(struct cache *c, size_t slot, const char *text, long long now)
{
    struct buf body;
    buf_init(&body, 1 << 20);
    buf_puts(&body, text);
    struct cache_response res = {200, 1.5, "application/json", &body};
    int rc = cache_put(c, slot, &res, now);
    buf_free(&body);
    return rc;
}

static int holds(struct cache *c, size_t slot, const char *url, const char *text, long long now)
{
    key_url(c, slot, url);
    const struct cache_response *r = cache_get(c, slot, now);
    return r && r->status == 200 && strcmp(r->body->data, text) == 0 &&
           strcmp(r->content_type, "application/json") == 0;
}

static void test_keys(void)
{
    struct cache *c = make(8, 2, 0, 1 << 20, 1 << 20);
    const char *h1[] = {"X-Id: 1"};
    const char *h2[] = {"X-Id: 2"};
    cache_key(c, 0, "POST", "http://a/x", h1, 1, "{}", 2);
    ok(cache_get(c, 0, 0) == NULL, "an empty cache has nothing");
    ok(put_text(c, 0, "one", 0) == 1, "a response is stored");
    cache_key(c, 1, "POST", "http://a/x", h1, 1, "{}", 2);
    ok(cache_get(c, 1, 0) != NULL, "the same request finds it");
    cache_key(c, 1, "POST", "http://a/x", h2, 1, "{}", 2);
    ok(cache_get(c, 1, 0) == NULL, "another header value does not");
    cache_key(c, 1, "PUT", "http://a/x", h1, 1, "{}", 2);
    ok(cache_get(c, 1, 0) == NULL, "another method does not");
    cache_key(c, 1, "POST", "http://a/x", h1, 1, "{ }", 3);
    ok(cache_get(c, 1, 0) == NULL, "another body does not");
    cache_key(c, 1, "POST", "http://a/x", h1, 1, NULL, 0);
    ok(cache_get(c, 1, 0) == NULL, "no body is not the same as a body");
    cache_key(c, 1, "POST", "http://a/x", h1, 1, "", 0);
    ok(cache_get(c, 1, 0) == NULL, "nor is an empty one");
    cache_key(c, 1, "POST", "http://a/x", NULL, 0, "{}", 2);
    ok(cache_get(c, 1, 0) == NULL, "nor no headers");
    /* Lengths in the key: moving bytes between the URL and a header is not the same request. */
    const char *h3[] = {"Id: 1"};
    const char *h4[] = {"1"};
    cache_key(c, 0, NULL, "http://a/", h3, 1, NULL, 0);
    put_text(c, 0, "three", 0);
    cache_key(c, 1, NULL, "http://a/Id: ", h4, 1, NULL, 0);
    ok(cache_get(c, 1, 0) == NULL, "parts cannot run into each other");
    cache_free(c);
}

static void test_lru(void)
{
    struct cache *c = make(2, 1, 0, 1 << 20, 1 << 20);
    key_url(c, 0, "a");
    put_text(c, 0, "A", 0);
    key_url(c, 0, "b");
    put_text(c, 0, "B", 0);
    ok(holds(c, 0, "a", "A", 0), "a is held (and now most recent)");
    key_url(c, 0, "c");
    put_text(c, 0, "C", 0);
    ok(cache_count(c) == 2, "two entries at most");
    ok(holds(c, 0, "a", "A", 0), "a, used last, stays");
    ok(!holds(c, 0, "b", "B", 0), "b, the least recently used, went");
    ok(holds(c, 0, "c", "C", 0), "c is there");
    key_url(c, 0, "c");
    put_text(c, 0, "C2", 0);
    ok(cache_count(c) == 2 && holds(c, 0, "c", "C2", 0), "storing a key again replaces it");
    /* Many more than fit: the count stays bounded and entries are reused. */
    char url[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(url, sizeof(url), "u%d", i);
        key_url(c, 0, url);
        put_text(c, 0, url, 0);
    }
    ok(cache_count(c) == 2 && holds(c, 0, "u999", "u999", 0) && holds(c, 0, "u998", "u998", 0),
       "after 1000 puts the last two are held");
    cache_free(c);
}

static void test_ttl(void)
{
    struct cache *c = make(4, 1, 1000, 1 << 20, 1 << 20);
    key_url(c, 0, "a");
    put_text(c, 0, "A", 5000);
    ok(holds(c, 0, "a", "A", 5999), "fresh just before the TTL");
    ok(!holds(c, 0, "a", "A", 6000), "expired at the TTL");
    ok(cache_count(c) == 0, "an expired response is dropped");
    key_url(c, 0, "a");
    put_text(c, 0, "A2", 7000);
    ok(holds(c, 0, "a", "A2", 7500), "stored again, fresh again");
    cache_free(c);
    c = make(4, 1, 0, 1 << 20, 1 << 20);
    key_url(c, 0, "a");
    put_text(c, 0, "A", 0);
    ok(holds(c, 0, "a", "A", 1LL << 40), "no TTL: never stale");
    cache_free(c);
}

static void test_bytes(void)
{
    /* Keys here are "0:" "1:a" "0;" "-" = 8 bytes; bodies 10; type 16. */
    struct cache *c = make(100, 1, 0, 100, 40);
    key_url(c, 0, "a");
    ok(put_text(c, 0, "0123456789", 0) == 1, "a response under the entry cap is stored");
    ok(cache_bytes(c) == 34, "its key, body and type are counted: %zu", cache_bytes(c));
    key_url(c, 0, "b");
    ok(put_text(c, 0, "0123456789012345678901234567890", 0) == 0, "one over the entry cap is not");
    ok(cache_count(c) == 1, "and nothing was evicted for it");
    key_url(c, 0, "b");
    put_text(c, 0, "0123456789", 0);
    key_url(c, 0, "c");
    put_text(c, 0, "0123456789", 0);
    ok(cache_count(c) == 2 && cache_bytes(c) <= 100, "the byte budget evicts the oldest: %zu",
       cache_bytes(c));
    ok(!holds(c, 0, "a", "0123456789", 0), "a went first");
    cache_free(c);
}

static void test_flight(void)
{
    struct cache *c = make(4, 6, 0, 1 << 20, 1 << 20);
    key_url(c, 0, "x");
    ok(cache_join(c, 0) == -1, "the first request of a key leads");
    key_url(c, 1, "y");
    ok(cache_join(c, 1) == -1, "another key leads its own");
    for (size_t s = 2; s < 5; s++)
        key_url(c, s, "x");
    ok(cache_join(c, 2) == 0 && cache_join(c, 3) == 0 && cache_join(c, 4) == 0,
       "the same key follows the leader");
    ok(cache_in_flight(c, 3), "a follower is in flight");
    ok(cache_leave(c, 3) == -1 && !cache_in_flight(c, 3), "a follower leaves alone");
    ok(cache_next_follower(c, 0) == 2, "followers are answered in the order they came");
    ok(cache_next_follower(c, 0) == 4, "the one that left is skipped");
    ok(cache_next_follower(c, 0) == -1, "then there are none");
    ok(cache_leave(c, 0) == -1, "a leader without followers hands nothing on");
    key_url(c, 5, "x");
    ok(cache_join(c, 5) == -1, "once it left, the key is not in flight");
    key_url(c, 2, "x");
    key_url(c, 3, "x");
    cache_join(c, 2);
    cache_join(c, 3);
    ok(cache_leave(c, 5) == 2, "a leader that leaves hands on to its first follower");
    ok(cache_next_follower(c, 2) == 3, "who leads the rest");
    key_url(c, 4, "x");
    ok(cache_join(c, 4) == 2, "and is found as the leader");
    ok(cache_key(c, 4, NULL, "z", NULL, 0, NULL, 0) < 0, "a slot in flight keeps its key");
    cache_leave(c, 4);
    cache_leave(c, 2);
    cache_leave(c, 1);
    ok(!cache_in_flight(c, 1) && !cache_in_flight(c, 2), "all left");
    cache_free(c);
}

static void test_collisions(void)
{
    /* One bucket for every key: chains are walked and whole keys compared. */
    struct cache *c = make(1, 8, 0, 1 << 20, 1 << 20);
    char url[16];
    for (size_t s = 0; s < 8; s++) {
        snprintf(url, sizeof(url), "k%zu", s % 4);
        key_url(c, s, url);
    }
    int ok_all = 1;
    for (size_t s = 0; s < 8; s++)
        ok_all &= cache_join(c, s) == (s < 4 ? -1 : (long)(s - 4));
    ok(ok_all, "each key finds its own leader");
    ok(cache_leave(c, 1) == 5 && cache_leave(c, 5) == -1,
       "leaders leave from the middle of chains");
    key_url(c, 1, "k1");
    ok(cache_join(c, 1) == -1, "and the key is gone");
    cache_free(c);
}

int main(void)
{
    test_keys();
    test_lru();
    test_ttl();
    test_bytes();
    test_flight();
    test_collisions();
    return tap_done();
}
