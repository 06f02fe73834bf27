/* JSON validation and response values; see jsonvalid.h. */
#include "jsonvalid.h"

#include <cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static enum jtype type_of(const cJSON *item)
{
    if (cJSON_IsObject(item))
        return J_OBJECT;
    if (cJSON_IsArray(item))
        return J_ARRAY;
    if (cJSON_IsString(item))
        return J_STRING;
    if (cJSON_IsNumber(item))
        return J_NUMBER;
    if (cJSON_IsTrue(item))
        return J_TRUE;
    if (cJSON_IsFalse(item))
        return J_FALSE;
    return J_NULL;
}

int json_validate(const char *p, size_t n, enum jtype *type, size_t *error_at)
{
    const char *end = NULL;
    *error_at = 0;
    cJSON *root = cJSON_ParseWithLengthOpts(p, n, &end, 0);
    if (!root) {
        /* cJSON reports the failure position through cJSON_GetErrorPtr only. */
        const char *at = cJSON_GetErrorPtr();
        *error_at = at && at >= p && at <= p + n ? (size_t)(at - p) : 0;
        return -1;
    }
    *type = type_of(root);
    cJSON_Delete(root);
    const char *rest = jspan_skip_ws(end, p + n);
    if (rest != p + n) {
        *error_at = (size_t)(rest - p);
        return -1;
    }
    /* cJSON is lenient where JSON is not (01, 1., raw control characters in
     * strings), and skips a byte order mark: check what it let through. */
    if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        return -1;
    return jspan_check_tokens(p, n, error_at);
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

int json_response_value_typed(const char *body, size_t n, enum json_content kind, struct buf *out,
                              char *why, size_t why_len)
{
    /* A byte order mark marks the encoding; it is not part of the value. */
    size_t skipped = 0;
    if (n >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0)
        body += 3, n -= 3, skipped = 3;
    if (n == 0)
        return buf_puts(out, "null");
    if (kind == JSON_CONTENT_OTHER)
        return jspan_quote(body, n, out);
    enum jtype type;
    size_t at;
    int parsed = json_validate(body, n, &type, &at) == 0;
    /* JSON must be UTF-8; without a type saying JSON, a body that is not goes
     * in as a string, where the bad bytes become U+FFFD, so the output stays
     * valid JSON. */
    if (parsed && jspan_utf8_valid(body, n))
        return jspan_minify(body, n, out);
    if (kind == JSON_CONTENT_NONE)
        return jspan_quote(body, n, out);
    if (parsed)
        snprintf(why, why_len, "not UTF-8");
    else
        snprintf(why, why_len, "error near byte %zu", skipped + at + 1);
    return -2;
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
