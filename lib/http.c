/* The HTTP engine; see http.h. Easy handles are created lazily, one per
 * transfer of the pool, and reused, so a long run allocates them at most
 * `transfers` times. Free transfers are a stack of ids. */
#include "http.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

enum transfer_state { T_FREE, T_ACTIVE, T_DONE };

/* Why the h2c guard (below) stopped a request before it was sent. */
enum h2c_stop { H2C_SENT, H2C_WRONG_KIND, H2C_NO_MEMORY };

struct transfer {
    enum transfer_state state;
    size_t owner;
    struct http *http;
    CURL *easy;
    struct curl_slist *headers; /* this request's own list; freed after removal */
    const char *custom_method;  /* CURLOPT_CUSTOMREQUEST as last set on easy, or NULL */
    /* What easy keeps from the last request, so that a request like it sets
     * no option twice: a GET without a body (plain_get), the header list,
     * the timeout, and the version options (version_known). */
    int plain_get;
    const struct curl_slist *list_set;
    long timeout_set;
    int version_known;
    long pipewait, fresh;
    struct buf body;
    char content_type[256]; /* copied: libcurl's copy dies when the handle is reused */
    char retry_after[64];   /* the Retry-After value, or "" */
    char errbuf[CURL_ERROR_SIZE];
    char message[CURL_ERROR_SIZE + 64];
    long timeout_ms; /* this attempt's budget */
    int too_large;
    int in_head;      /* no byte of a body has arrived yet */
    int socket_errno; /* why socket() failed, or 0 */
    long version;     /* the CURLOPT_HTTP_VERSION of this attempt */
    int opening;      /* a request by prior knowledge, not yet at the guard */
    int h2c_counted;  /* counted in http.h2c_load */
    enum h2c_stop h2c_stop;
    int h2c_restarts;  /* times the h2c guard started this attempt again */
    curl_off_t h2c_us; /* time spent before those restarts */
};

/* A connection by its addresses, as libcurl and getsockname(2) print them. */
struct h2c_conn {
    char local_ip[INET6_ADDRSTRLEN];
    char peer_ip[INET6_ADDRSTRLEN];
    long local_port;
    long peer_port;
};

struct http {
    CURLM *multi;
    struct http_config cfg;
    struct curl_slist *common_headers;
    /* The User-Agent and Accept-Encoding lines, sent as header lines of our
     * own unless the user's headers name them (see default_lines). */
    char *ua_line;
    char ae_line[64];
    int proxy_env;   /* a proxy variable is set in the environment */
    int noproxy_env; /* no_proxy or NO_PROXY is set */
    int get_only;    /* the method is GET (or not given): no request has a body unless given one */
    struct transfer *transfers;
    size_t *free_ids; /* a stack of the free transfers' ids */
    size_t nfree;
    size_t in_flight;
    int h2c_guard;        /* libcurl 7.88 under http2_prior_knowledge: see below */
    struct h2c_conn *h2c; /* the cleartext connections switched to HTTP/2 */
    size_t nh2c, h2c_alloc;
    size_t openers;  /* transfers with opening set */
    size_t h2c_load; /* transfers with h2c_counted set */
    int stalls;      /* transfers may stall: see http_wait */
    CURL *spare;     /* never run: added and removed to wake waiting transfers */
};

static size_t on_body(char *p, size_t size, size_t n, void *userdata)
{
    struct transfer *t = userdata;
    size_t len = size * n;
    t->in_head = 0;
    if (buf_append(&t->body, p, len) < 0) {
        t->too_large = 1;
        return 0; /* libcurl aborts the transfer with CURLE_WRITE_ERROR */
    }
    return len;
}

/* libcurl's own socket() failure leaves no trace of errno: open it here. */
static curl_socket_t on_open_socket(void *userdata, curlsocktype purpose,
                                    struct curl_sockaddr *address)
{
    struct transfer *t = userdata;
    (void)purpose;
    curl_socket_t s = socket(address->family, address->socktype, address->protocol);
    if (s == CURL_SOCKET_BAD)
        t->socket_errno = errno;
    return s;
}

static struct curl_slist *slist_from(const char *const *lines, size_t n, int *failed)
{
    struct curl_slist *list = NULL;
    *failed = 0;
    for (size_t i = 0; i < n; i++) {
        struct curl_slist *next = curl_slist_append(list, lines[i]);
        if (!next) {
            curl_slist_free_all(list);
            *failed = 1;
            return NULL;
        }
        list = next;
    }
    return list;
}

static int has_header(const struct curl_slist *list, const char *name)
{
    size_t k = strlen(name);
    for (; list; list = list->next)
        if (strncasecmp(list->data, name, k) == 0 && (list->data[k] == ':' || list->data[k] == ';'))
            return 1;
    return 0;
}

/* ---- What every request says of itself -------------------------------
 *
 * libcurl 7.88 writes its own User-Agent and Accept-Encoding lines anew for
 * each request, each through its printf twice, a byte at a time: about
 * 6 000 instructions a request (callgrind), half of what enrich does for a
 * record. Given as header lines, the same text is copied once. So enrich
 * sends them as lines of its own, after the user's, unless the user's
 * headers name them: the user's line, even an empty one that removes the
 * header, wins as before. libcurl still decodes what is offered, since
 * CURLOPT_ACCEPT_ENCODING stays set: a header line of that name only stops
 * it from writing its own. A proxy's CONNECT request does not carry these
 * lines, so where a proxy may be used CURLOPT_USERAGENT is set as well
 * (libcurl then leaves its own line out of the request that has ours). */

