/* Host pauses; see hostpause.h. A linear table: pauses are rare and few,
 * and `latest` answers the common question (is anything paused?) at once. */
#include "hostpause.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct entry {
    long long until; /* the pause is running while until > now */
    char key[HOSTPAUSE_KEY_MAX];
};

struct hostpause {
    size_t capacity;
    long long latest; /* no pause runs past this */
    struct entry *entries;
};

struct hostpause *hostpause_new(size_t capacity)
{
    struct hostpause *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->capacity = capacity ? capacity : 1;
    t->entries = calloc(t->capacity, sizeof(*t->entries));
    if (!t->entries) {
        free(t);
        return NULL;
    }
    return t;
}

void hostpause_free(struct hostpause *t)
{
    if (!t)
        return;
    free(t->entries);
    free(t);
}

/* key's running pause at now, or NULL. */
static struct entry *find(const struct hostpause *t, const char *key, long long now)
{
    if (t->latest <= now)
        return NULL;
    for (size_t i = 0; i < t->capacity; i++) {
        struct entry *e = &t->entries[i];
        if (e->until > now && strcmp(e->key, key) == 0)
            return e;
    }
    return NULL;
}

int hostpause_set(struct hostpause *t, const char *key, long long until, long long now)
{
    size_t len = strlen(key);
    if (len >= HOSTPAUSE_KEY_MAX)
        return -1;
    if (until <= now)
        return 0;
    struct entry *e = find(t, key, now);
    if (e) {
        if (until > e->until)
            e->until = until;
    } else {
        /* An ended pause's entry (until <= now), or the one ending first. */
        e = &t->entries[0];
        for (size_t i = 1; i < t->capacity && e->until > now; i++)
            if (t->entries[i].until < e->until)
                e = &t->entries[i];
        if (e->until > now && e->until >= until)
            return 0; /* every running pause ends after this one */
        memcpy(e->key, key, len + 1);
        e->until = until;
    }
    if (until > t->latest)
        t->latest = until;
    return 0;
}

long long hostpause_until(const struct hostpause *t, const char *key, long long now)
{
    const struct entry *e = find(t, key, now);
    return e ? e->until : 0;
}

size_t hostpause_count(const struct hostpause *t, long long now)
{
    size_t n = 0;
    for (size_t i = 0; t->latest > now && i < t->capacity; i++)
        n += t->entries[i].until > now;
    return n;
}

/* Append s[0..len) to key, lowercased; -1 when it does not fit. */
static int put(char *key, size_t n, size_t *used, const char *s, size_t len)
{
    if (len >= n - *used)
        return -1;
    for (size_t i = 0; i < len; i++)
        key[(*used)++] = (char)tolower((unsigned char)s[i]);
    key[*used] = '\0';
    return 0;
}

/* The port after a host: nothing (or an empty port, which RFC 3986 says is
 * the default) or digits up to 65535. Returns it, or -1. */
static long parse_port(const char *p, const char *end, long default_port)
{
    if (p == end)
        return default_port;
    if (*p++ != ':')
        return -1;
    if (p == end)
        return default_port;
    long port = 0;
    for (; p < end; p++) {
        if (!isdigit((unsigned char)*p))
            return -1;
        port = port * 10 + (*p - '0');
        if (port > 65535)
            return -1;
    }
    return port;
}

int hostpause_key(const char *url, char *key, size_t n)
{
    size_t scheme_len;
    long default_port;
    if (strncasecmp(url, "http://", 7) == 0)
        scheme_len = 4, default_port = 80;
    else if (strncasecmp(url, "https://", 8) == 0)
        scheme_len = 5, default_port = 443;
    else
        return -1;
    const char *host = url + scheme_len + 3;
    const char *end = host + strcspn(host, "/?#");
    /* The last @: a host cannot hold one, an unencoded password might. */
    const char *at = memrchr(host, '@', (size_t)(end - host));
    if (at)
        host = at + 1;
    const char *host_end;
    if (*host == '[') {
        host_end = memchr(host, ']', (size_t)(end - host));
        if (!host_end)
            return -1;
        host_end++;
    } else {
        host_end = memchr(host, ':', (size_t)(end - host));
        if (!host_end)
            host_end = end;
    }
    long port = parse_port(host_end, end, default_port);
    if (host_end == host || port < 0 || n == 0)
        return -1;
    char port_text[24];
    snprintf(port_text, sizeof(port_text), ":%ld", port);
    size_t used = 0;
    if (put(key, n, &used, url, scheme_len) < 0 || put(key, n, &used, "://", 3) < 0 ||
        put(key, n, &used, host, (size_t)(host_end - host)) < 0 ||
        put(key, n, &used, port_text, strlen(port_text)) < 0)
        return -1;
    return 0;
}
