/* Building requests from records; see request.h. */
#include "request.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "jsonspan.h"
#include "jsonvalid.h"
#include "redact.h"
#include "tmpl.h"

struct header_spec {
    char *name;
    struct tmpl *value;
};

enum body_kind { BODY_NONE, BODY_TEXT, BODY_JSON, BODY_RECORD };

/* A body template is cut into parts: literal bytes of its text, and
 * expressions, each a TMPL_RAW template of its own. */
enum body_part_kind {
    PART_LITERAL, /* text[off..off+len) as it is */
    PART_TEXT,    /* a text template, expanded as it is */
    PART_EXACT,   /* a JSON string "{path}": the value's own JSON text */
    PART_ESCAPED  /* a "{path}" inside a JSON string: the value's text, JSON-escaped */
};

struct body_part {
    enum body_part_kind kind;
    size_t off, len;
    struct tmpl *expr; /* NULL for a literal */
};

struct request_spec {
    enum body_kind body_kind;
    char *body_text;
    struct body_part *body_parts;
    size_t nbody_parts;
    struct tmpl *url;
    size_t url_dots; /* dot segments the template's own text has */
    /* The scheme://authority is literal and passed libcurl's check at start.
     * The rest of every URL then passes too: the template's literal text is
     * checked when parsed (no space or control byte), and expansions are
     * percent-encoded to printable ASCII (the template fuzz target checks
     * it), so they add nothing libcurl's parser refuses. */
    int url_checked;
    int allow_missing;
    struct header_spec *headers;
    size_t nheaders;
    const struct redact *redact; /* for messages; borrowed */
    const char **static_lines;   /* non-NULL when no header is templated */
    char **static_storage;
};

static int has_http_scheme(const char *url, size_t n)
{
    return (n >= 7 && strncasecmp(url, "http://", 7) == 0) ||
           (n >= 8 && strncasecmp(url, "https://", 8) == 0);
}

static int is_dot_segment(const char *p, size_t n)
{
    size_t dots = 0;
    for (size_t i = 0; i < n;) {
        if (p[i] == '.')
            i++;
        else if (p[i] == '%' && i + 2 < n && p[i + 1] == '2' && (p[i + 2] | 0x20) == 'e')
            i += 3;
        else
            return 0;
        dots++;
    }
    return dots == 1 || dots == 2;
}

/* Whether p[0..n) could hold a dot segment at all: a '.', or a "%2e" or
 * "%2E" (is_dot_segment's spellings of a dot). */
static int may_have_dots(const char *p, size_t n)
{
    if (memchr(p, '.', n))
        return 1;
    const char *end = p + n;
    for (const char *q = p; (q = memchr(q, '%', (size_t)(end - q))) != NULL; q++)
        if (end - q > 2 && q[1] == '2' && (q[2] | 0x20) == 'e')
            return 1;
    return 0;
}

/* Just past the first "://" in url[0..end), or NULL. */
static const char *after_scheme(const char *url, const char *end)
{
    for (const char *c = url; (c = memchr(c, ':', (size_t)(end - c))) != NULL; c++)
        if (end - c >= 3 && c[1] == '/' && c[2] == '/')
            return c + 3;
    return NULL;
}

/* The first '?' or '#' in p[0..end), or end. */
static const char *query_or_fragment(const char *p, const char *end)
{
    const char *q = memchr(p, '?', (size_t)(end - p));
    const char *h = memchr(p, '#', (size_t)((q ? q : end) - p));
    return h ? h : q ? q : end;
}