/* "Accept-Encoding: " and what CURLOPT_ACCEPT_ENCODING "" offers: every
 * encoding this libcurl decodes, in its order. */
static void accept_encoding_line(char *out, size_t n)
{
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    int zlib = (v->features & CURL_VERSION_LIBZ) != 0;
    int br = (v->features & CURL_VERSION_BROTLI) != 0;
    int zstd = (v->features & CURL_VERSION_ZSTD) != 0;
    if (!zlib && !br && !zstd) {
        snprintf(out, n, "Accept-Encoding: identity");
        return;
    }
    snprintf(out, n, "Accept-Encoding: %s%s%s%s%s", zlib ? "deflate, gzip" : "",
             zlib && br ? ", " : "", br ? "br" : "", (zlib || br) && zstd ? ", " : "",
             zstd ? "zstd" : "");
}

/* Our User-Agent and Accept-Encoding lines at the end of *list, each
 * unless the list names it. Returns -1 out of memory (*list stays whole). */
static int add_default_lines(const struct http *h, struct curl_slist **list)
{
    const char *lines[] = {h->ua_line, h->ae_line};
    const char *names[] = {"User-Agent", "Accept-Encoding"};
    for (size_t i = 0; i < 2; i++) {
        if (!lines[i] || has_header(*list, names[i]))
            continue;
        struct curl_slist *next = curl_slist_append(*list, lines[i]);
        if (!next)
            return -1;
        *list = next;
    }
    return 0;
}

/* Whether the environment names a proxy libcurl would use for http or
 * https (it does not read HTTP_PROXY), or hosts to reach without one. */
static int env_names_proxy(void)
{
    return getenv("http_proxy") || getenv("https_proxy") || getenv("HTTPS_PROXY") ||
           getenv("all_proxy") || getenv("ALL_PROXY");
}

static int env_names_noproxy(void)
{
    return getenv("no_proxy") || getenv("NO_PROXY");
}

/* A proxy may carry some request. */
static int may_proxy(const struct http *h)
{
    return h->cfg.proxy ? h->cfg.proxy[0] != '\0' : h->proxy_env;
}

/* ---- HTTP/2 by prior knowledge on libcurl 7.88 ----------------------
 *
 * libcurl 7.88.0 and 7.88.1 (Debian 12's) break a connection that a request
 * asking for HTTP/2 by prior knowledge reuses: they start HTTP/2 on it a
 * second time, and the server, seeing a second preface, ends every stream
 * ("Error in the HTTP2 framing layer"; curl issue 10634, fixed in 8.0.0 by
 * commit cbe9d82). A request asking for HTTP/2 over TLS only (2TLS) shares
 * a cleartext HTTP/2 connection as it should, but makes HTTP/1.1 ones.
 *
 * So on those versions a cleartext request is looked at just before it is
 * sent (CURLOPT_PREREQFUNCTION), on the connection libcurl chose for it: one
 * asking for prior knowledge may go only on a connection not yet speaking
 * HTTP/2, which it then switches to HTTP/2; one asking for 2TLS only on a
 * connection already switched. A request on the wrong kind is stopped
 * before a byte of it is sent, and http_next_done starts it again with the
 * other version, unseen by the caller: by prior knowledge on a connection
 * of its own (CURLOPT_FRESH_CONNECT), which the guard always lets pass, or
 * by 2TLS on libcurl's choice of connection. Switched connections are known
 * by their addresses and ports, and forgotten when libcurl closes them
 * (CURLOPT_CLOSESOCKETFUNCTION).
 *
 * A request asks for 2TLS while the connections switched or being opened by
 * prior knowledge have a stream free: then it shares one, or waits for the
 * one being opened (CURLOPT_PIPEWAIT), and a burst of requests makes one
 * connection. Otherwise it opens one by prior knowledge, without waiting
 * for a connection libcurl may be making for nothing. So a request starts
 * again at most twice (prior knowledge on a switched connection, then 2TLS
 * finding none with a stream free), and only when libcurl chose otherwise
 * than counted. */

/* More restarts than that mean something unforeseen: the request fails
 * rather than loop. */
#define H2C_MAX_RESTARTS 4

/* Streams at once on one HTTP/2 connection: libcurl's default, said here so
 * that the count above and libcurl agree (servers allow 100 or more). */
#define H2_STREAMS 100

static int libcurl_breaks_h2c_reuse(void)
{
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    return v && (v->version_num >> 8) == 0x0758; /* 7.88.x */
}

static int h2c_same(const struct h2c_conn *a, const struct h2c_conn *b)
{
    return a->local_port == b->local_port && a->peer_port == b->peer_port &&
           strcmp(a->local_ip, b->local_ip) == 0 && strcmp(a->peer_ip, b->peer_ip) == 0;
}

/* Where c is among the switched connections, or h->nh2c. */
static size_t h2c_find(const struct http *h, const struct h2c_conn *c)
{
    size_t i = 0;
    while (i < h->nh2c && !h2c_same(&h->h2c[i], c))
        i++;
    return i;
}

static int h2c_add(struct http *h, const struct h2c_conn *c)
{
    if (h->nh2c == h->h2c_alloc) {
        size_t n = h->h2c_alloc ? 2 * h->h2c_alloc : 8;
        struct h2c_conn *more = realloc(h->h2c, n * sizeof(*more));
        if (!more)
            return -1;
        h->h2c = more;
        h->h2c_alloc = n;
    }
    h->h2c[h->nh2c++] = *c;
    return 0;
}

