/* Host pauses: the bounded table and the host key of a URL. */
#include "hostpause.h"

#include <string.h>

#include "tap.h"

static void key(const char *url, const char *want)
{
    char k[HOSTPAUSE_KEY_MAX];
    int rc = hostpause_key(url, k, sizeof(k));
    is_str(rc == 0 ? k : NULL, want, url);
}

static void no_key(const char *url)
{
    char k[HOSTPAUSE_KEY_MAX];
    ok(hostpause_key(url, k, sizeof(k)) < 0, "no key for '%s'", url);
}

static void test_keys(void)
{
    key("http://example.com/users/1", "http://example.com:80");
    key("https://example.com/users/1", "https://example.com:443");
    key("HTTP://Example.COM/Users", "http://example.com:80");
    key("http://example.com", "http://example.com:80");
    key("http://example.com?q=1", "http://example.com:80");
    key("http://example.com#top", "http://example.com:80");
    key("http://example.com:8080/x", "http://example.com:8080");
    key("http://example.com:80/x", "http://example.com:80");
    key("https://example.com:080/x", "https://example.com:80");
    key("http://example.com:/x", "http://example.com:80");
    key("http://user:secret@example.com:81/x", "http://example.com:81");
    key("http://user@example.com/x@y", "http://example.com:80");
    /* No part of a password with an @ in it goes into a key (--stats prints them). */
    key("http://user:p@ss@example.com/", "http://example.com:80");
    key("http://127.0.0.1:9000/", "http://127.0.0.1:9000");
    key("http://[::1]:8080/x", "http://[::1]:8080");
    key("https://[2001:DB8::1]/x", "https://[2001:db8::1]:443");
    key("http://u:p@[::1]/", "http://[::1]:80");
    key("http://example.com/a:b@c", "http://example.com:80");

    no_key("ftp://example.com/");
    no_key("example.com/x");
    no_key("http:/example.com/");
    no_key("http:///x");
    no_key("http://user@/x");
    no_key("http://:80/x");
    no_key("http://example.com:65536/");
    no_key("http://example.com:8o/");
    no_key("http://example.com:-1/");
    no_key("http://[::1/");
    no_key("http://[::1]x/");

    char small[16];
    ok(hostpause_key("http://example.com/", small, sizeof(small)) < 0,
       "no key when it does not fit");
    ok(hostpause_key("http://a.io/", small, sizeof(small)) == 0 && !strcmp(small, "http://a.io:80"),
       "a key that just fits");
}

static void test_table(void)
{
    struct hostpause *t = hostpause_new(2);
    const char *a = "http://a:80", *b = "http://b:80", *c = "http://c:80";
    ok(hostpause_until(t, a, 0) == 0 && hostpause_count(t, 0) == 0, "nothing paused at first");

    ok(hostpause_set(t, a, 1000, 100) == 0, "pause a until 1000");
    ok(hostpause_until(t, a, 100) == 1000 && hostpause_until(t, a, 999) == 1000,
       "a is paused until 1000");
    ok(hostpause_until(t, a, 1000) == 0, "and not from 1000 on");
    ok(hostpause_until(t, b, 100) == 0, "b is not paused");

    hostpause_set(t, a, 800, 200);
    ok(hostpause_until(t, a, 200) == 1000, "a shorter pause does not cut a running one");
    hostpause_set(t, a, 1500, 200);
    ok(hostpause_until(t, a, 200) == 1500, "a longer pause extends it");
    hostpause_set(t, b, 300, 300);
    ok(hostpause_until(t, b, 300) == 0 && hostpause_count(t, 300) == 1,
       "a pause that ends at once pauses nothing");

    /* Bounded: two entries. */
    hostpause_set(t, b, 2000, 300);
    ok(hostpause_count(t, 300) == 2, "two pauses");
    hostpause_set(t, c, 1200, 300);
    ok(hostpause_until(t, c, 300) == 0 && hostpause_until(t, a, 300) == 1500 &&
           hostpause_until(t, b, 300) == 2000,
       "full: a pause that would end first is dropped");
    hostpause_set(t, c, 3000, 300);
    ok(hostpause_until(t, c, 300) == 3000 && hostpause_until(t, a, 300) == 0 &&
           hostpause_until(t, b, 300) == 2000,
       "full: a longer pause takes the place of the one ending first");
    hostpause_set(t, a, 2500, 2100);
    ok(hostpause_until(t, a, 2100) == 2500 && hostpause_until(t, c, 2100) == 3000 &&
           hostpause_count(t, 2100) == 2,
       "an ended pause's entry is reused");
    ok(hostpause_count(t, 3000) == 0 && hostpause_until(t, c, 3000) == 0, "all over at 3000");

    char long_key[HOSTPAUSE_KEY_MAX + 1];
    memset(long_key, 'x', sizeof(long_key) - 1);
    long_key[sizeof(long_key) - 1] = '\0';
    ok(hostpause_set(t, long_key, 5000, 0) < 0, "a key too long is refused");
    long_key[HOSTPAUSE_KEY_MAX - 1] = '\0';
    ok(hostpause_set(t, long_key, 5000, 4000) == 0 && hostpause_until(t, long_key, 4000) == 5000,
       "the longest key is kept whole");
    hostpause_free(t);

    t = hostpause_new(1);
    hostpause_set(t, a, 100, 0);
    hostpause_set(t, b, 200, 150);
    ok(hostpause_until(t, b, 150) == 200 && hostpause_until(t, a, 50) == 0,
       "capacity 1: an ended pause makes room");
    hostpause_free(t);
}

int main(void)
{
    test_keys();
    test_table();
    return tap_done();
}
