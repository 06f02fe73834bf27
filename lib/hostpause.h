/* Host pauses: a 429 or 503 with Retry-After pauses new request starts to
 * its host (scheme, host and port) until a moment; records for other hosts
 * keep flowing. A small table of (host key, end of pause), bounded: it holds
 * at most capacity pauses, reusing the entries of those that ended. Pure:
 * time comes in as an argument (milliseconds on a monotonic scale, >= 0), so
 * the loop asks hostpause_until before a start and, when the host is paused,
 * arms a timer at the time it returns. */
#ifndef ENRICH_HOSTPAUSE_H
#define ENRICH_HOSTPAUSE_H

#include <stddef.h>

/* The longest key, its terminating NUL included. */
#define HOSTPAUSE_KEY_MAX 300

struct hostpause; /* opaque */

/* A table of at most capacity (>= 1) pauses. Returns NULL when out of
 * memory. */
struct hostpause *hostpause_new(size_t capacity);
void hostpause_free(struct hostpause *t);

/* Pause key until `until`. A key already paused keeps the later of its two
 * ends. until <= now pauses nothing. When capacity pauses are running
 * already, the table keeps the ones that end last: the one ending first
 * makes room, or the new one is dropped if it would end first. Returns 0,
 * or -1 when key is longer than HOSTPAUSE_KEY_MAX - 1 (nothing stored). */
int hostpause_set(struct hostpause *t, const char *key, long long until, long long now);

/* When key's pause ends if it is paused at now (a time > now), else 0. */
long long hostpause_until(const struct hostpause *t, const char *key, long long now);

/* Pauses running at now. */
size_t hostpause_count(const struct hostpause *t, long long now);

/* The host key of an http or https URL, "scheme://host:port", into key (n
 * bytes): scheme and host lowercased, userinfo left out, the port written
 * out (80 and 443 by default, "080" as 80), an IPv6 literal kept in its
 * brackets. The authority ends at the first '/', '?' or '#', and userinfo
 * at its first '@', as libcurl reads a URL. Returns 0, or -1 when url is not
 * http or https, has no host or a bad port, or the key needs more than n
 * bytes. No libcurl: the table's users need not link it. */
int hostpause_key(const char *url, char *key, size_t n);

#endif