/* The text and port of an address, as libcurl prints them. */
static int address_of(const struct sockaddr_storage *sa, char *ip, long *port)
{
    const void *addr;
    if (sa->ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        addr = &in->sin_addr;
        *port = ntohs(in->sin_port);
    } else if (sa->ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        addr = &in6->sin6_addr;
        *port = ntohs(in6->sin6_port);
    } else {
        return -1;
    }
    return inet_ntop(sa->ss_family, addr, ip, INET6_ADDRSTRLEN) ? 0 : -1;
}

/* libcurl closes a connection: forget it if it was switched. A connection
 * the peer reset has no peer address any more (ENOTCONN): then its local
 * address alone finds it (two connections share one only when they go to
 * different servers). */
static int on_close_socket(void *userdata, curl_socket_t s)
{
    struct http *h = userdata;
    struct sockaddr_storage local, peer;
    socklen_t local_len = sizeof(local), peer_len = sizeof(peer);
    struct h2c_conn c;
    if (h->nh2c == 0 || getsockname(s, (struct sockaddr *)&local, &local_len) != 0 ||
        address_of(&local, c.local_ip, &c.local_port) != 0)
        return close(s);
    int peer_known = getpeername(s, (struct sockaddr *)&peer, &peer_len) == 0 &&
                     address_of(&peer, c.peer_ip, &c.peer_port) == 0;
    for (size_t i = 0; i < h->nh2c; i++) {
        const struct h2c_conn *k = &h->h2c[i];
        if (k->local_port == c.local_port && strcmp(k->local_ip, c.local_ip) == 0 &&
            (!peer_known || (k->peer_port == c.peer_port && strcmp(k->peer_ip, c.peer_ip) == 0))) {
            h->h2c[i] = h->h2c[--h->nh2c];
            break;
        }
    }
    return close(s);
}

/* t's request by prior knowledge reached the guard, or ended before. */
static void opened(struct http *h, struct transfer *t)
{
    if (t->opening) {
        t->opening = 0;
        h->openers--;
    }
}

/* t's attempt ended (or never started): it counts no more. */
static void attempt_over(struct http *h, struct transfer *t)
{
    opened(h, t);
    if (t->h2c_counted) {
        t->h2c_counted = 0;
        h->h2c_load--;
    }
}

/* The guard, called by libcurl with the connection a request is about to be
 * sent on. */
static int on_prereq(void *userdata, char *peer_ip, char *local_ip, int peer_port, int local_port)
{
    struct transfer *t = userdata;
    struct http *h = t->http;
    char *scheme = NULL;
    opened(h, t);
    t->h2c_stop = H2C_SENT;
    if (curl_easy_getinfo(t->easy, CURLINFO_SCHEME, &scheme) != CURLE_OK || !scheme ||
        strcasecmp(scheme, "http") != 0)
        return CURL_PREREQFUNC_OK; /* over TLS, ALPN decides: no bug there */
    struct h2c_conn c = {.local_port = local_port, .peer_port = peer_port};
    snprintf(c.local_ip, sizeof(c.local_ip), "%s", local_ip ? local_ip : "");
    snprintf(c.peer_ip, sizeof(c.peer_ip), "%s", peer_ip ? peer_ip : "");
    int switched = h2c_find(h, &c) < h->nh2c;
    if (t->version == CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE && !switched) {
        /* This request switches the connection: remember it first. */
        if (h2c_add(h, &c) == 0)
            return CURL_PREREQFUNC_OK;
        t->h2c_stop = H2C_NO_MEMORY;
        return CURL_PREREQFUNC_ABORT;
    }
    if (t->version != CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE && switched)
        return CURL_PREREQFUNC_OK;
    t->h2c_stop = H2C_WRONG_KIND;
    return CURL_PREREQFUNC_ABORT;
}

/* How the next attempt of t connects: with which HTTP version, whether it
 * waits for a connection being made to share it (pipewait), and whether it
 * makes a connection of its own (fresh). */
static int set_version(struct http *h, struct transfer *t, long version, long pipewait, long fresh)
{
    int same = t->version_known && t->version == version && t->pipewait == pipewait &&
               t->fresh == fresh;
    t->version = version;
    if (h->h2c_guard && version == CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE) {
        t->opening = 1;
        h->openers++;
    }
    if (same)
        return 0;
    t->version_known = curl_easy_setopt(t->easy, CURLOPT_HTTP_VERSION, version) == CURLE_OK &&
                       curl_easy_setopt(t->easy, CURLOPT_PIPEWAIT, pipewait) == CURLE_OK &&
                       curl_easy_setopt(t->easy, CURLOPT_FRESH_CONNECT, fresh) == CURLE_OK;
    t->pipewait = pipewait;
    t->fresh = fresh;
    return t->version_known ? 0 : -1;
}

/* Set the version of a new attempt to url. A transfer waits for a
 * connection being made to its host when that connection is known to carry
 * HTTP/2 streams as soon as it is made, to share it rather than open one of
 * its own, as curl --parallel does: 50 transfers started at once make one
 * connection, not 50. That is so over TLS (ALPN says) and by prior
 * knowledge; over plain HTTP/1.1 libcurl learns the version only from the
 * first response, so there transfers do not wait. */
