/* JSON validation and response values; see jsonvalid.h. */
#include "jsonvalid.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int json_validate(const char *p, size_t n, enum jtype *type, size_t *error_at)
{
    struct jspan_check c;
    int rc = jspan_validate(p, n, 0, &c);
    *type = c.type;
    *error_at = c.error_at;
    return rc;
}

/* Does s[0..n) equal lower (lowercase ASCII), ignoring case? */
static int same_word(const char *s, size_t n, const char *lower)
{
    return strlen(lower) == n && strncasecmp(s, lower, n) == 0;
}

enum json_content json_content_kind(const char *content_type)
{
    if (!content_type)
        return JSON_CONTENT_NONE;
    const char *p = content_type + strspn(content_type, " \t");
    size_t n = strcspn(p, ";");
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    if (n == 0)
        return JSON_CONTENT_NONE;
    const char *slash = memchr(p, '/', n);
    if (!slash || slash == p)
        return JSON_CONTENT_OTHER;
    const char *sub = slash + 1;
    size_t sub_n = n - (size_t)(sub - p);
    if (same_word(p, (size_t)(slash - p), "application") && same_word(sub, sub_n, "json"))
        return JSON_CONTENT_JSON;
    /* A structured syntax suffix (RFC 6839): application/problem+json. */
    if (sub_n > 5 && same_word(sub + sub_n - 5, 5, "+json"))
        return JSON_CONTENT_JSON;
    return JSON_CONTENT_OTHER;
}

int json_response_span(const char *body, size_t n, enum json_content kind, struct buf *out,
                       struct jspan *val, char *why, size_t why_len)
{
    /* A byte order mark marks the encoding; it is not part of the value. */
    size_t skipped = 0;
    if (n >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0)
        body += 3, n -= 3, skipped = 3;
    size_t entry = out->len;
    if (n == 0) {
        if (buf_puts(out, "null") < 0)
            return -1;
        *val = (struct jspan){out->data + entry, 4, J_NULL};
        return 0;
    }
    if (kind == JSON_CONTENT_OTHER)
        goto quote;
    struct jspan_check c;
    int rc = jspan_validate(body, n, 1, &c);
    if (rc == -2)
        return -1;
    /* JSON must be UTF-8; without a type saying JSON, a body that is not goes
     * in as a string, where the bad bytes become U+FFFD, so the output stays
     * valid JSON. */
    if (rc == 0 && !c.utf8_bad) {
        if (!c.spaced) {
            *val = (struct jspan){body + c.lead, c.len, c.type};
            return 0;
        }
        if (jspan_minify(body + c.lead, c.len, out) < 0)
            return -1;
        *val = (struct jspan){out->data + entry, out->len - entry, c.type};
        return 0;
    }
    if (kind == JSON_CONTENT_NONE)
        goto quote;
    if (rc == 0)
        snprintf(why, why_len, "not UTF-8");
    else
        snprintf(why, why_len, "error near byte %zu", skipped + c.error_at + 1);
    return -2;
quote:
    if (jspan_quote(body, n, out) < 0)
        return -1;
    *val = (struct jspan){out->data + entry, out->len - entry, J_STRING};
    return 0;
}

int json_response_value_typed(const char *body, size_t n, enum json_content kind, struct buf *out,
                              char *why, size_t why_len)
{
    struct jspan val;
    size_t entry = out->len;
    int rc = json_response_span(body, n, kind, out, &val, why, why_len);
    /* Borrowed from body: copied now. */
    if (rc == 0 && out->len == entry && buf_append(out, val.p, val.n) < 0)
        return -1;
    return rc;
}

int json_response_value(const char *body, size_t n, struct buf *out)
{
    char why[1];
    return json_response_value_typed(body, n, JSON_CONTENT_NONE, out, why, sizeof(why));
}

size_t json_response_value_max(size_t body_max)
{
    if (body_max > (SIZE_MAX / 2 - 2) / 6)
        return SIZE_MAX / 2;
    size_t quoted = 6 * body_max + 2;
    return quoted < 4 ? 4 : quoted; /* an empty body is null */
}