size_t request_dot_segments(const char *url, size_t n)
{
    const char *end = url + n, *p = url;
    /* Each step is a memchr: this runs on every record's URL, and most
     * paths have no dot at all, so that one scan answers. */
    const char *path_end = query_or_fragment(url, end);
    const char *scheme = after_scheme(url, end);
    if (scheme) {
        p = scheme;
        if (p < path_end) {
            const char *slash = memchr(p, '/', (size_t)(path_end - p));
            p = slash ? slash : path_end;
        } else {
            /* "://" in the query or fragment: its authority ends at the next delimiter. */
            while (p < end && *p != '/' && *p != '?' && *p != '#')
                p++;
            path_end = query_or_fragment(p, end);
        }
    }
    if (p >= path_end || !may_have_dots(p, (size_t)(path_end - p)))
        return 0;
    size_t count = 0;
    while (p < end && *p != '?' && *p != '#') {
        if (*p == '/') {
            p++;
            continue;
        }
        const char *seg = p;
        while (p < end && *p != '/' && *p != '?' && *p != '#')
            p++;
        count += is_dot_segment(seg, (size_t)(p - seg));
    }
    return count;
}

/* The template with every expression replaced by "x", so that its literal
 * dot segments can be counted. */
static size_t template_dots(const char *text)
{
    struct buf b;
    buf_init(&b, strlen(text) + 1);
    for (const char *p = text; *p; p++) {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            if (!close)
                break;
            p = close;
            buf_putc(&b, 'x');
        } else {
            buf_putc(&b, *p);
        }
    }
    size_t dots = b.data ? request_dot_segments(b.data, b.len) : 0;
    buf_free(&b);
    return dots;
}

/* The port of a literal authority (after any userinfo, after an IPv6
 * literal's ']'): absent or empty is the scheme's default, else 1 to 65535. */
static int valid_port(const char *auth, size_t len)
{
    const char *end = auth + len, *host = auth;
    const char *at = memrchr(auth, '@', len);
    if (at)
        host = at + 1;
    const char *colon;
    if (host < end && *host == '[') {
        const char *close = memchr(host, ']', (size_t)(end - host));
        colon = close && close + 1 < end && close[1] == ':' ? close + 1 : NULL;
    } else {
        colon = memchr(host, ':', (size_t)(end - host));
    }
    if (!colon || colon + 1 == end)
        return 1;
    long port = 0;
    const char *p = colon + 1;
    for (; p < end && isdigit((unsigned char)*p) && port <= 65535; p++)
        port = port * 10 + (*p - '0');
    return p == end && port >= 1 && port <= 65535;
}

static int is_authority_end(char c)
{
    return c == '\0' || c == '/' || c == '?' || c == '#';
}

/* Whether the expression at p ends the authority: {/...}, {?...} and {#...}
 * expand to text that starts with that delimiter, or, only when a missing
 * variable is allowed, to nothing, and then what follows must end it. */
static int expression_ends_authority(const char *p, int allow_missing)
{
    if (p[1] != '/' && p[1] != '?' && p[1] != '#')
        return 0;
    const char *close = strchr(p, '}');
    return close && (!allow_missing || is_authority_end(close[1]));
}

/* When the template's scheme://authority is literal text (no expression
 * before the authority ends), every record's URL starts with it: check it
 * once here, as the engine checks each URL, so that a bad port or host is a
 * usage error instead of every record failing as bad_request. Returns 1 when
 * it was checked and passed, 0 when it is not literal, -1 (why) when bad. */
static int check_literal_authority(const char *url, int allow_missing, char *why, size_t n)
{
    const char *auth = strstr(url, "://") + 3;
    size_t len = strcspn(auth, "/?#{");
    if (auth[len] == '{' && !expression_ends_authority(auth + len, allow_missing))
        return 0;
    if (len == 0) {
        snprintf(why, n, "the host is empty");
        return -1;
    }
    if (!valid_port(auth, len)) {
        snprintf(why, n, "the port must be a number from 1 to 65535");
        return -1;
    }
    /* The prefix expanded as a template, so that non-ASCII text is encoded
     * as it will be in each record's URL. */
    char *prefix = strndup(url, (size_t)(auth + len - url));
    struct tmpl_error terr = {0};
    struct tmpl *t = prefix ? tmpl_parse(prefix, TMPL_URI, &terr) : NULL;
    struct buf b;
    buf_init(&b, 3 * strlen(url) + 1);
    int rc = -1;
    if (t && tmpl_expand(t, "{}", 2, 0, &b, &terr) == TMPL_OK && b.data)
        rc = http_url_check(b.data, why, n) == 0 ? 1 : -1;
    else
        snprintf(why, n, "out of memory");
    buf_free(&b);
    tmpl_free(t);
    free(prefix);
    return rc;
}