static int choose_version(struct http *h, struct transfer *t, const char *url)
{
    int tls = strncasecmp(url, "https://", 8) == 0;
    if (tls || h->cfg.http2_prior_knowledge)
        h->stalls = 1; /* HTTP/2 may be spoken, and CURLOPT_PIPEWAIT is */
    if (!h->cfg.http2_prior_knowledge || tls)
        return set_version(h, t, CURL_HTTP_VERSION_2TLS, tls, 0L);
    if (!h->h2c_guard)
        return set_version(h, t, CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE, 1L, 0L);
    size_t streams = (h->nh2c + h->openers) * H2_STREAMS;
    int share = h->h2c_load < streams;
    t->h2c_counted = 1;
    h->h2c_load++;
    if (share)
        return set_version(h, t, CURL_HTTP_VERSION_2TLS, 1L, 0L);
    /* A connection of its own, unless none is switched: it may take one
     * libcurl made for nothing. */
    return set_version(h, t, CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE, 0L, h->nh2c > 0);
}

/* t was stopped by the guard: start it again with the other version, within
 * what is left of its budget. Returns 1 if it runs again, else 0 (it may
 * then be out of the multi handle, and ends as it is). */
static int h2c_restart(struct http *h, struct transfer *t)
{
    if (t->h2c_stop != H2C_WRONG_KIND || t->h2c_restarts >= H2C_MAX_RESTARTS)
        return 0;
    curl_off_t us = 0;
    if (curl_easy_getinfo(t->easy, CURLINFO_TOTAL_TIME_T, &us) != CURLE_OK)
        us = 0;
    curl_multi_remove_handle(h->multi, t->easy);
    t->h2c_us += us;
    t->h2c_restarts++;
    long left = t->timeout_ms - (long)(t->h2c_us / 1000);
    int to_prior = t->version != CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE;
    t->errbuf[0] = '\0';
    opened(h, t);
    if ((to_prior ? set_version(h, t, CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE, 0L, 1L)
                  : set_version(h, t, CURL_HTTP_VERSION_2TLS, 1L, 0L)) < 0 ||
        curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS, left > 0 ? left : 1L) != CURLE_OK ||
        curl_multi_add_handle(h->multi, t->easy) != CURLM_OK)
        return 0;
    t->timeout_set = left > 0 ? left : 1L;
    return 1;
}

static long clamp_long(size_t n)
{
    return n > LONG_MAX ? LONG_MAX : (long)n;
}

struct http *http_new(const struct http_config *cfg)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return NULL;
    struct http *h = calloc(1, sizeof(*h));
    if (!h)
        goto fail;
    h->cfg = *cfg;
    h->transfers = calloc(cfg->transfers, sizeof(*h->transfers));
    h->free_ids = calloc(cfg->transfers, sizeof(*h->free_ids));
    h->multi = curl_multi_init();
    if (!h->transfers || !h->free_ids || !h->multi)
        goto fail;
    /* Pushed in reverse, so transfer 0 is taken first. */
    for (size_t i = cfg->transfers; i-- > 0;) {
        h->free_ids[h->nfree++] = i;
        h->transfers[i].http = h;
    }
    /* Past either bound, libcurl keeps a transfer pending until a connection
     * is free (closing an idle one if need be) instead of failing it. An
     * HTTP/2 connection counts once however many streams it carries, which
     * libcurl's default (CURLPIPE_MULTIPLEX since 7.62) allows: said here so
     * that no default can take it away. */
    if (curl_multi_setopt(h->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
                          clamp_long(cfg->max_connections)) != CURLM_OK ||
        curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
                          clamp_long(cfg->max_host_connections)) != CURLM_OK ||
        curl_multi_setopt(h->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX) != CURLM_OK ||
        curl_multi_setopt(h->multi, CURLMOPT_MAX_CONCURRENT_STREAMS, (long)H2_STREAMS) != CURLM_OK)
        goto fail;
    h->h2c_guard = cfg->http2_prior_knowledge && libcurl_breaks_h2c_reuse();
    /* Some transfers may have to wait for a connection. */
    h->stalls = (cfg->max_connections > 0 && cfg->max_connections < cfg->transfers) ||
                (cfg->max_host_connections > 0 && cfg->max_host_connections < cfg->transfers);
    h->get_only = !cfg->method || strcmp(cfg->method, "GET") == 0;
    h->proxy_env = env_names_proxy();
    h->noproxy_env = env_names_noproxy();
    accept_encoding_line(h->ae_line, sizeof(h->ae_line));
    if (cfg->user_agent) {
        size_t n = strlen("User-Agent: ") + strlen(cfg->user_agent) + 1;
        if (!(h->ua_line = malloc(n)))
            goto fail;
        snprintf(h->ua_line, n, "User-Agent: %s", cfg->user_agent);
    }
    int failed;
    h->common_headers = slist_from(cfg->headers, cfg->nheaders, &failed);
    if (failed || add_default_lines(h, &h->common_headers) < 0)
        goto fail;
    return h;
fail:
    if (h)
        http_free(h); /* which ends libcurl's global use too */
    else
        curl_global_cleanup();
    return NULL;
}

void http_free(struct http *h)
{
    if (!h)
        return;
    for (size_t i = 0; h->transfers && i < h->cfg.transfers; i++) {
        struct transfer *t = &h->transfers[i];
        if (!t->easy)
            continue; /* never used, never touched */
        if (t->state == T_ACTIVE)
            curl_multi_remove_handle(h->multi, t->easy);
        curl_easy_cleanup(t->easy);
        curl_slist_free_all(t->headers);
        buf_free(&t->body);
    }
    if (h->spare)
        curl_easy_cleanup(h->spare);
    /* Closing the connections calls on_close_socket, which reads h->h2c. */
    if (h->multi)
        curl_multi_cleanup(h->multi);
    free(h->h2c);
    curl_slist_free_all(h->common_headers);
    free(h->ua_line);
    free(h->transfers);
    free(h->free_ids);
    free(h);
    curl_global_cleanup();
}

