/* Hiding secrets in what enrich prints; see redact.h. */
#include "redact.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static const char *const secret_parts[] = {"key",    "token", "secret",  "password",
                                           "passwd", "auth",  "session", "signature"};
static const char *const secret_names[] = {"cookie", "set-cookie"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* 1 if part occurs in name[0..n), ignoring ASCII case. */
static int contains(const char *name, size_t n, const char *part)
{
    size_t k = strlen(part);
    for (size_t i = 0; k > 0 && i + k <= n; i++)
        if (strncasecmp(name + i, part, k) == 0)
            return 1;
    return 0;
}

int redact_is_secret(const struct redact *r, const char *name, size_t n)
{
    for (size_t i = 0; i < COUNT(secret_names); i++)
        if (strlen(secret_names[i]) == n && strncasecmp(name, secret_names[i], n) == 0)
            return 1;
    for (size_t i = 0; i < COUNT(secret_parts); i++)
        if (contains(name, n, secret_parts[i]))
            return 1;
    for (size_t i = 0; r && i < r->nnames; i++)
        if (contains(name, n, r->names[i]))
            return 1;
    return 0;
}

int redact_header(const struct redact *r, const char *line, struct buf *out)
{
    size_t name_len = strcspn(line, ":;");
    if (!line[name_len])
        return buf_puts(out, line);
    size_t trimmed = name_len;
    while (trimmed > 0 && (line[trimmed - 1] == ' ' || line[trimmed - 1] == '\t'))
        trimmed--;
    if (buf_append(out, line, name_len) < 0)
        return -1;
    if (redact_is_secret(r, line, trimmed))
        return buf_puts(out, ": " REDACT_MARK);
    /* "Name;" is libcurl's spelling of an empty value; show it as HTTP does. */
    if (line[name_len] == ';' && !line[name_len + 1])
        return buf_puts(out, ": ");
    return buf_puts(out, line + name_len);
}

static int hex(int c)
{
    return isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
}

/* Is the parameter name p[0..n), percent-decoded, secret? A name is
 * decoded into a bounded copy: past that, its first bytes decide. */
static int secret_param(const struct redact *r, const char *p, size_t n)
{
    char name[256];
    size_t len = 0;
    for (size_t i = 0; i < n && len < sizeof(name); i++) {
        if (p[i] == '%' && i + 2 < n && isxdigit((unsigned char)p[i + 1]) &&
            isxdigit((unsigned char)p[i + 2])) {
            name[len++] = (char)(hex((unsigned char)p[i + 1]) * 16 + hex((unsigned char)p[i + 2]));
            i += 2;
        } else {
            name[len++] = p[i];
        }
    }
    return len > 0 && redact_is_secret(r, name, len);
}

/* Append the parameters p[0..n) ("a=1&b=2"), secret values masked. */
static int put_params(const struct redact *r, const char *p, size_t n, struct buf *out)
{
    const char *end = p + n;
    while (p < end) {
        const char *sep = p;
        while (sep < end && *sep != '&' && *sep != ';')
            sep++;
        const char *eq = memchr(p, '=', (size_t)(sep - p));
        if (eq && secret_param(r, p, (size_t)(eq - p))) {
            if (buf_append(out, p, (size_t)(eq + 1 - p)) < 0 || buf_puts(out, REDACT_MARK) < 0)
                return -1;
        } else if (buf_append(out, p, (size_t)(sep - p)) < 0) {
            return -1;
        }
        if (sep < end && buf_putc(out, *sep) < 0)
            return -1;
        p = sep + 1;
    }
    return 0;
}

/* Append the authority a[0..n) with its userinfo masked. */
static int put_authority(const char *a, size_t n, struct buf *out)
{
    const char *at = memrchr(a, '@', n);
    if (!at)
        return buf_append(out, a, n);
    const char *colon = memchr(a, ':', (size_t)(at - a));
    if (colon && buf_append(out, a, (size_t)(colon + 1 - a)) < 0)
        return -1;
    if (buf_puts(out, REDACT_MARK) < 0)
        return -1;
    return buf_append(out, at, (size_t)(a + n - at));
}

static int redact_url_n(const struct redact *r, const char *url, size_t n, struct buf *out)
{
    const char *end = url + n;
    const char *scheme = memmem(url, n, "://", 3);
    const char *p = url;
    if (scheme) {
        const char *auth = scheme + 3, *auth_end = auth;
        while (auth_end < end && *auth_end != '/' && *auth_end != '?' && *auth_end != '#')
            auth_end++;
        if (buf_append(out, url, (size_t)(auth - url)) < 0 ||
            put_authority(auth, (size_t)(auth_end - auth), out) < 0)
            return -1;
        p = auth_end;
    }
    const char *query = memchr(p, '?', (size_t)(end - p));
    const char *hash = memchr(p, '#', (size_t)(end - p));
    if (query && hash && hash < query)
        query = NULL; /* a '?' in the fragment starts no query */
    const char *path_end = query ? query : hash ? hash : end;
    if (buf_append(out, p, (size_t)(path_end - p)) < 0)
        return -1;
    if (query) {
        const char *q_end = hash ? hash : end;
        if (buf_putc(out, '?') < 0 ||
            put_params(r, query + 1, (size_t)(q_end - query - 1), out) < 0)
            return -1;
    }
    /* A fragment can carry a token too (OAuth's implicit flow). */
    if (hash &&
        (buf_putc(out, '#') < 0 || put_params(r, hash + 1, (size_t)(end - hash - 1), out) < 0))
        return -1;
    return 0;
}

int redact_url(const struct redact *r, const char *url, struct buf *out)
{
    return redact_url_n(r, url, strlen(url), out);
}

/* Where the next http:// or https:// URL in text starts, or NULL. */
static const char *next_url(const char *text)
{
    for (const char *p = text; (p = strcasestr(p, "http")); p += 4) {
        const char *s = p + 4;
        if (*s == 's' || *s == 'S')
            s++;
        if (strncmp(s, "://", 3) == 0)
            return p;
    }
    return NULL;
}

int redact_text(const struct redact *r, const char *text, struct buf *out)
{
    const char *p = text, *url;
    while ((url = next_url(p))) {
        size_t len = strcspn(url, " \t\r\n\"'<>`");
        if (buf_append(out, p, (size_t)(url - p)) < 0 || redact_url_n(r, url, len, out) < 0)
            return -1;
        p = url + len;
    }
    return buf_puts(out, p);
}
