/* Response values: what a Content-Type says, and what a body becomes. */
#include "jsonvalid.h"

#include <stdint.h>

#include "tap.h"

static const char *const kind_names[] = {"none", "json", "other"};

static void kind(const char *content_type, enum json_content want)
{
    enum json_content got = json_content_kind(content_type);
    ok(got == want, "Content-Type '%s' is %s (got %s)", content_type ? content_type : "(null)",
       kind_names[want], kind_names[got]);
}

/* The value spliced for body under kind, or "<-N: why>" on failure. */
static const char *value(const char *body, enum json_content k)
{
    static char text[256];
    struct buf out;
    char why[64] = "";
    buf_init(&out, 1 << 20);
    buf_puts(&out, "[");
    int rc = json_response_value_typed(body, strlen(body), k, &out, why, sizeof(why));
    if (rc == 0)
        snprintf(text, sizeof(text), "%s", out.data + 1);
    else
        snprintf(text, sizeof(text), "<%d: %s>%s", rc, why, strcmp(out.data, "[") ? " dirty" : "");
    buf_free(&out);
    return text;
}

/* cJSON skips every byte up to space as whitespace: a NUL or other control byte outside a
 * string is still not JSON (found by fuzz_splice: such a line reached the splicer). */
static void test_control_bytes_outside_strings(void)
{
    enum jtype type;
    size_t at;
    ok(json_validate("\0{\"a\":1}", 8, &type, &at) == -1 && at == 0, "a leading NUL is refused");
    ok(json_validate("{\"a\":\x01 2}", 9, &type, &at) == -1 && at == 5,
       "a control byte between tokens is refused where it is");
    ok(json_validate("{\"a\":1}\x02", 8, &type, &at) == -1, "a trailing control byte is refused");
    ok(json_validate(" \t{\"a\":\r\n1}\n", 12, &type, &at) == 0 && type == J_OBJECT,
       "JSON's four whitespace bytes are fine");
}

int main(void)
{
    test_control_bytes_outside_strings();
    kind(NULL, JSON_CONTENT_NONE);
    kind("", JSON_CONTENT_NONE);
    kind("  ; charset=utf-8", JSON_CONTENT_NONE);
    kind("application/json", JSON_CONTENT_JSON);
    kind("Application/JSON", JSON_CONTENT_JSON);
    kind("application/json; charset=utf-8", JSON_CONTENT_JSON);
    kind(" application/json ;charset=UTF-8", JSON_CONTENT_JSON);
    kind("application/problem+json", JSON_CONTENT_JSON);
    kind("application/vnd.api+JSON; ext=x", JSON_CONTENT_JSON);
    kind("text/plain", JSON_CONTENT_OTHER);
    kind("text/html; charset=utf-8", JSON_CONTENT_OTHER);
    kind("application/jsonp", JSON_CONTENT_OTHER);
    kind("application/json-seq", JSON_CONTENT_OTHER);
    kind("application/x-ndjson", JSON_CONTENT_OTHER);
    kind("application/+json", JSON_CONTENT_OTHER);
    kind("json", JSON_CONTENT_OTHER);
    kind("/json", JSON_CONTENT_OTHER);
    kind("application/octet-stream", JSON_CONTENT_OTHER);

    is_str(value("{ \"a\" : 1.000 }", JSON_CONTENT_JSON), "{\"a\":1.000}", "JSON type: minified");
    is_str(value("{\"a\":", JSON_CONTENT_JSON), "<-2: error near byte 5>",
           "JSON type, broken JSON: -2 with the position, out unchanged");
    is_str(value("01", JSON_CONTENT_JSON), "<-2: error near byte 1>",
           "JSON type, a number cJSON alone would take: -2");
    is_str(value("\xEF\xBB\xBF[1,", JSON_CONTENT_JSON), "<-2: error near byte 6>",
           "the position counts a byte order mark");
    is_str(value("\"a\xC0\xAF\"", JSON_CONTENT_JSON), "<-2: not UTF-8>",
           "JSON type, not UTF-8: -2");
    is_str(value("", JSON_CONTENT_JSON), "null", "JSON type, empty body: null");
    is_str(value("\xEF\xBB\xBF{}", JSON_CONTENT_JSON), "{}", "a byte order mark is dropped");

    is_str(value("10001", JSON_CONTENT_OTHER), "\"10001\"", "other type: a number is a string");
    is_str(value("\"02134\"", JSON_CONTENT_OTHER), "\"\\\"02134\\\"\"",
           "other type: a JSON string is a string of its text");
    is_str(value("true", JSON_CONTENT_OTHER), "\"true\"", "other type: true is a string");
    is_str(value("", JSON_CONTENT_OTHER), "null", "other type, empty body: null");
    is_str(value("\xEF\xBB\xBFhi", JSON_CONTENT_OTHER), "\"hi\"",
           "other type: a byte order mark is dropped");

    is_str(value("10001", JSON_CONTENT_NONE), "10001", "no type: JSON goes in as JSON");
    is_str(value("{\"a\":", JSON_CONTENT_NONE), "\"{\\\"a\\\":\"", "no type: not JSON, a string");
    struct buf out;
    buf_init(&out, 64);
    ok(json_response_value("[1, 2]", 6, &out) == 0 && strcmp(out.data, "[1,2]") == 0,
       "json_response_value is the no-type case");
    buf_free(&out);

    ok(json_response_value_max(0) == 4, "an empty body may become null");
    ok(json_response_value_max(10) == 62, "ten bytes may become ten escapes and quotes");
    ok(json_response_value_max(SIZE_MAX / 3) == SIZE_MAX / 2, "saturates instead of overflowing");
    return tap_done();
}