/* Credentials, the same for every request (libcurl copies the strings). */
static int set_credentials(const struct http *h, CURL *e)
{
    const struct http_config *c = &h->cfg;
    if (c->user)
        return curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC) == CURLE_OK &&
               curl_easy_setopt(e, CURLOPT_USERPWD, c->user) == CURLE_OK;
    if (c->bearer)
        return curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER) == CURLE_OK &&
               curl_easy_setopt(e, CURLOPT_XOAUTH2_BEARER, c->bearer) == CURLE_OK;
    if (c->netrc_file)
        return curl_easy_setopt(e, CURLOPT_NETRC, (long)CURL_NETRC_REQUIRED) == CURLE_OK &&
               curl_easy_setopt(e, CURLOPT_NETRC_FILE, c->netrc_file) == CURLE_OK;
    return 1;
}

/* ---- TLS and proxies ------------------------------------------------
 *
 * Set once per handle, as curl's options of the same names set them. What is
 * not given keeps libcurl's default: the system's CAs, the server's
 * certificate and name verified, and the proxy environment variables
 * (http_proxy, https_proxy, all_proxy, no_proxy), which libcurl reads for
 * each request unless CURLOPT_PROXY is set; even then it reads no_proxy,
 * unless CURLOPT_NOPROXY is set. They are read once instead (http_new). */
static int set_tls_and_proxy(const struct http *h, CURL *e)
{
    const struct http_config *c = &h->cfg;
    int ok = 1;
    if (c->cacert)
        ok = ok && curl_easy_setopt(e, CURLOPT_CAINFO, c->cacert) == CURLE_OK;
    if (c->capath)
        ok = ok && curl_easy_setopt(e, CURLOPT_CAPATH, c->capath) == CURLE_OK;
    if (c->insecure)
        ok = ok && curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L) == CURLE_OK &&
             curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L) == CURLE_OK;
    if (c->cert)
        ok = ok && curl_easy_setopt(e, CURLOPT_SSLCERT, c->cert) == CURLE_OK;
    if (c->key)
        ok = ok && curl_easy_setopt(e, CURLOPT_SSLKEY, c->key) == CURLE_OK;
    /* Without a passphrase, OpenSSL would ask for one on the terminal and
     * wait: an empty one makes an encrypted key fail instead. */
    if (c->cert || c->key)
        ok = ok && curl_easy_setopt(e, CURLOPT_KEYPASSWD,
                                    c->cert_password ? c->cert_password : "") == CURLE_OK;
    /* The environment was read once, at the start: where it names no proxy
     * (or no exceptions), saying so here spares libcurl reading it for
     * each request (about 1 500 instructions). */
    if (c->proxy || !h->proxy_env)
        ok = ok && curl_easy_setopt(e, CURLOPT_PROXY, c->proxy ? c->proxy : "") == CURLE_OK;
    if (c->noproxy || !h->noproxy_env)
        ok = ok && curl_easy_setopt(e, CURLOPT_NOPROXY, c->noproxy ? c->noproxy : "") == CURLE_OK;
    return ok ? 0 : -1;
}

int http_proxy_check(const char *proxy, char *why, size_t n)
{
    static const char *const schemes[] = {"http",    "https",  "socks4",
                                          "socks4a", "socks5", "socks5h"};
    if (!*proxy)
        return 0; /* no proxy at all */
    CURLU *u = curl_url();
    if (!u) {
        snprintf(why, n, "out of memory");
        return -1;
    }
    char *scheme = NULL;
    CURLUcode rc =
        curl_url_set(u, CURLUPART_URL, proxy, CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME);
    if (rc == CURLUE_OK)
        rc = curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
    curl_url_cleanup(u);
    if (rc != CURLUE_OK) {
        snprintf(why, n, "not a proxy URL: %s", curl_url_strerror(rc));
        return -1;
    }
    int known = 0;
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
        known |= strcasecmp(scheme, schemes[i]) == 0;
    if (!known)
        snprintf(why, n,
                 "unsupported proxy scheme '%.32s' (want http, https, socks4, socks4a, socks5 or "
                 "socks5h)",
                 scheme);
    curl_free(scheme);
    return known ? 0 : -1;
}

/* Options that never change between requests are set once per handle. */
static CURL *easy_new(struct http *h, struct transfer *t)
{
    CURL *e = curl_easy_init();
    if (!e)
        return NULL;
    const char *method = h->cfg.method;
    int ok =
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_WRITEDATA, t) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, on_open_socket) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, t) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") == CURLE_OK &&
        /* The URL goes out exactly as expanded: no dot-segment removal. */
        curl_easy_setopt(e, CURLOPT_PATH_AS_IS, 1L) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, (long)h->cfg.follow_redirects) == CURLE_OK &&
        /* libcurl 7.88 sets no limit: a redirect loop would run until the
         * headers overflow. */
        curl_easy_setopt(e, CURLOPT_MAXREDIRS, 50L) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "") == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_PRIVATE, (void *)t) == CURLE_OK &&
        (!may_proxy(h) ||
         curl_easy_setopt(e, CURLOPT_USERAGENT, h->cfg.user_agent) == CURLE_OK);
    /* A Content-Length over the limit fails before any of the body is read
     * (a body without one is stopped in on_body); a HEAD response's tells of
     * a body that never comes. */
    if (ok && !(method && strcmp(method, "HEAD") == 0))
        ok =
            curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)h->cfg.max_body) == CURLE_OK;
    if (ok && h->h2c_guard)
        ok = curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, on_prereq) == CURLE_OK &&
             curl_easy_setopt(e, CURLOPT_PREREQDATA, t) == CURLE_OK &&
             curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, on_close_socket) == CURLE_OK &&
             curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, h) == CURLE_OK;
    if (ok && h->cfg.connect_timeout_ms > 0)
        ok = curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, h->cfg.connect_timeout_ms) == CURLE_OK;
    ok = ok && set_credentials(h, e);
    ok = ok && set_tls_and_proxy(h, e) == 0;
    if (!ok) {
        curl_easy_cleanup(e);
        return NULL;
    }
    return e;
}

