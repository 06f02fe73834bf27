/* The HTTP engine against a small server on loopback, run in a thread of
 * this test: transfers carry their owner, responses stay readable until
 * released, the pool is bounded, cancel frees a transfer, and the headers a
 * caller needs (Content-Type, Retry-After) come back. */
#include "http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

static int listen_fd;
static int port;

/* Answer requests on one connection until it closes: the path says how. */
static void *serve(void *arg)
{
    int fd = (int)(long)arg;
    char req[4096];
    size_t have = 0;
    for (;;) {
        char *end;
        while (!(end = memmem(req, have, "\r\n\r\n", 4))) {
            ssize_t n = recv(fd, req + have, sizeof(req) - have, 0);
            if (n <= 0 || have + (size_t)n >= sizeof(req)) {
                close(fd);
                return NULL;
            }
            have += (size_t)n;
        }
        char path[64] = "";
        sscanf(req, "GET %63s", path);
        char out[512];
        int n;
        if (strcmp(path, "/slow") == 0)
            sleep(3);
        if (strcmp(path, "/busy") == 0)
            n = snprintf(out, sizeof(out),
                         "HTTP/1.1 503 Busy\r\nretry-after:  120 \r\nContent-Length: 0\r\n\r\n");
        else
            n = snprintf(out, sizeof(out),
                         "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
                         "Retry-After: 7\r\nContent-Length: %zu\r\n\r\n{\"path\":\"%s\"}",
                         strlen(path) + 11, path);
        if (send(fd, out, (size_t)n, MSG_NOSIGNAL) != n) {
            close(fd);
            return NULL;
        }
        size_t used = (size_t)(end + 4 - req);
        memmove(req, req + used, have - used);
        have -= used;
    }
}

static void *accept_loop(void *arg)
{
    (void)arg;
    for (;;) {
        int fd = accept(listen_fd, NULL, NULL);
        if (fd < 0)
            return NULL;
        pthread_t t;
        if (pthread_create(&t, NULL, serve, (void *)(long)fd) == 0)
            pthread_detach(t);
        else
            close(fd);
    }
}

static int start_server(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
        listen(listen_fd, 16) < 0 || getsockname(listen_fd, (struct sockaddr *)&a, &len) < 0)
        return -1;
    port = ntohs(a.sin_port);
    pthread_t t;
    if (pthread_create(&t, NULL, accept_loop, NULL) != 0)
        return -1;
    pthread_detach(t);
    return 0;
}

static struct http *engine(size_t transfers)
{
    struct http_config cfg = {.transfers = transfers, .max_body = 1 << 20, .user_agent = "test"};
    return http_new(&cfg);
}

static long start(struct http *h, size_t owner, const char *path)
{
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    return http_start(h, owner, url, NULL, 0, NULL, 0, 10000);
}

/* Wait (5 s at most) for the next result. */
static int next(struct http *h, struct http_result *res)
{
    for (int i = 0; i < 500; i++) {
        if (http_next_done(h, res))
            return 1;
        if (http_wait(h, NULL, NULL, 0, 10) < 0)
            return 0;
    }
    return 0;
}

static int body_is(const struct http_result *r, const char *want)
{
    return r->body->len == strlen(want) && memcmp(r->body->data, want, r->body->len) == 0;
}

static void owners_and_headers(void)
{
    struct http *h = engine(4);
    long a = start(h, 7, "/a"), b = start(h, 3, "/busy");
    ok(a >= 0 && b >= 0 && a != b, "two transfers start");
    ok(http_in_flight(h) == 2, "two in flight");
    struct http_result r[2];
    int got = next(h, &r[0]) && next(h, &r[1]);
    ok(got, "both end");
    if (!got)
        return;
    if (r[0].owner != 7) {
        struct http_result t = r[0];
        r[0] = r[1];
        r[1] = t;
    }
    ok(r[0].owner == 7 && r[0].transfer == (size_t)a, "the first is owner 7's, on its transfer");
    ok(r[1].owner == 3 && r[1].transfer == (size_t)b, "the second is owner 3's");
    ok(r[0].outcome == HTTP_DONE && r[0].status == 200 && body_is(&r[0], "{\"path\":\"/a\"}"),
       "owner 7 got 200 and its body");
    is_str(r[0].content_type, "application/json; charset=utf-8", "with its Content-Type");
    ok(r[0].retry_after == NULL, "a 200's Retry-After is not read: no client waits on it");
    ok(r[1].status == 503 && r[1].body->len == 0, "owner 3 got 503");
    is_str(r[1].retry_after, "120", "its Retry-After, found whatever its case, trimmed");
    ok(http_in_flight(h) == 0, "none in flight");
    http_release(h, r[0].transfer);
    http_release(h, r[1].transfer);
    http_free(h);
}

