/* JSON validation and response values; see jsonvalid.h. */
#include "jsonvalid.h"

#include <cJSON.h>
#include <stdint.h>
#include <string.h>

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

int json_response_value(const char *body, size_t n, struct buf *out)
{
    /* A byte order mark marks the encoding; it is not part of the value. */
    if (n >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0)
        body += 3, n -= 3;
    if (n == 0)
        return buf_puts(out, "null");
    enum jtype type;
    size_t at;
    /* JSON must be UTF-8; a body that is not goes in as a string, where
     * the bad bytes become U+FFFD, so the output stays valid JSON. */
    if (json_validate(body, n, &type, &at) == 0 && jspan_utf8_valid(body, n))
        return jspan_minify(body, n, out);
    return jspan_quote(body, n, out);
}

size_t json_response_value_max(size_t body_max)
{
    if (body_max > (SIZE_MAX / 2 - 2) / 6)
        return SIZE_MAX / 2;
    size_t quoted = 6 * body_max + 2;
    return quoted < 4 ? 4 : quoted; /* an empty body is null */
}
