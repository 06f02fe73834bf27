/* mockd: a scriptable HTTP/1.1 server for enrich's behaviour tests.
 * The query string of each request says how to answer it (status, delay, body, fault, per
 * attempt), so one server can play every upstream a test needs, on loopback only.
 *
 * status=N, seq=N,N,...  the status (seq: one per attempt of key=, the last repeats)
 * delay=MS, dseq=...     wait before answering         fault=F, fsq=...  break the answer
 * body=TEXT              these bytes as the body (default: the request echoed as JSON)
 * empty=1                an empty body                 big=N  a JSON string of N bytes
 * type=T                 Content-Type: T (default: none, so the body alone says what it is)
 * header=Name:value      one more header (repeatable)  bighdr=N  a header line of N bytes
 * chunked=1              send the body chunked, without Content-Length
 * bodydelay=MS           send the head at once and the body MS later
 * fault=F: reset (RST before any response), close, garbage (not HTTP), truncate (the
 *   connection stays open with the body short of its Content-Length), hang (accept and never
 *   answer), badjson (a 200 with broken JSON), resetbody (the head and half the body, then
 *   RST), trickle (a 64-byte body sent one byte a second) */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum {
    HEAD_MAX = 64 * 1024,
    BODY_MAX = 64 * 1024 * 1024,
    MAX_HEADERS = 512,
    MAX_PARAMS = 256,
    COUNTER_BUCKETS = 4096,
    LISTEN_BACKLOG = 512,
    /* Thousands of connections may be open at once; their threads need little stack. */
    THREAD_STACK = 256 * 1024,
};

/* A test tool has no sensible way to go on without memory: say so and stop. */
static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        fputs("mockd: out of memory\n", stderr);
        abort();
    }
    return p;
}