static int valid_header_name(const char *p, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isgraph((unsigned char)p[i]) || strchr("()<>@,;:\\\"/[]?={}", p[i]))
            return 0;
    return 1;
}

int request_header_valid(const char *line)
{
    const char *colon = strchr(line, ':');
    return colon && valid_header_name(line, (size_t)(colon - line));
}

/* Messages quote what the user wrote, but never a secret in it. */
static void shown(const struct request_spec *s, const char *text, int is_url, char *out, size_t n)
{
    struct buf b;
    buf_init(&b, 4096);
    int rc = is_url ? redact_url(s->redact, text, &b) : redact_header(s->redact, text, &b);
    snprintf(out, n, "%s", rc == 0 && b.data ? b.data : "");
    buf_free(&b);
}

static int add_header(struct request_spec *s, const char *line, char *err, size_t errlen)
{
    char safe[256];
    shown(s, line, 0, safe, sizeof(safe));
    const char *colon = strchr(line, ':');
    if (!colon || !valid_header_name(line, (size_t)(colon - line))) {
        snprintf(err, errlen, "invalid header '%s': expected 'Name: value'", safe);
        return -1;
    }
    const char *value = colon + 1;
    while (*value == ' ' || *value == '\t')
        value++;
    struct header_spec *h = &s->headers[s->nheaders];
    h->name = strndup(line, (size_t)(colon - line));
    struct tmpl_error terr = {0};
    h->value = h->name ? tmpl_parse(value, TMPL_RAW, &terr) : NULL;
    if (!h->name || !h->value) {
        snprintf(err, errlen, "invalid header '%s': %s", safe,
                 h->name ? terr.msg : "out of memory");
        free(h->name);
        return -1;
    }
    s->nheaders++;
    return 0;
}

/* When no header is templated, their lines are built once for all records. */
static int build_static(struct request_spec *s)
{
    for (size_t i = 0; i < s->nheaders; i++)
        if (tmpl_expressions(s->headers[i].value) > 0)
            return 0;
    s->static_lines = calloc(s->nheaders + 1, sizeof(char *));
    s->static_storage = calloc(s->nheaders + 1, sizeof(char *));
    if (!s->static_lines || !s->static_storage)
        return -1;
    for (size_t i = 0; i < s->nheaders; i++) {
        const char *v = tmpl_text(s->headers[i].value);
        size_t len = strlen(s->headers[i].name) + strlen(v) + 3;
        char *line = malloc(len);
        if (!line)
            return -1;
        /* "Name;" is libcurl's way to send an empty value ("Name:" removes it). */
        snprintf(line, len, *v ? "%s: %s" : "%s;", s->headers[i].name, v);
        s->static_storage[i] = line;
        s->static_lines[i] = line;
    }
    return 0;
}

/* ---- the body template ------------------------------------------------ */

static int add_part(struct request_spec *s, enum body_part_kind kind, size_t off, size_t len,
                    struct tmpl *expr)
{
    struct body_part *p = realloc(s->body_parts, (s->nbody_parts + 1) * sizeof(*p));
    if (!p) {
        tmpl_free(expr);
        return -1;
    }
    s->body_parts = p;
    p[s->nbody_parts++] = (struct body_part){kind, off, len, expr};
    return 0;
}

/* The expression text[at..] ("{path}") as a template of its own, its length
 * in *len. */