/* The transfer is free again (after a removal from the multi handle). */
static void give_back(struct http *h, struct transfer *t)
{
    t->state = T_FREE;
    h->free_ids[h->nfree++] = (size_t)(t - h->transfers);
}

static int is_method(const char *method, const char *name)
{
    return strcmp(method, name) == 0;
}

/* Methods that carry a body: without one, an empty body is sent (as curl
 * does with -d ''), so that the request has a Content-Length. */
static int wants_body(const char *method)
{
    return is_method(method, "POST") || is_method(method, "PUT") || is_method(method, "PATCH");
}

/* The method and the body. A reused handle keeps its options, so each is
 * set for every request. POSTFIELDS makes libcurl send a POST, HTTPGET a
 * GET and NOBODY a HEAD; any other method, or a GET with a body, is named
 * with CUSTOMREQUEST (a POST is not: libcurl then turns it into a GET on a
 * 301, 302 or 303 redirect, as browsers do). */
static int set_method(struct http *h, struct transfer *t, const char *body, size_t body_len)
{
    int plain_get = !body && h->get_only;
    if (plain_get && t->plain_get)
        return 0; /* as the last request on t left it */
    t->plain_get = 0;
    const char *method = h->cfg.method ? h->cfg.method : body ? "POST" : "GET";
    int head = is_method(method, "HEAD");
    if (head)
        body = NULL; /* a HEAD request sends none */
    else if (!body && wants_body(method))
        body = "", body_len = 0;
    CURL *e = t->easy;
    int ok;
    if (body)
        ok = curl_easy_setopt(e, CURLOPT_POSTFIELDS, body) == CURLE_OK &&
             curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len) == CURLE_OK;
    else
        ok = curl_easy_setopt(e, CURLOPT_POSTFIELDS, NULL) == CURLE_OK &&
             curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)-1) == CURLE_OK &&
             curl_easy_setopt(e, CURLOPT_HTTPGET, 1L) == CURLE_OK &&
             curl_easy_setopt(e, CURLOPT_NOBODY, (long)head) == CURLE_OK;
    const char *custom = head || is_method(method, body ? "POST" : "GET") ? NULL : method;
    if (ok && custom != t->custom_method) {
        ok = curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, custom) == CURLE_OK;
        t->custom_method = ok ? custom : NULL;
    }
    t->plain_get = ok && plain_get;
    return ok ? 0 : -1;
}

/* An empty body without a Content-Type of the user's gets none: libcurl's
 * default, application/x-www-form-urlencoded, would say there is a form. */
static int no_default_type(struct http *h, struct transfer *t, const char *body)
{
    if (body || h->get_only || !wants_body(h->cfg.method))
        return 0;
    if (!t->headers) {
        int failed;
        t->headers = slist_from(h->cfg.headers, h->cfg.nheaders, &failed);
        if (failed || add_default_lines(h, &t->headers) < 0)
            return -1;
    }
    if (has_header(t->headers, "Content-Type"))
        return 0;
    struct curl_slist *next = curl_slist_append(t->headers, "Content-Type:");
    if (!next)
        return -1;
    t->headers = next;
    return 0;
}

/* Set up t for one attempt. Returns 0, or -1 (out of memory). */
static int prepare(struct http *h, struct transfer *t, const char *url, const char *const *headers,
                   size_t nheaders, const char *body, size_t body_len, long timeout_ms)
{
    if (!t->easy) {
        /* Transfers are set up on first use: a large --capacity costs little
         * until it is used. */
        if (!(t->easy = easy_new(h, t)))
            return -1;
        buf_init(&t->body, h->cfg.max_body);
    }
    buf_reset(&t->body);
    t->too_large = 0;
    t->in_head = 1;
    t->socket_errno = 0;
    t->errbuf[0] = '\0';
    t->retry_after[0] = '\0';
    t->content_type[0] = '\0';
    t->timeout_ms = timeout_ms;
    attempt_over(h, t);
    t->h2c_stop = H2C_SENT;
    t->h2c_restarts = 0;
    t->h2c_us = 0;
    curl_slist_free_all(t->headers);
    t->headers = NULL;
    if (headers) {
        int failed;
        t->headers = slist_from(headers, nheaders, &failed);
        if (failed || add_default_lines(h, &t->headers) < 0)
            return -1;
    }
    if (no_default_type(h, t, body) < 0 || set_method(h, t, body, body_len) < 0)
        return -1;
    struct curl_slist *list = t->headers ? t->headers : h->common_headers;
    long timeout = timeout_ms > 0 ? timeout_ms : 1L;
    if (curl_easy_setopt(t->easy, CURLOPT_URL, url) != CURLE_OK || choose_version(h, t, url) < 0)
        return -1;
    /* libcurl keeps the list's address, not a copy: the same address is
     * the same list, even one made anew where the last one was. */
    if (list != t->list_set || !list) {
        if (curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, list) != CURLE_OK)
            return -1;
        t->list_set = list;
    }
    if (timeout != t->timeout_set) {
        if (curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS, timeout) != CURLE_OK)
            return -1;
        t->timeout_set = timeout;
    }
    return 0;
}