static void bodies_live_until_released(void)
{
    struct http *h = engine(2);
    struct http_result first, second;
    ok(start(h, 1, "/one") >= 0 && next(h, &first), "a first response");
    ok(start(h, 2, "/two") >= 0 && next(h, &second), "a second, while the first is held");
    ok(body_is(&first, "{\"path\":\"/one\"}") && body_is(&second, "{\"path\":\"/two\"}"),
       "each keeps its own body");
    ok(start(h, 3, "/three") < 0, "with both held, no transfer is free");
    http_release(h, first.transfer);
    long again = start(h, 4, "/four");
    ok(again == (long)first.transfer, "a released transfer is taken again");
    struct http_result third;
    ok(next(h, &third) && third.owner == 4 && body_is(&third, "{\"path\":\"/four\"}"),
       "and serves its new owner");
    ok(body_is(&second, "{\"path\":\"/two\"}"), "the held one is untouched");
    http_release(h, second.transfer);
    http_release(h, third.transfer);
    http_release(h, third.transfer);
    ok(start(h, 5, "/a") >= 0 && start(h, 6, "/a") >= 0, "releasing twice frees it once");
    http_free(h);
}

static void cancel_frees_the_transfer(void)
{
    struct http *h = engine(1);
    long t = start(h, 9, "/slow");
    ok(t >= 0 && http_in_flight(h) == 1, "a slow transfer starts");
    http_wait(h, NULL, NULL, 0, 50);
    http_cancel(h, (size_t)t);
    ok(http_in_flight(h) == 0, "cancelled, it is not in flight");
    struct http_result r;
    http_wait(h, NULL, NULL, 0, 50);
    ok(!http_next_done(h, &r), "and no result comes for it");
    ok(start(h, 10, "/a") >= 0 && next(h, &r) && r.owner == 10, "its transfer serves another");
    http_release(h, r.transfer);
    http_free(h);
}

/* -x's check: libcurl's proxy schemes, a scheme guessed when there is
 * none, and a refusal that never quotes the URL (it may hold a password). */
static void proxy_urls(void)
{
    char why[256];
    ok(http_proxy_check("http://127.0.0.1:3128", why, sizeof(why)) == 0, "an http proxy");
    ok(http_proxy_check("socks5h://user:pw@proxy:1080", why, sizeof(why)) == 0,
       "a socks5h proxy with credentials");
    ok(http_proxy_check("proxy.internal:3128", why, sizeof(why)) == 0, "no scheme: http");
    ok(http_proxy_check("", why, sizeof(why)) == 0, "\"\": no proxy");
    ok(http_proxy_check("ftp://user:s3cret@proxy:21", why, sizeof(why)) < 0 &&
           strstr(why, "unsupported proxy scheme 'ftp'") && !strstr(why, "s3cret"),
       "another scheme is refused, without quoting the URL");
    ok(http_proxy_check("http://user:s3cret@[::1", why, sizeof(why)) < 0 &&
           strstr(why, "not a proxy URL") && !strstr(why, "s3cret"),
       "a malformed URL is refused, without quoting it");
}

int main(void)
{
    proxy_urls();
    if (start_server() < 0) {
        ok(0, "a server on loopback");
        return tap_done();
    }
    owners_and_headers();
    bodies_live_until_released();
    cancel_frees_the_transfer();
    close(listen_fd);
    return tap_done();
}