static struct tmpl *parse_expression(const char *text, size_t at, size_t end, size_t *len,
                                     char *err, size_t errlen)
{
    const char *close = memchr(text + at, '}', end - at);
    if (!close) {
        snprintf(err, errlen, "invalid body template: unclosed '{' at byte %zu", at + 1);
        return NULL;
    }
    *len = (size_t)(close + 1 - (text + at));
    char *expr = strndup(text + at, *len);
    struct tmpl_error terr = {0};
    struct tmpl *t = expr ? tmpl_parse(expr, TMPL_RAW, &terr) : NULL;
    if (!t)
        snprintf(err, errlen, "invalid body template: %s at byte %zu",
                 expr ? terr.msg : "out of memory", at + 1);
    free(expr);
    return t;
}

/* The JSON string text[open..close] (quotes included): literal, or cut at
 * each "{path}" its raw text has ("\u007b" is a literal brace). */
static int compile_string(struct request_spec *s, size_t open, size_t close, int is_key,
                          size_t *literal_from, char *err, size_t errlen)
{
    const char *text = s->body_text;
    if (!memchr(text + open, '{', close - open))
        return 0; /* stays in the literal run */
    if (add_part(s, PART_LITERAL, *literal_from, open + 1 - *literal_from, NULL) < 0)
        goto nomem;
    size_t lit = open + 1;
    for (size_t i = open + 1; i < close;) {
        if (text[i] == '\\') {
            i += 2;
            continue;
        }
        if (text[i] != '{') {
            i++;
            continue;
        }
        size_t len;
        struct tmpl *t = parse_expression(text, i, close, &len, err, errlen);
        if (!t)
            return -1;
        /* A whole value "{path}" is the value itself; a key stays a string. */
        if (!is_key && i == open + 1 && i + len == close) {
            s->nbody_parts--; /* the opening quote goes too */
            if (add_part(s, PART_LITERAL, *literal_from, open - *literal_from, NULL) < 0 ||
                add_part(s, PART_EXACT, i, len, t) < 0)
                goto nomem;
            *literal_from = close + 1;
            return 0;
        }
        if ((i > lit && add_part(s, PART_LITERAL, lit, i - lit, NULL) < 0) ||
            add_part(s, PART_ESCAPED, i, len, t) < 0)
            goto nomem;
        i += len;
        lit = i;
    }
    *literal_from = lit;
    return 0;
nomem:
    snprintf(err, errlen, "out of memory");
    return -1;
}