long http_start(struct http *h, size_t owner, const char *url, const char *const *headers,
                size_t nheaders, const char *body, size_t body_len, long timeout_ms)
{
    if (h->nfree == 0)
        return -1;
    struct transfer *t = &h->transfers[h->free_ids[h->nfree - 1]];
    if (prepare(h, t, url, headers, nheaders, body, body_len, timeout_ms) < 0 ||
        curl_multi_add_handle(h->multi, t->easy) != CURLM_OK) {
        attempt_over(h, t);
        return -1;
    }
    h->nfree--;
    t->state = T_ACTIVE;
    t->owner = owner;
    h->in_flight++;
    return (long)(t - h->transfers);
}

void http_cancel(struct http *h, size_t transfer)
{
    if (transfer >= h->cfg.transfers)
        return;
    struct transfer *t = &h->transfers[transfer];
    if (t->state == T_ACTIVE) {
        curl_multi_remove_handle(h->multi, t->easy);
        attempt_over(h, t);
        h->in_flight--;
    }
    if (t->state != T_FREE)
        give_back(h, t);
}

void http_release(struct http *h, size_t transfer)
{
    if (transfer < h->cfg.transfers && h->transfers[transfer].state == T_DONE)
        give_back(h, &h->transfers[transfer]);
}

size_t http_in_flight(const struct http *h)
{
    return h->in_flight;
}

/* libcurl 7.88 can leave transfers waiting until their timeout with
 * nothing left to wake them, though the server has answered or a
 * connection is free:
 * - the responses of some HTTP/2 streams it has already read stay
 *   unprocessed while curl_multi_poll sleeps; curl_multi_perform processes
 *   them;
 * - a transfer waiting for a connection (past CURLMOPT_MAX_TOTAL_CONNECTIONS
 *   or _HOST_, or by CURLOPT_PIPEWAIT) is woken when another transfer ends,
 *   and the wake-up is lost if the connection is taken again first: in the
 *   end, some wait on with every connection idle. Removing any handle from
 *   the multi handle wakes the first waiting transfer: a spare handle, added
 *   and removed, does that and nothing else.
 * Measured: 1000 requests at 50 streams over one HTTP/2 connection to
 * nginx, 8 runs of 300 stalled; 100 requests at 20 at once over 2
 * connections to mockd, 9 of 200. With a tick every 100 ms doing both
 * while transfers are in flight, none did. The tick costs ten wake-ups a
 * second, and only where transfers may wait so. */
#define STALL_TICK_MS 100

static void wake_waiting(struct http *h)
{
    if (!h->spare && !(h->spare = curl_easy_init()))
        return;
    if (curl_multi_add_handle(h->multi, h->spare) == CURLM_OK)
        curl_multi_remove_handle(h->multi, h->spare);
}

