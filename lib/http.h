/* The HTTP engine: one curl multi handle, one reusable easy handle per
 * record slot, keep-alive connections shared by all of them. Everything
 * libcurl-specific stays behind this interface. */
#ifndef ENRICH_HTTP_H
#define ENRICH_HTTP_H

#include <stddef.h>

#include "buf.h"

struct http; /* opaque */

struct http_config {
    size_t slots;            /* at most this many transfers at once */
    size_t max_connections;  /* 0: no bound; else transfers past it wait for a connection */
    const char *method;      /* NULL or "GET": GET */
    long connect_timeout_ms; /* 0: libcurl's default */
    int follow_redirects;
    size_t max_body;            /* a longer response body fails the attempt */
    const char *const *headers; /* the same for every request, or NULL */
    size_t nheaders;
    const char *user_agent;
};

/* How a transfer ended. Strings are valid until the next http_ call. */
enum http_outcome {
    HTTP_DONE,            /* a complete response arrived (any status) */
    HTTP_CONNECT,         /* no connection, or it broke before a response */
    HTTP_TIMEOUT,         /* CURLOPT_TIMEOUT_MS ran out */
    HTTP_CONNECT_TIMEOUT, /* the connect timeout ran out */
    HTTP_BAD_RESPONSE,    /* malformed or truncated response, bad redirect, too large */
    HTTP_NO_DESCRIPTORS   /* no connection: the process is out of file descriptors */
};

struct http_result {
    size_t slot;
    enum http_outcome outcome;
    long status;         /* 0 when no response */
    double ms;           /* the attempt's duration */
    const char *message; /* libcurl's words for a failure */
    int too_large;       /* HTTP_BAD_RESPONSE: the body was over max_body */
    const struct buf *body;
    /* The Content-Type header's value (the last response's, after
     * redirects), or NULL without one; cut at 255 bytes, which keeps every
     * media type whole (RFC 6838 allows 127 + 1 + 127). Lives as body does. */
    const char *content_type;
};

/* libcurl's version string, for --version. */
const char *http_version(void);

/* 0 if libcurl can parse url; else -1 with the reason in why. */
int http_url_check(const char *url, char *why, size_t n);

/* Returns NULL on failure (libcurl could not start, or out of memory). */
struct http *http_new(const struct http_config *cfg);
void http_free(struct http *h);

/* Start a transfer for slot. headers: this request's own header lines, or
 * NULL for the configured ones (copied: the caller may free them at once).
 * timeout_ms bounds the attempt. Returns 0, or -1 (out of memory). */
int http_start(struct http *h, size_t slot, const char *url, const char *const *headers,
               size_t nheaders, long timeout_ms);
/* Abort slot's transfer, if any. */
void http_cancel(struct http *h, size_t slot);
size_t http_in_flight(const struct http *h);

/* Wait up to timeout_ms for network activity or for one of fds to be
 * readable (revents filled as by poll(2), POLLHUP included); then let
 * libcurl do its work. Returns 0, -1 on a libcurl error. */
int http_wait(struct http *h, const int *fds, short *revents, size_t nfds, int timeout_ms);
/* Collect one finished transfer. Returns 1 with *res filled, 0 if none. The
 * slot's body and content type stay readable until its next http_start. */
int http_next_done(struct http *h, struct http_result *res);

#endif