static char *xstrndup(const char *s, size_t n)
{
    char *p = xrealloc(NULL, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/* Growable byte buffer, always NUL-terminated so parts of it can be read as strings. */
struct buf {
    char *data;
    size_t len;
    size_t cap;
};

static void buf_reserve(struct buf *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
}

static void buf_append(struct buf *b, const void *p, size_t n)
{
    buf_reserve(b, n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void buf_puts(struct buf *b, const char *s)
{
    buf_append(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    buf_reserve(b, 128); /* most lines fit: one formatting pass */
    size_t room = b->cap - b->len;
    va_start(ap, fmt);
    int n = vsnprintf(b->data + b->len, room, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->data[b->len] = '\0';
        return;
    }
    if ((size_t)n >= room) {
        buf_reserve(b, (size_t)n);
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

/* Drop the first n bytes, keeping what a pipelining client already sent. */
static void buf_consume(struct buf *b, size_t n)
{
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
    b->data[b->len] = '\0';
}

/* Length of a valid UTF-8 sequence at s (RFC 3629: no overlongs, no surrogates), else 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    size_t len;
    unsigned min;
    unsigned cp;
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        len = 2, min = 0x80, cp = s[0] & 0x1f;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        len = 3, min = 0x800, cp = s[0] & 0x0f;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        len = 4, min = 0x10000, cp = s[0] & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

/* Bodies and headers are arbitrary bytes; the echo must still parse, so invalid UTF-8
 * becomes U+FFFD. */
static void buf_json_string(struct buf *b, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    buf_puts(b, "\"");
    for (size_t i = 0; i < n;) {
        unsigned char ch = u[i];
        if (ch == '"' || ch == '\\') {
            char esc[2] = {'\\', (char)ch};
            buf_append(b, esc, 2);
            i++;
        } else if (ch < 0x20) {
            const char *named = ch == '\n' ? "\\n" : ch == '\r' ? "\\r" : ch == '\t' ? "\\t" : NULL;
            if (named)
                buf_puts(b, named);
            else
                buf_printf(b, "\\u%04x", ch);
            i++;
        } else if (ch < 0x80) {
            buf_append(b, s + i, 1);
            i++;
        } else {
            size_t len = utf8_len(u + i, n - i);
            if (len) {
                buf_append(b, s + i, len);
                i += len;
            } else {
                buf_puts(b, "\\ufffd");
                i++;
            }
        }
    }
    buf_puts(b, "\"");
}

/* ---- server-wide state ---- */

struct counter {
    struct counter *next;
    unsigned count;
    char key[];
};

/* One lock covers attempt counters and the log, so log order is attempt order. */
static pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;
static struct counter *counters[COUNTER_BUCKETS];
static int log_fd = -1;
static int header_log_fd = -1;
static struct timespec start_time;
static unsigned long next_conn_id;

static double elapsed_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start_time.tv_sec) * 1e3 +
           (double)(now.tv_nsec - start_time.tv_nsec) / 1e6;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Caller holds state_lock. */
static unsigned counter_bump(const char *key)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const char *p = key; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    struct counter **slot = &counters[h % COUNTER_BUCKETS];
    for (struct counter *c = *slot; c; c = c->next)
        if (strcmp(c->key, key) == 0)
            return ++c->count;
    size_t len = strlen(key);
    struct counter *c = xrealloc(NULL, sizeof(*c) + len + 1);
    memcpy(c->key, key, len + 1);
    c->count = 1;
    c->next = *slot;
    *slot = c;
    return 1;
}

/* ---- requests ---- */

struct header {
    const char *name;
    const char *value;
};

struct request {
    char *head; /* owned copy of the head, split in place into the strings below */
    const char *method;
    const char *target;
    struct header headers[MAX_HEADERS];
    size_t header_count;
    long long content_length; /* -1 when absent */
    bool chunked;
    bool wants_close;
    bool expects_continue;
    struct buf body;
};

/* Counts this attempt of key and logs the request in the same critical section; written
 * with one write(2) on an O_APPEND fd, so a test that truncates the log loses nothing. With
 * --header-log, the request's header lines go there first ("METHOD target" then each
 * "\tName: value", one line a request), so a test that sees the request in the log finds its
 * headers too. */
static unsigned note_request(unsigned long conn_id, const char *key, const struct request *r)
{
    struct buf line = {0}, headers = {0};
    if (header_log_fd >= 0) {
        buf_printf(&headers, "%s %s", r->method, r->target);
        for (size_t i = 0; i < r->header_count; i++)
            buf_printf(&headers, "\t%s: %s", r->headers[i].name, r->headers[i].value);
        buf_puts(&headers, "\n");
    }
    pthread_mutex_lock(&state_lock);
    unsigned attempt = counter_bump(key);
    if (header_log_fd >= 0 && write_all(header_log_fd, headers.data, headers.len) < 0)
        perror("mockd: header log");
    if (log_fd >= 0) {
        buf_printf(&line, "%.3f %lu %u %s %s\n", elapsed_ms(), conn_id, attempt, r->method,
                   r->target);
        if (write_all(log_fd, line.data, line.len) < 0)
            perror("mockd: log");
    }
    pthread_mutex_unlock(&state_lock);
    free(line.data);
    free(headers.data);
    return attempt;
}

static void request_free(struct request *r)
{
    free(r->head);
    free(r->body.data);
}

static bool has_token(const char *list, const char *token)
{
    size_t n = strlen(token);
    for (const char *p = list; *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *end = p;
        while (*end && *end != ',')
            end++;
        const char *last = end;
        while (last > p && (last[-1] == ' ' || last[-1] == '\t'))
            last--;
        if ((size_t)(last - p) == n && strncasecmp(p, token, n) == 0)
            return true;
        p = end;
    }
    return false;
}

static bool is_token_char(unsigned char ch)
{
    return ch > 0x20 && ch < 0x7f && !strchr("()<>@,;:\\\"/[]?={}", ch);
}

/* Where the head ends (just past its blank line), or 0 if not yet complete. Bare LF line
 * ends are accepted as RFC 9112 allows. */
static size_t find_head_end(const char *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        if (p[i] != '\n')
            continue;
        if (p[i + 1] == '\n')
            return i + 2;
        if (p[i + 1] == '\r' && i + 2 < n && p[i + 2] == '\n')
            return i + 3;
    }
    return 0;
}

/* Splits the next line off *p in place; NULL when no lines are left. */
static char *next_line(char **p)
{
    char *line = *p;
    char *nl = strchr(line, '\n');
    if (!nl)
        return NULL;
    *nl = '\0';
    if (nl > line && nl[-1] == '\r')
        nl[-1] = '\0';
    *p = nl + 1;
    return line;
}

static int parse_request_line(struct request *r, char *line)
{
    char *sp1 = strchr(line, ' ');
    char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    if (!sp1 || !sp2 || sp1 == line || sp2 == sp1 + 1 || strchr(sp2 + 1, ' '))
        return -1;
    *sp1 = *sp2 = '\0';
    for (const char *m = line; *m; m++)
        if (!is_token_char((unsigned char)*m))
            return -1;
    for (const char *t = sp1 + 1; *t; t++)
        if ((unsigned char)*t <= 0x20 || *t == 0x7f)
            return -1;
    const char *version = sp2 + 1;
    if (strncmp(version, "HTTP/1.", 7) != 0 || !version[7] || version[8])
        return -1;
    r->method = line;
    r->target = sp1 + 1;
    r->wants_close = version[7] == '0'; /* HTTP/1.0 closes unless it asks otherwise */
    return 0;
}

static int parse_header(struct request *r, char *line)
{
    char *colon = strchr(line, ':');
    if (!colon || colon == line || r->header_count == MAX_HEADERS)
        return -1;
    *colon = '\0';
    for (const char *c = line; *c; c++)
        if (!is_token_char((unsigned char)*c))
            return -1;
    char *value = colon + 1;
    while (*value == ' ' || *value == '\t')
        value++;
    char *end = value + strlen(value);
    while (end > value && (end[-1] == ' ' || end[-1] == '\t'))
        *--end = '\0';
    r->headers[r->header_count++] = (struct header){line, value};

    if (strcasecmp(line, "Content-Length") == 0) {
        char *stop;
        errno = 0;
        long long n = strtoll(value, &stop, 10);
        if (!*value || *stop || errno || n < 0)
            return -1;
        r->content_length = n;
    } else if (strcasecmp(line, "Transfer-Encoding") == 0) {
        r->chunked = has_token(value, "chunked");
    } else if (strcasecmp(line, "Connection") == 0) {
        if (has_token(value, "close"))
            r->wants_close = true;
        else if (has_token(value, "keep-alive"))
            r->wants_close = false;
    } else if (strcasecmp(line, "Expect") == 0) {
        r->expects_continue = has_token(value, "100-continue");
    }
    return 0;
}

/* Parses the head (len bytes, blank line included) into r; -1 if it is not HTTP/1.x. */
static int parse_head(struct request *r, const char *data, size_t len)
{
    memset(r, 0, sizeof(*r));
    r->content_length = -1;
    r->head = xstrndup(data, len);
    if (strlen(r->head) != len) /* a NUL in the head */
        return -1;
    char *p = r->head;
    char *line = next_line(&p);
    if (!line || parse_request_line(r, line) < 0)
        return -1;
    while ((line = next_line(&p)) && *line)
        if (parse_header(r, line) < 0)
            return -1;
    return 0;
}

/* ---- query parameters and the script they describe ---- */

struct param {
    char *name;
    char *value;
    size_t value_len; /* values may hold %00 */
};

struct params {
    struct param items[MAX_PARAMS];
    size_t count;
};

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decodes s[0..n) into a new string (caller frees). '+' stays '+': tests write
 * exactly the bytes they mean. Malformed escapes are kept literally. */
static char *percent_decode(const char *s, size_t n, size_t *out_len)
{
    char *out = xrealloc(NULL, n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int hi = s[i] == '%' && i + 2 < n ? hex_digit(s[i + 1]) : -1;
        int lo = hi >= 0 ? hex_digit(s[i + 2]) : -1;
        if (lo >= 0) {
            out[o++] = (char)(hi << 4 | lo);
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    *out_len = o;
    return out;
}

static void params_free(struct params *ps)
{
    for (size_t i = 0; i < ps->count; i++) {
        free(ps->items[i].name);
        free(ps->items[i].value);
    }
    ps->count = 0;
}

static void params_parse(struct params *ps, const char *target)
{
    ps->count = 0;
    const char *q = strchr(target, '?');
    if (!q)
        return;
    for (const char *p = q + 1; *p && ps->count < MAX_PARAMS;) {
        size_t n = strcspn(p, "&");
        const char *eq = memchr(p, '=', n);
        size_t name_len = eq ? (size_t)(eq - p) : n;
        if (n > 0) {
            struct param *it = &ps->items[ps->count++];
            size_t ignored;
            it->name = percent_decode(p, name_len, &ignored);
            it->value = eq ? percent_decode(eq + 1, n - name_len - 1, &it->value_len)
                           : percent_decode("", 0, &it->value_len);
        }
        p += n;
        if (*p == '&')
            p++;
    }
}

/* The last value of name (later parameters override earlier ones), or NULL. */
static const struct param *params_get(const struct params *ps, const char *name)
{
    for (size_t i = ps->count; i-- > 0;)
        if (strcmp(ps->items[i].name, name) == 0)
            return &ps->items[i];
    return NULL;
}

enum fault {
    FAULT_NONE,
    FAULT_RESET,
    FAULT_CLOSE,
    FAULT_GARBAGE,
    FAULT_TRUNCATE,
    FAULT_HANG,
    FAULT_BADJSON,
    FAULT_RESET_BODY,
    FAULT_TRICKLE,
};

static const char *const fault_names[] = {
    [FAULT_NONE] = "none",       [FAULT_RESET] = "reset",          [FAULT_CLOSE] = "close",
    [FAULT_GARBAGE] = "garbage", [FAULT_TRUNCATE] = "truncate",    [FAULT_HANG] = "hang",
    [FAULT_BADJSON] = "badjson", [FAULT_RESET_BODY] = "resetbody", [FAULT_TRICKLE] = "trickle",
};

struct script {
    int status;
    long long delay_ms;
    enum fault fault;
    const struct param *body; /* NULL: echo the request */
    const char *type;         /* NULL or "": no Content-Type */
    bool empty;
    bool chunked;
    long long big;        /* -1: not asked for */
    long long big_header; /* bytes of an X-Big header line; -1: none */
    long long body_delay_ms;
    const struct param *headers[MAX_PARAMS];
    size_t header_count;
};

/* Copies the attempt-th comma-separated item of list (the last one past the end) into out. */
static void pick_item(const char *list, unsigned attempt, char *out, size_t out_size)
{
    const char *p = list;
    for (unsigned k = 1; k < attempt; k++) {
        const char *comma = strchr(p, ',');
        if (!comma)
            break;
        p = comma + 1;
    }
    size_t n = strcspn(p, ",");
    if (n >= out_size)
        n = out_size - 1;
    memcpy(out, p, n);
    out[n] = '\0';
}

static int parse_number(const char *s, long long min, long long max, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || errno || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* The value for this attempt: the per-attempt list wins over the plain parameter. */
static const char *scripted(const struct params *ps, const char *plain, const char *list,
                            unsigned attempt, char *item, size_t item_size)
{
    const struct param *l = params_get(ps, list);
    if (l) {
        pick_item(l->value, attempt, item, item_size);
        return item;
    }
    const struct param *p = params_get(ps, plain);
    return p ? p->value : NULL;
}

/* Fills s from the query; on a bad value, says which in why and returns -1. */
static int script_build(struct script *s, const struct params *ps, unsigned attempt,
                        struct buf *why)
{
    char item[64];
    const char *v;
    long long n;
    memset(s, 0, sizeof(*s));
    s->status = 200;
    s->big = -1;
    s->big_header = -1;

    if ((v = scripted(ps, "status", "seq", attempt, item, sizeof(item)))) {
        if (parse_number(v, 200, 999, &n) < 0)
            return buf_printf(why, "bad status '%s'", v), -1;
        s->status = (int)n;
    }
    if ((v = scripted(ps, "delay", "dseq", attempt, item, sizeof(item)))) {
        if (parse_number(v, 0, 3600 * 1000, &n) < 0)
            return buf_printf(why, "bad delay '%s'", v), -1;
        s->delay_ms = n;
    }
    if ((v = scripted(ps, "fault", "fsq", attempt, item, sizeof(item)))) {
        size_t f = 0;
        while (f < sizeof(fault_names) / sizeof(fault_names[0]) && strcmp(v, fault_names[f]))
            f++;
        if (f == sizeof(fault_names) / sizeof(fault_names[0]))
            return buf_printf(why, "bad fault '%s'", v), -1;
        s->fault = (enum fault)f;
    }
    if ((v = scripted(ps, "big", "big", attempt, item, sizeof(item)))) {
        if (parse_number(v, 0, 1LL << 32, &n) < 0)
            return buf_printf(why, "bad big '%s'", v), -1;
        s->big = n;
    }
    if ((v = scripted(ps, "bighdr", "bighdr", attempt, item, sizeof(item)))) {
        if (parse_number(v, 9, BODY_MAX, &n) < 0)
            return buf_printf(why, "bad bighdr '%s'", v), -1;
        s->big_header = n;
    }
    if ((v = scripted(ps, "bodydelay", "bodydelay", attempt, item, sizeof(item)))) {
        if (parse_number(v, 0, 3600 * 1000, &n) < 0)
            return buf_printf(why, "bad bodydelay '%s'", v), -1;
        s->body_delay_ms = n;
    }
    const struct param *p = params_get(ps, "empty");
    s->empty = p && strcmp(p->value, "0") != 0;
    p = params_get(ps, "chunked");
    s->chunked = p && strcmp(p->value, "0") != 0;
    s->body = params_get(ps, "body");
    if ((p = params_get(ps, "type")))
        s->type = p->value;
    for (size_t i = 0; i < ps->count; i++) {
        if (strcmp(ps->items[i].name, "header") != 0)
            continue;
        const char *colon = strchr(ps->items[i].value, ':');
        if (!colon || colon == ps->items[i].value || strpbrk(ps->items[i].value, "\r\n"))
            return buf_printf(why, "bad header '%s'", ps->items[i].value), -1;
        s->headers[s->header_count++] = &ps->items[i];
    }
    return 0;
}

/* ---- responses ---- */

static const char *reason_phrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Unknown";
    }
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void sleep_ms(long long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* The default body: what the server saw, so tests can check what enrich sent. */
static void build_echo(struct buf *out, const struct request *r, unsigned attempt)
{
    size_t path_len = strcspn(r->target, "?");
    buf_puts(out, "{\"method\":");
    buf_json_string(out, r->method, strlen(r->method));
    buf_puts(out, ",\"target\":");
    buf_json_string(out, r->target, strlen(r->target));
    buf_puts(out, ",\"path\":");
    buf_json_string(out, r->target, path_len);
    buf_printf(out, ",\"attempt\":%u,\"headers\":{", attempt);
    for (size_t i = 0; i < r->header_count; i++) {
        if (i)
            buf_puts(out, ",");
        buf_json_string(out, r->headers[i].name, strlen(r->headers[i].name));
        buf_puts(out, ":");
        buf_json_string(out, r->headers[i].value, strlen(r->headers[i].value));
    }
    buf_puts(out, "},\"body\":");
    buf_json_string(out, r->body.data ? r->body.data : "", r->body.len);
    buf_puts(out, "}");
}

static void build_head(struct buf *out, const struct script *s, long long length, bool close)
{
    buf_printf(out, "HTTP/1.1 %d %s\r\n", s->status, reason_phrase(s->status));
    if (s->type && *s->type)
        buf_printf(out, "Content-Type: %s\r\n", s->type);
    /* RFC 9110: no Content-Length, and no body, on 204 and 304. */
    if (length >= 0 && s->chunked)
        buf_puts(out, "Transfer-Encoding: chunked\r\n");
    else if (length >= 0)
        buf_printf(out, "Content-Length: %lld\r\n", length);
    if (s->big_header >= 0) { /* "X-Big: xxx...\r\n", big_header bytes in all */
        buf_puts(out, "X-Big: ");
        buf_reserve(out, (size_t)s->big_header);
        memset(out->data + out->len, 'x', (size_t)s->big_header - 9);
        out->len += (size_t)s->big_header - 9;
        buf_puts(out, "\r\n");
    }
    buf_printf(out, "Connection: %s\r\n", close ? "close" : "keep-alive");
    for (size_t i = 0; i < s->header_count; i++) {
        const char *v = s->headers[i]->value;
        size_t name_len = strcspn(v, ":");
        const char *value = v + name_len + 1;
        while (*value == ' ')
            value++;
        buf_printf(out, "%.*s: %s\r\n", (int)name_len, v, value);
    }
    buf_puts(out, "\r\n");
}

/* Sends p[0..n), framed as one chunk when chunked (an empty part sends nothing). */
static int send_part(int fd, const char *p, size_t n, bool chunked)
{
    char size[32];
    if (n == 0)
        return 0;
    if (chunked && send_all(fd, size, (size_t)snprintf(size, sizeof(size), "%zx\r\n", n)) < 0)
        return -1;
    if (send_all(fd, p, n) < 0)
        return -1;
    return chunked ? send_all(fd, "\r\n", 2) : 0;
}

/* Streams big=N: a JSON string of exactly N bytes, quotes included, without holding it. */
static int send_big(int fd, long long n, bool chunked)
{
    char chunk[64 * 1024];
    memset(chunk, 'x', sizeof(chunk));
    if (n < 2) /* too short for quotes: plain x's */
        return send_part(fd, chunk, (size_t)n, chunked);
    if (send_part(fd, "\"", 1, chunked) < 0)
        return -1;
    n -= 2;
    while (n > 0) {
        size_t part = n > (long long)sizeof(chunk) ? sizeof(chunk) : (size_t)n;
        if (send_part(fd, chunk, part, chunked) < 0)
            return -1;
        n -= (long long)part;
    }
    return send_part(fd, "\"", 1, chunked);
}

static int send_response(int fd, const struct request *r, const struct script *s, unsigned attempt,
                         bool close)
{
    struct buf body = {0};
    struct buf head = {0};
    bool no_body = s->status == 204 || s->status == 304;
    bool streamed = false;

    if (no_body)
        ;
    else if (s->fault == FAULT_BADJSON)
        buf_puts(&body, "{\"a\":");
    else if (s->empty)
        ;
    else if (s->big >= 0)
        streamed = true;
    else if (s->body)
        buf_append(&body, s->body->value, s->body->value_len);
    else
        build_echo(&body, r, attempt);

    build_head(&head, s, no_body ? -1 : streamed ? s->big : (long long)body.len, close);
    bool with_body = !no_body && strcmp(r->method, "HEAD") != 0;
    /* A plain body goes out with the head in one write, as most servers send it. */
    bool apart = streamed || s->chunked || s->body_delay_ms > 0;
    if (with_body && !apart && body.len)
        buf_append(&head, body.data, body.len);
    int rc = send_all(fd, head.data, head.len);
    if (rc == 0 && with_body && apart) {
        sleep_ms(s->body_delay_ms);
        if (streamed)
            rc = send_big(fd, s->big, s->chunked);
        else
            rc = send_part(fd, body.data, body.len, s->chunked);
        if (rc == 0 && s->chunked)
            rc = send_all(fd, "0\r\n\r\n", 5);
    }
    free(body.data);
    free(head.data);
    return rc;
}

static void send_error(int fd, int status, const char *why)
{
    struct buf body = {0};
    struct buf out = {0};
    buf_puts(&body, "{\"error\":");
    buf_json_string(&body, why, strlen(why));
    buf_puts(&body, "}");
    buf_printf(&out,
               "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
               "Connection: close\r\n\r\n%s",
               status, reason_phrase(status), body.len, body.data);
    send_all(fd, out.data, out.len);
    free(body.data);
    free(out.data);
}

/* ---- connections ---- */

struct conn {
    int fd;
    unsigned long id;
    struct buf in;
};

/* Reads more bytes into c->in; returns what recv returned. */
static ssize_t recv_more(struct conn *c)
{
    buf_reserve(&c->in, 16 * 1024);
    ssize_t n;
    do
        n = recv(c->fd, c->in.data + c->in.len, c->in.cap - c->in.len - 1, 0);
    while (n < 0 && errno == EINTR);
    if (n > 0) {
        c->in.len += (size_t)n;
        c->in.data[c->in.len] = '\0';
    }
    return n;
}

/* Decodes a chunked body starting at p; returns 1 with *used set when complete, 0 when
 * more bytes are needed, -1 when malformed. Restarts from scratch on each call: simple, and
 * the bodies in tests are small. */
static int dechunk(const char *p, size_t n, struct buf *out, size_t *used)
{
    size_t i = 0;
    out->len = 0;
    for (;;) {
        const char *nl = memchr(p + i, '\n', n - i);
        if (!nl)
            return n - i > 1024 ? -1 : 0;
        char *end;
        errno = 0;
        unsigned long long size = strtoull(p + i, &end, 16);
        if (end == p + i || errno || size > BODY_MAX || out->len + size > BODY_MAX)
            return -1;
        i = (size_t)(nl - p) + 1;
        if (size == 0)
            break;
        if (n - i < size + 2)
            return 0;
        buf_append(out, p + i, (size_t)size);
        i += (size_t)size;
        if (p[i] == '\r')
            i++;
        if (p[i] != '\n')
            return -1;
        i++;
    }
    for (;;) { /* trailer section, ended by an empty line */
        const char *nl = memchr(p + i, '\n', n - i);
        if (!nl)
            return 0;
        size_t line_len = (size_t)(nl - (p + i));
        i = (size_t)(nl - p) + 1;
        if (line_len == 0 || (line_len == 1 && nl[-1] == '\r'))
            break;
    }
    *used = i;
    return 1;
}

/* Reads the body that follows a head of head_len bytes; returns bytes of c->in the whole
 * request used, 0 on EOF, -1 when malformed or too large. */
static long long read_body(struct conn *c, struct request *r, size_t head_len)
{
    if (r->chunked) {
        for (;;) {
            size_t used;
            int rc = dechunk(c->in.data + head_len, c->in.len - head_len, &r->body, &used);
            if (rc < 0)
                return -1;
            if (rc > 0)
                return (long long)(head_len + used);
            if (recv_more(c) <= 0)
                return 0;
        }
    }
    long long len = r->content_length > 0 ? r->content_length : 0;
    if (len > BODY_MAX)
        return -1;
    while (c->in.len - head_len < (size_t)len)
        if (recv_more(c) <= 0)
            return 0;
    buf_append(&r->body, c->in.data + head_len, (size_t)len);
    return (long long)head_len + len;
}

/* Keeps the socket open, discarding input, until the client gives up. */
static void hang(struct conn *c)
{
    char sink[4096];
    ssize_t n;
    while ((n = recv(c->fd, sink, sizeof(sink), 0)) > 0 || (n < 0 && errno == EINTR))
        ;
}

/* The head and half of a 200-byte body, then an RST: broken after the status line. The
 * pause lets the client read what was sent before the reset discards it. */
static void reset_mid_body(struct conn *c, int status)
{
    struct buf out = {0};
    char half[100];
    memset(half, 'x', sizeof(half));
    half[0] = '"';
    buf_printf(&out, "HTTP/1.1 %d %s\r\nContent-Length: 200\r\n\r\n", status,
               reason_phrase(status));
    buf_append(&out, half, sizeof(half));
    if (send_all(c->fd, out.data, out.len) == 0) {
        sleep_ms(200);
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    }
    free(out.data);
}

/* A 64-byte JSON string, one byte a second, until it is sent or the client goes away. */
static void trickle(struct conn *c, int status)
{
    struct buf out = {0};
    buf_printf(&out, "HTTP/1.1 %d %s\r\nContent-Length: 64\r\n\r\n", status, reason_phrase(status));
    int rc = send_all(c->fd, out.data, out.len);
    for (int i = 0; rc == 0 && i < 64; i++) {
        sleep_ms(1000);
        rc = send_all(c->fd, i == 0 || i == 63 ? "\"" : "x", 1);
    }
    free(out.data);
}

static bool do_fault(struct conn *c, enum fault fault, int status)
{
    struct buf out = {0};
    switch (fault) {
    case FAULT_RESET: {
        /* Linger with a zero timeout turns close() into an RST. */
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        break;
    }
    case FAULT_CLOSE: break;
    case FAULT_GARBAGE: send_all(c->fd, "\0garbage\r\n\r\n", 12); break;
    case FAULT_TRUNCATE:
        buf_printf(&out,
                   "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: 100\r\n"
                   "Connection: keep-alive\r\n\r\n{\"partial\"",
                   status, reason_phrase(status));
        send_all(c->fd, out.data, out.len);
        break;
    case FAULT_HANG: hang(c); break;
    case FAULT_RESET_BODY: reset_mid_body(c, status); break;
    case FAULT_TRICKLE: trickle(c, status); break;
    default: return false;
    }
    free(out.data);
    return true;
}

/* Serves one request; returns false when the connection must close. */
static bool serve_one(struct conn *c)
{
    while (c->in.len > 0 && (c->in.data[0] == '\r' || c->in.data[0] == '\n'))
        buf_consume(&c->in, 1); /* RFC 9112 lets clients send blank lines between requests */
    size_t head_len;
    while (!(head_len = find_head_end(c->in.data, c->in.len))) {
        if (c->in.len >= HEAD_MAX) {
            send_error(c->fd, 400, "request head too large");
            return false;
        }
        if (recv_more(c) <= 0)
            return false;
        while (c->in.len > 0 && (c->in.data[0] == '\r' || c->in.data[0] == '\n'))
            buf_consume(&c->in, 1);
    }
    if (head_len > HEAD_MAX) {
        send_error(c->fd, 400, "request head too large");
        return false;
    }

    struct request r;
    struct params ps = {.count = 0};
    struct script s;
    struct buf why = {0};
    bool keep = false;
    if (parse_head(&r, c->in.data, head_len) < 0) {
        send_error(c->fd, 400, "malformed request head");
        goto cleanup;
    }
    params_parse(&ps, r.target);
    const struct param *key = params_get(&ps, "key");
    unsigned attempt = note_request(c->id, key ? key->value : r.target, &r);

    if (r.expects_continue && (r.content_length > 0 || r.chunked) &&
        send_all(c->fd, "HTTP/1.1 100 Continue\r\n\r\n", 25) < 0)
        goto cleanup;
    long long used = read_body(c, &r, head_len);
    if (used < 0)
        send_error(c->fd, 400, "malformed or oversized request body");
    if (used <= 0)
        goto cleanup;
    buf_consume(&c->in, (size_t)used);

    if (script_build(&s, &ps, attempt, &why) < 0) {
        send_error(c->fd, 400, why.data);
        goto cleanup;
    }
    if (s.delay_ms > 0)
        sleep_ms(s.delay_ms);
    if (do_fault(c, s.fault, s.status))
        goto cleanup;
    keep = send_response(c->fd, &r, &s, attempt, r.wants_close) == 0 && !r.wants_close;

cleanup:
    free(why.data);
    params_free(&ps);
    request_free(&r);
    return keep;
}

static void *conn_main(void *arg)
{
    struct conn *c = arg;
    while (serve_one(c))
        ;
    close(c->fd);
    free(c->in.data);
    free(c);
    return NULL;
}

static void *accept_main(void *arg)
{
    int listen_fd = *(int *)arg;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, THREAD_STACK);
    for (;;) {
        int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EINTR && errno != ECONNABORTED)
                sleep_ms(10); /* out of fds or memory: let connections finish */
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        struct conn *c = xrealloc(NULL, sizeof(*c));
        *c = (struct conn){.fd = fd, .id = ++next_conn_id};
        pthread_t t;
        if (pthread_create(&t, &attr, conn_main, c) != 0) {
            close(fd);
            free(c);
            sleep_ms(10);
        }
    }
    return NULL;
}

/* ---- startup ---- */

static int listen_loopback(int backlog, unsigned *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, backlog) < 0 ||
        getsockname(fd, (struct sockaddr *)&addr, &len) < 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(addr.sin_port);
    return fd;
}

/* The port appears all at once, so a poller never reads half a number. */
static int write_port_file(const char *path, unsigned port)
{
    struct buf tmp = {0};
    buf_printf(&tmp, "%s.tmp", path);
    FILE *f = fopen(tmp.data, "w");
    int rc = -1;
    if (f) {
        int wrote = fprintf(f, "%u\n", port);
        if (fclose(f) == 0 && wrote > 0 && rename(tmp.data, path) == 0)
            rc = 0;
    }
    free(tmp.data);
    return rc;
}

static int usage(void)
{
    fputs("usage: mockd --port-file FILE [--log FILE] [--header-log FILE]\n"
          "       mockd --free-port\n",
          stderr);
    return 2;
}

int main(int argc, char **argv)
{
    const char *port_file = NULL;
    const char *log_path = NULL;
    const char *header_log_path = NULL;
    bool free_port = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--port-file") == 0 && i + 1 < argc)
            port_file = argv[++i];
        else if (strcmp(argv[i], "--log") == 0 && i + 1 < argc)
            log_path = argv[++i];
        else if (strcmp(argv[i], "--header-log") == 0 && i + 1 < argc)
            header_log_path = argv[++i];
        else if (strcmp(argv[i], "--free-port") == 0)
            free_port = true;
        else
            return usage();
    }

    unsigned port;
    if (free_port) {
        /* Closing the socket frees the port for nginx, which cannot bind port 0. */
        int fd = listen_loopback(1, &port);
        if (fd < 0)
            return perror("mockd: bind"), 1;
        close(fd);
        printf("%u\n", port);
        return 0;
    }
    if (!port_file)
        return usage();

    /* Only the main thread takes SIGTERM/SIGINT; every thread inherits this mask. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    clock_gettime(CLOCK_MONOTONIC, &start_time);

    if (log_path) {
        log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (log_fd < 0)
            return perror(log_path), 1;
    }
    if (header_log_path) {
        header_log_fd = open(header_log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (header_log_fd < 0)
            return perror(header_log_path), 1;
    }
    int listen_fd = listen_loopback(LISTEN_BACKLOG, &port);
    if (listen_fd < 0)
        return perror("mockd: listen"), 1;
    if (write_port_file(port_file, port) < 0)
        return perror(port_file), 1;

    pthread_t acceptor;
    if (pthread_create(&acceptor, NULL, accept_main, &listen_fd) != 0)
        return fputs("mockd: cannot start accept thread\n", stderr), 1;
    int sig;
    while (sigwait(&stop, &sig) != 0)
        ;
    /* Holding the lock keeps a half-written log line out; hung connections die with us. */
    pthread_mutex_lock(&state_lock);
    _exit(0);
}