int http_wait(struct http *h, const int *fds, short *revents, size_t nfds, int timeout_ms)
{
    struct curl_waitfd extra[4];
    int tick = h->stalls && h->in_flight > 0;
    if (tick && timeout_ms > STALL_TICK_MS)
        timeout_ms = STALL_TICK_MS;
    if (nfds > 4)
        nfds = 4;
    for (size_t i = 0; i < nfds; i++) {
        extra[i].fd = fds[i];
        extra[i].events = CURL_WAIT_POLLIN;
        extra[i].revents = 0;
    }
    int numfds = 0;
    if (curl_multi_poll(h->multi, extra, (unsigned)nfds, timeout_ms, &numfds) != CURLM_OK)
        return -1;
    /* libcurl does not pass POLLHUP through, and a pipe at its end reports
     * only that: ask poll itself, without waiting, which are ready. */
    struct pollfd p[4];
    for (size_t i = 0; i < nfds; i++)
        p[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
    int ready = nfds ? poll(p, nfds, 0) : 0;
    for (size_t i = 0; i < nfds; i++)
        revents[i] = (short)(extra[i].revents | (ready > 0 ? p[i].revents : 0));
    if (tick && numfds == 0)
        wake_waiting(h);
    int running;
    return curl_multi_perform(h->multi, &running) == CURLM_OK ? 0 : -1;
}

static int out_of_descriptors(int err)
{
    return err == EMFILE || err == ENFILE;
}

static enum http_outcome classify(const struct http *h, CURLcode rc, struct transfer *t)
{
    curl_off_t connect_us = 0;
    if (rc != CURLE_OK && out_of_descriptors(t->socket_errno))
        return HTTP_NO_DESCRIPTORS;
    if (rc == CURLE_ABORTED_BY_CALLBACK && t->h2c_stop != H2C_SENT)
        return HTTP_CONNECT; /* no connection it could be sent on */
    switch (rc) {
    case CURLE_OK: return HTTP_DONE;
    case CURLE_OPERATION_TIMEDOUT:
        if (curl_easy_getinfo(t->easy, CURLINFO_CONNECT_TIME_T, &connect_us) != CURLE_OK)
            connect_us = 0;
        /* libcurl words both the same way while connecting; the connect
         * timeout fired if it was the tighter of the two budgets. */
        if (connect_us == 0 && h->cfg.connect_timeout_ms > 0 &&
            h->cfg.connect_timeout_ms < t->timeout_ms)
            return HTTP_CONNECT_TIMEOUT;
        return HTTP_TIMEOUT;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_PROXY: return HTTP_CONNECT;
    /* The handshake failed, or a certificate was refused (the server's, or
     * the client's own files): curl does not retry these. */
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CLIENTCERT: return HTTP_TLS;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING: {
        /* Broken before any response: the connection failed. Broken after
         * a status line: the response is what went wrong. */
        long status = 0;
        if (curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK)
            status = 0;
        return status > 0 ? HTTP_BAD_RESPONSE : HTTP_CONNECT;
    }
    default: return HTTP_BAD_RESPONSE;
    }
}

/* The one-line words for how t ended with rc. */
static void describe(const struct http *h, struct transfer *t, CURLcode rc, enum http_outcome o)
{
    char *m = t->message;
    size_t n = sizeof(t->message);
    if (rc == CURLE_OK) {
        m[0] = '\0'; /* no failure, no words: read only for failures */
        return;
    }
    if (o == HTTP_NO_DESCRIPTORS)
        snprintf(m, n, "out of file descriptors: no socket for a connection (%s)",
                 strerror(t->socket_errno));
    else if (t->too_large)
        snprintf(m, n, "response body over %zu bytes", h->cfg.max_body);
    else if (rc == CURLE_OUT_OF_MEMORY && t->in_head)
        /* libcurl 7.88 says only "Out of memory" when one header line
         * reaches its CURL_MAX_HTTP_HEADER. */
        snprintf(m, n,
                 "response header too large: a header line reached libcurl's limit of %d bytes",
                 CURL_MAX_HTTP_HEADER);
    else if (rc == CURLE_ABORTED_BY_CALLBACK && t->h2c_stop == H2C_NO_MEMORY)
        snprintf(m, n, "out of memory");
    else if (rc == CURLE_ABORTED_BY_CALLBACK && t->h2c_stop == H2C_WRONG_KIND)
        snprintf(m, n,
                 "no connection to send on: libcurl %s cannot share an HTTP/2 connection made by "
                 "prior knowledge, and %d tries to work around it failed",
                 curl_version_info(CURLVERSION_NOW)->version, t->h2c_restarts + 1);
    else if (rc == CURLE_FILESIZE_EXCEEDED)
        snprintf(m, n, "response body over %zu bytes (said by its Content-Length)",
                 h->cfg.max_body);
    else
        snprintf(m, n, "%s", t->errbuf[0] ? t->errbuf : curl_easy_strerror(rc));
}

/* Fill res for t, which ended with rc. */
static void result_of(const struct http *h, struct transfer *t, CURLcode rc,
                      struct http_result *res)
{
    memset(res, 0, sizeof(*res));
    res->owner = t->owner;
    res->transfer = (size_t)(t - h->transfers);
    res->outcome = classify(h, rc, t);
    res->too_large = t->too_large || rc == CURLE_FILESIZE_EXCEEDED;
    if (curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &res->status) != CURLE_OK)
        res->status = 0;
    curl_off_t us = 0;
    if (curl_easy_getinfo(t->easy, CURLINFO_TOTAL_TIME_T, &us) != CURLE_OK)
        us = 0;
    res->ms = (double)(us + t->h2c_us) / 1000.0;
    describe(h, t, rc, res->outcome);
    res->message = t->message;
    res->body = &t->body;
    char *type = NULL;
    if (curl_easy_getinfo(t->easy, CURLINFO_CONTENT_TYPE, &type) != CURLE_OK)
        type = NULL;
    if (type) {
        size_t len = strnlen(type, sizeof(t->content_type) - 1);
        memcpy(t->content_type, type, len);
        t->content_type[len] = '\0';
    }
    res->content_type = type ? t->content_type : NULL;
    /* Read from libcurl's store of the last head's headers, and only where
     * it may count: no header callback runs for each header line. */
    t->retry_after[0] = '\0';
    struct curl_header *ra;
    if (res->status >= 300 &&
        curl_easy_header(t->easy, "Retry-After", 0, CURLH_HEADER, -1, &ra) == CURLHE_OK &&
        ra->value) {
        size_t len = strnlen(ra->value, sizeof(t->retry_after) - 1);
        memcpy(t->retry_after, ra->value, len);
        t->retry_after[len] = '\0';
    }
    res->retry_after = t->retry_after[0] ? t->retry_after : NULL;
}

int http_next_done(struct http *h, struct http_result *res)
{
    int left;
    CURLMsg *msg;
    while ((msg = curl_multi_info_read(h->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        /* The message dies with the removal below: copy what we need first. */
        CURL *easy = msg->easy_handle;
        CURLcode rc = msg->data.result;
        char *priv = NULL;
        if (curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv) != CURLE_OK || !priv) {
            /* Not one of ours (cannot happen): drop it rather than guess. */
            curl_multi_remove_handle(h->multi, easy);
            continue;
        }
        struct transfer *t = (struct transfer *)(void *)priv;
        if (rc == CURLE_ABORTED_BY_CALLBACK && h2c_restart(h, t))
            continue;
        attempt_over(h, t);
        result_of(h, t, rc, res);
        curl_multi_remove_handle(h->multi, easy);
        t->state = T_DONE;
        h->in_flight--;
        return 1;
    }
    return 0;
}

const char *http_version(void)
{
    return curl_version();
}

int http_url_check(const char *url, char *why, size_t n)
{
    CURLU *u = curl_url();
    if (!u) {
        snprintf(why, n, "out of memory");
        return -1;
    }
    CURLUcode rc = curl_url_set(u, CURLUPART_URL, url, 0);
    curl_url_cleanup(u);
    if (rc == CURLUE_OK)
        return 0;
    snprintf(why, n, "malformed URL: %s", curl_url_strerror(rc));
    return -1;
}
