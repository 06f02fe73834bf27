/* The HTTP engine: one curl multi handle, a pool of transfers (each a
 * reusable easy handle with its response), keep-alive connections shared by
 * all of them. Everything libcurl-specific stays behind this interface.
 *
 * A transfer is one attempt: http_start takes a free one for an owner (an
 * opaque number: a record's slot today, any other caller's key tomorrow) and
 * returns its id. When it ends, http_next_done hands back the owner, the
 * status, the response's body and headers; they stay readable until the
 * caller gives the transfer back with http_release, so a response can live
 * longer than the attempt that fetched it. http_cancel ends a transfer early
 * and gives it back at once.
 *
 * Connections are kept alive and reused. HTTP/2 is used where the server
 * offers it (over TLS, by ALPN; over cleartext only with
 * http2_prior_knowledge), and then transfers to one host share a connection
 * as streams. */
#ifndef ENRICH_HTTP_H
#define ENRICH_HTTP_H

#include <stddef.h>

#include "buf.h"

struct http; /* opaque */

struct http_config {
    size_t transfers;       /* at most this many at once (started and not released) */
    size_t max_connections; /* 0: no bound; else transfers past it wait for a connection */
    /* NULL: GET, or POST for a request with a body. A POST, PUT or PATCH
     * without a body sends an empty one (Content-Length: 0); a HEAD never
     * sends one. */
    const char *method;
    long connect_timeout_ms; /* 0: libcurl's default */
    int follow_redirects;
    size_t max_body;            /* a longer response body fails the attempt */
    const char *const *headers; /* the same for every request, or NULL */
    size_t nheaders;
    const char *user_agent;

    /* Each host's share of max_connections (a host is a scheme, name and
     * port; 0: no bound), and HTTP/2 over cleartext without asking (h2c). */
    size_t max_host_connections;
    int http2_prior_knowledge;

    /* Credentials, at most one of them (borrowed while h lives): user "USER:PASSWORD" for
     * basic auth, bearer an OAuth 2 bearer token, netrc_file a .netrc whose
     * entry for each request's host is used (as curl --netrc-file). libcurl
     * sends them only to the URL's own scheme, host and port: a redirect to
     * another does not carry them (CURLOPT_UNRESTRICTED_AUTH stays off). */
    const char *user;
    const char *bearer;
    const char *netrc_file;
    /* TLS, as curl's options of the same names (NULL or 0: libcurl's
     * defaults, which verify the server against the system's CAs). The
     * files are read by libcurl when a connection is made. */
    const char *cacert;        /* --cacert: the CAs trusted, instead of the system's */
    const char *capath;        /* --capath: a directory of hashed CA certificates */
    int insecure;              /* -k: no check of the server's certificate or name */
    const char *cert;          /* -E: client certificate (PEM), with its key unless key */
    const char *cert_password; /* the passphrase of the client key, or NULL */
    const char *key;           /* --key: the client key (PEM), or NULL */

    /* Proxies: NULL leaves libcurl to the environment (http_proxy,
     * https_proxy, all_proxy, no_proxy); proxy "" means none at all. */
    const char *proxy;   /* -x: the proxy for every request */
    const char *noproxy; /* --noproxy: hosts reached directly ("*": all) */
};

/* How a transfer ended. */
enum http_outcome {
    HTTP_DONE,            /* a complete response arrived (any status) */
    HTTP_CONNECT,         /* no connection, or it broke before a response */
    HTTP_TIMEOUT,         /* CURLOPT_TIMEOUT_MS ran out */
    HTTP_CONNECT_TIMEOUT, /* the connect timeout ran out */
    HTTP_BAD_RESPONSE,    /* malformed or truncated response, bad redirect, too large */
    HTTP_NO_DESCRIPTORS,  /* no connection: the process is out of file descriptors */
    HTTP_TLS              /* the TLS handshake failed: certificate refused, or no agreement */
};

/* What http_next_done hands back. Everything it points to belongs to the
 * transfer and is valid until http_release(transfer). */
struct http_result {
    size_t owner;    /* as given to http_start */
    size_t transfer; /* give it back with http_release once read */
    enum http_outcome outcome;
    long status;         /* 0 when no response */
    double ms;           /* the attempt's duration */
    const char *message; /* libcurl's words for a failure */
    int too_large;       /* HTTP_BAD_RESPONSE: the body was over max_body */
    const struct buf *body;
    /* The Content-Type header's value (the last response's, after
     * redirects), or NULL without one; cut at 255 bytes, which keeps every
     * media type whole (RFC 6838 allows 127 + 1 + 127). */
    const char *content_type;
    /* The last response's Retry-After header value, trimmed, or NULL; read
     * only for a status of 300 or more (where a client may wait on it). */
    const char *retry_after;
};

/* libcurl's version string, for --version. */
const char *http_version(void);

/* 0 if libcurl can parse url; else -1 with the reason in why. */
int http_url_check(const char *url, char *why, size_t n);

/* 0 if libcurl takes proxy as a proxy URL (its scheme, when it has one,
 * http, https, socks4, socks4a, socks5 or socks5h); else -1 with the
 * reason in why, which never quotes proxy (it may hold a password). */
int http_proxy_check(const char *proxy, char *why, size_t n);

/* Returns NULL on failure (libcurl could not start, or out of memory). */
struct http *http_new(const struct http_config *cfg);
void http_free(struct http *h);

/* Start a transfer for owner. headers: this request's own header lines, or
 * NULL for the configured ones (copied: the caller may free them at once).
 * body[0..body_len): the request body, or NULL for none. The body is
 * BORROWED (libcurl's CURLOPT_POSTFIELDS reads it while sending, again on a
 * redirect that keeps the method): it must stay as it is until the transfer
 * is handed back by http_next_done or ended by http_cancel. timeout_ms
 * bounds the attempt. Returns the transfer's id, or -1 (out of memory, or
 * every transfer is taken). */
long http_start(struct http *h, size_t owner, const char *url, const char *const *headers,
                size_t nheaders, const char *body, size_t body_len, long timeout_ms);
/* End a transfer that has not finished, or give back one that has: either
 * way it is free again, and no result will come for it. */
void http_cancel(struct http *h, size_t transfer);
/* Give back a finished transfer whose result was read. */
void http_release(struct http *h, size_t transfer);
/* Transfers started and not yet finished. */
size_t http_in_flight(const struct http *h);

/* Wait up to timeout_ms for network activity or for one of fds to be
 * readable (revents filled as by poll(2), POLLHUP included); then let
 * libcurl do its work. Returns 0, -1 on a libcurl error. */
int http_wait(struct http *h, const int *fds, short *revents, size_t nfds, int timeout_ms);
/* Collect one finished transfer. Returns 1 with *res filled, 0 if none. */
int http_next_done(struct http *h, struct http_result *res);

#endif