/* A JSON template (already validated): every string is looked at. */
static int compile_json_body(struct request_spec *s, char *err, size_t errlen)
{
    const char *text = s->body_text;
    size_t n = strlen(text), literal_from = 0;
    for (size_t i = 0; i < n; i++) {
        if (text[i] != '"')
            continue;
        size_t close = i + 1;
        while (close < n && text[close] != '"')
            close += text[close] == '\\' ? 2 : 1;
        const char *after = jspan_skip_ws(text + close + 1, text + n);
        int is_key = after < text + n && *after == ':';
        if (compile_string(s, i, close, is_key, &literal_from, err, errlen) < 0)
            return -1;
        i = close;
    }
    if (literal_from < n && add_part(s, PART_LITERAL, literal_from, n - literal_from, NULL) < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

static int compile_body(struct request_spec *s, const char *body, int body_is_record, char *err,
                        size_t errlen)
{
    if (body_is_record) {
        s->body_kind = BODY_RECORD;
        return 0;
    }
    if (!body)
        return 0;
    if (!(s->body_text = strdup(body))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    enum jtype type;
    size_t at;
    int rc = json_validate(body, strlen(body), &type, &at);
    if (rc == -2) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (rc == 0) {
        s->body_kind = BODY_JSON;
        return compile_json_body(s, err, errlen);
    }
    s->body_kind = BODY_TEXT;
    struct tmpl_error terr = {0};
    struct tmpl *t = tmpl_parse(body, TMPL_RAW, &terr);
    if (!t) {
        snprintf(err, errlen, "invalid body template: %s", terr.msg);
        return -1;
    }
    if (add_part(s, PART_TEXT, 0, strlen(body), t) < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

static int names_header(const char *const *headers, size_t n, const char *name)
{
    size_t k = strlen(name);
    for (size_t i = 0; i < n; i++) {
        size_t len = strcspn(headers[i], ":");
        while (len > 0 && (headers[i][len - 1] == ' ' || headers[i][len - 1] == '\t'))
            len--;
        if (len == k && strncasecmp(headers[i], name, k) == 0)
            return 1;
    }
    return 0;
}

int request_spec_body_is_json(const struct request_spec *s)
{
    return s->body_kind == BODY_JSON || s->body_kind == BODY_RECORD;
}

struct request_spec *request_spec_new(const char *url, const char *const *headers, size_t nheaders,
                                      const char *body, int body_is_record, int allow_missing,
                                      const struct redact *redact, char *err, size_t errlen)
{
    struct request_spec *s = calloc(1, sizeof(*s));
    if (!s || !(s->headers = calloc(nheaders + 1, sizeof(*s->headers)))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    s->allow_missing = allow_missing;
    s->redact = redact;
    char safe[256];
    shown(s, url, 1, safe, sizeof(safe));
    struct tmpl_error terr = {0};
    s->url = tmpl_parse(url, TMPL_URI, &terr);
    if (!s->url) {
        snprintf(err, errlen, "invalid URL template '%s': %s", safe, terr.msg);
        goto fail;
    }
    if (url[0] != '{' && !has_http_scheme(url, strlen(url))) {
        snprintf(err, errlen, "invalid URL '%s': only http:// and https:// are allowed", safe);
        goto fail;
    }
    char why[160];
    int literal = url[0] != '{' ? check_literal_authority(url, allow_missing, why, sizeof(why)) : 0;
    if (literal < 0) {
        snprintf(err, errlen, "invalid URL '%s': %s", safe, why);
        goto fail;
    }
    s->url_checked = literal == 1;
    s->url_dots = template_dots(url);
    for (size_t i = 0; i < nheaders; i++)
        if (add_header(s, headers[i], err, errlen) < 0)
            goto fail;
    if (compile_body(s, body, body_is_record, err, errlen) < 0)
        goto fail;
    /* A body says what it is, unless the user said it already. */
    if (s->body_kind != BODY_NONE && !names_header(headers, nheaders, "Content-Type") &&
        add_header(s,
                   s->body_kind == BODY_TEXT ? "Content-Type: text/plain; charset=utf-8"
                                             : "Content-Type: application/json",
                   err, errlen) < 0)
        goto fail;
    if (build_static(s) < 0) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    return s;
fail:
    request_spec_free(s);
    return NULL;
}

void request_spec_free(struct request_spec *s)
{
    if (!s)
        return;
    tmpl_free(s->url);
    for (size_t i = 0; i < s->nheaders; i++) {
        free(s->headers[i].name);
        tmpl_free(s->headers[i].value);
    }
    for (size_t i = 0; s->static_storage && i < s->nheaders; i++)
        free(s->static_storage[i]);
    free(s->static_storage);
    free(s->static_lines);
    free(s->headers);
    for (size_t i = 0; i < s->nbody_parts; i++)
        tmpl_free(s->body_parts[i].expr);
    free(s->body_parts);
    free(s->body_text);
    free(s);
}

int request_spec_url_checked(const struct request_spec *s)
{
    return s->url_checked;
}

const char *const *request_spec_static_headers(const struct request_spec *s, size_t *n)
{
    *n = s->nheaders;
    return (const char *const *)s->static_lines;
}

void request_init(struct request *r, size_t max_url)
{
    memset(r, 0, sizeof(*r));
    buf_init(&r->url, max_url);
    buf_init(&r->header_text, max_url);
    buf_init(&r->body_text, REQUEST_MAX_BODY);
    buf_init(&r->body_scratch, REQUEST_MAX_BODY);
}

void request_free(struct request *r)
{
    buf_free(&r->url);
    buf_free(&r->header_text);
    buf_free(&r->body_text);
    buf_free(&r->body_scratch);
    free(r->headers);
    memset(r, 0, sizeof(*r));
}

static int tmpl_failure(enum tmpl_status st, const struct tmpl_error *terr, const char *what,
                        struct failure *f)
{
    if (st == TMPL_MISSING)
        fail_set(f, FAIL_MISSING_FIELD, "%s: %s", what, terr->msg);
    else if (st == TMPL_BAD_VALUE)
        fail_set(f, FAIL_BAD_REQUEST, "%s: %s", what, terr->msg);
    else
        fail_set(f, FAIL_BAD_REQUEST, "%s: too long", what);
    return -1;
}

static int build_url(const struct request_spec *s, const char *rec, size_t n, struct request *r,
                     struct failure *f)
{
    struct tmpl_error terr = {0};
    buf_reset(&r->url);
    enum tmpl_status st = tmpl_expand(s->url, rec, n, s->allow_missing, &r->url, &terr);
    if (st != TMPL_OK)
        return tmpl_failure(st, &terr, "URL", f);
    if (!r->url.data || !has_http_scheme(r->url.data, r->url.len)) {
        fail_set(f, FAIL_BAD_REQUEST, "URL does not start with http:// or https://");
        return -1;
    }
    const char *host = r->url.data + (r->url.data[4] == ':' ? 7 : 8); /* http:// or https:// */
    if (is_authority_end(*host)) {
        fail_set(f, FAIL_BAD_REQUEST, "URL has an empty host");
        return -1;
    }
    if (request_dot_segments(r->url.data, r->url.len) > s->url_dots) {
        fail_set(f, FAIL_BAD_REQUEST, "a value adds a '.' or '..' segment to the URL path");
        return -1;
    }
    return 0;
}

static int push_header(struct request *r, size_t offset)
{
    if (r->nheaders == r->headers_cap) {
        size_t cap = r->headers_cap ? r->headers_cap * 2 : 8;
        const char **p = realloc(r->headers, cap * sizeof(*p));
        if (!p)
            return -1;
        r->headers = p;
        r->headers_cap = cap;
    }
    r->headers[r->nheaders++] = (const char *)(uintptr_t)offset; /* fixed up below */
    return 0;
}

static int build_header(const struct request_spec *s, const struct header_spec *h, const char *rec,
                        size_t n, struct request *r, struct failure *f)
{
    size_t start = r->header_text.len;
    struct tmpl_error terr = {0};
    if (buf_printf(&r->header_text, "%s: ", h->name) < 0)
        return tmpl_failure(TMPL_NOMEM, &terr, "header", f);
    size_t value_at = r->header_text.len;
    enum tmpl_status st = tmpl_expand(h->value, rec, n, 0, &r->header_text, &terr);
    if (st == TMPL_MISSING && s->allow_missing) {
        r->header_text.len = start; /* an optional header is left out */
        return 0;
    }
    if (st != TMPL_OK)
        return tmpl_failure(st, &terr, h->name, f);
    const char *v = r->header_text.data + value_at;
    size_t vlen = r->header_text.len - value_at;
    if (memchr(v, '\r', vlen) || memchr(v, '\n', vlen) || memchr(v, '\0', vlen)) {
        fail_set(f, FAIL_BAD_REQUEST, "header %s: value contains CR, LF or NUL", h->name);
        return -1;
    }
    if (vlen == 0) /* "Name;" sends an empty value; "Name: " would remove the header */
        r->header_text.data[value_at - 2] = ';', r->header_text.len = value_at - 1;
    if (buf_putc(&r->header_text, '\0') < 0 || push_header(r, start) < 0)
        return tmpl_failure(TMPL_NOMEM, &terr, "header", f);
    return 0;
}

/* The value's text JSON-escaped, without the quotes, appended to out. */
static enum tmpl_status expand_escaped(const struct request_spec *s, const struct tmpl *t,
                                       const char *rec, size_t n, struct request *r,
                                       struct tmpl_error *terr)
{
    buf_reset(&r->body_scratch);
    enum tmpl_status st = tmpl_expand(t, rec, n, s->allow_missing, &r->body_scratch, terr);
    if (st != TMPL_OK)
        return st;
    struct buf *out = &r->body_text;
    size_t at = out->len;
    if (jspan_quote(r->body_scratch.data ? r->body_scratch.data : "", r->body_scratch.len, out) < 0)
        return TMPL_NOMEM;
    memmove(out->data + at, out->data + at + 1, out->len - at - 2);
    out->len -= 2;
    out->data[out->len] = '\0';
    return TMPL_OK;
}

static enum tmpl_status expand_exact(const struct request_spec *s, const struct tmpl *t,
                                     const char *rec, size_t n, struct request *r,
                                     struct tmpl_error *terr)
{
    struct jspan v;
    int found = tmpl_single_value(t, rec, n, &v, terr);
    if (found < 0)
        return TMPL_NOMEM;
    if (found == 0 && !s->allow_missing)
        return TMPL_MISSING;
    if (found == 0)
        return buf_puts(&r->body_text, "null") < 0 ? TMPL_NOMEM : TMPL_OK;
    return buf_append(&r->body_text, v.p, v.n) < 0 ? TMPL_NOMEM : TMPL_OK;
}

static int build_body(const struct request_spec *s, const char *rec, size_t n, struct request *r,
                      struct failure *f)
{
    r->body = NULL;
    r->body_len = 0;
    if (s->body_kind == BODY_RECORD) {
        r->body = rec;
        r->body_len = n;
        return 0;
    }
    if (s->body_kind == BODY_NONE)
        return 0;
    buf_reset(&r->body_text);
    for (size_t i = 0; i < s->nbody_parts; i++) {
        const struct body_part *p = &s->body_parts[i];
        struct tmpl_error terr = {0};
        enum tmpl_status st = TMPL_OK;
        switch (p->kind) {
        case PART_LITERAL:
            st =
                buf_append(&r->body_text, s->body_text + p->off, p->len) < 0 ? TMPL_NOMEM : TMPL_OK;
            break;
        case PART_TEXT:
            st = tmpl_expand(p->expr, rec, n, s->allow_missing, &r->body_text, &terr);
            break;
        case PART_EXACT: st = expand_exact(s, p->expr, rec, n, r, &terr); break;
        case PART_ESCAPED: st = expand_escaped(s, p->expr, rec, n, r, &terr); break;
        }
        if (st != TMPL_OK)
            return tmpl_failure(st, &terr, "body", f);
    }
    r->body = r->body_text.data ? r->body_text.data : "";
    r->body_len = r->body_text.len;
    return 0;
}

int request_build(const struct request_spec *s, const char *rec, size_t n, struct request *r,
                  struct failure *f)
{
    if (build_url(s, rec, n, r, f) < 0 || build_body(s, rec, n, r, f) < 0)
        return -1;
    r->nheaders = 0;
    buf_reset(&r->header_text);
    if (s->static_lines)
        return 0;
    for (size_t i = 0; i < s->nheaders; i++)
        if (build_header(s, &s->headers[i], rec, n, r, f) < 0)
            return -1;
    /* Offsets become pointers only now: header_text may have moved while growing. */
    for (size_t i = 0; i < r->nheaders; i++)
        r->headers[i] = r->header_text.data + (uintptr_t)r->headers[i];
    return 0;
}
