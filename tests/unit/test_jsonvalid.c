/* The JSON validator; response values: what a Content-Type says, and what a
 * body becomes. */
#include "jsonvalid.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

/* A NUL or other control byte outside a string is not JSON (found by fuzz_splice when
 * cJSON, which skips every byte up to space as whitespace, was the validator). */
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

/* json_validate on a C string: 0 valid, else -1 with the error offset. */
static int check(const char *text, enum jtype *type, size_t *at)
{
    return json_validate(text, strlen(text), type, at);
}

static void valid(const char *text, enum jtype want)
{
    enum jtype type = J_NONE;
    size_t at = 0;
    int rc = check(text, &type, &at);
    ok(rc == 0 && type == want, "valid: %s (rc %d, type %d, at %zu)", text, rc, (int)type, at);
}

static void invalid(const char *text, size_t want_at, const char *why)
{
    enum jtype type;
    size_t at = 0;
    int rc = check(text, &type, &at);
    ok(rc == -1 && at == want_at, "invalid at %zu, %s: %s (rc %d, at %zu)", want_at, why, text, rc,
       at);
}

static void test_grammar(void)
{
    valid("{}", J_OBJECT);
    valid("[]", J_ARRAY);
    valid(" { \"a\" : [ 1 , -2.5e+3 , true , false , null , \"s\" ] } ", J_OBJECT);
    valid("0", J_NUMBER);
    valid("-0.0E-0", J_NUMBER);
    valid("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\"", J_STRING);
    valid("true", J_TRUE);
    valid("false", J_FALSE);
    valid("null", J_NULL);
    valid("[[],{},[{}]]", J_ARRAY);
    valid("{\"a\":1,\"a\":2}", J_OBJECT);
    valid("\"\xc3\xa9 and \xc0\xaf\"", J_STRING); /* UTF-8 is not checked unless asked */

    invalid("", 0, "empty");
    invalid("   ", 2, "only whitespace: the last byte");
    invalid("\xEF\xBB\xBF{}", 0, "a byte order mark");
    invalid("[1,]", 3, "a trailing comma");
    invalid("{\"a\":1,}", 7, "a trailing comma in an object");
    invalid("{\"a\" 1}", 5, "no colon");
    invalid("{1:2}", 1, "a key that is not a string");
    invalid("[1}", 2, "a mismatched closer");
    invalid("{\"a\":1]", 6, "a mismatched closer in an object");
    invalid("[1 2]", 3, "no comma");
    invalid("[1,2", 3, "cut short: the last byte");
    invalid("\"abc", 3, "an unterminated string");
    invalid("01", 0, "a leading zero: the number's first byte");
    invalid("[1.]", 1, "no digit after the point");
    invalid("-", 0, "a lone minus");
    invalid("+1", 0, "a plus sign");
    invalid("1e", 0, "no exponent digits");
    invalid(".5", 0, "no integer part");
    invalid("tru", 0, "a cut literal");
    invalid("nulll", 4, "a literal and more");
    invalid("True", 0, "a literal is lower case");
    invalid("\"\\x\"", 1, "an unknown escape");
    invalid("\"\\u12g4\"", 1, "a bad hex digit");
    invalid("\"a\tb\"", 2, "a raw tab in a string");
    invalid("{} {}", 3, "two values");
    invalid("[1]\v", 3, "a vertical tab is not JSON whitespace");
    invalid("NaN", 0, "NaN");
}

/* What cJSON refused and RFC 8259 allows is valid now. */
static void test_lifted_limits(void)
{
    valid("\"\\ud800\"", J_STRING);
    valid("{\"s\":\"\\udc00x\",\"t\":\"\\ud800\\u0041\"}", J_OBJECT);
    valid("\"\\ud83d\\ude00\"", J_STRING);
    char digits[201];
    memset(digits, '7', 200);
    digits[200] = '\0';
    valid(digits, J_NUMBER);

    /* Nesting past the levels kept on the stack, objects and arrays mixed:
     * each closer must still match its own opener. */
    size_t levels = 6000, n = levels * 6 + 2;
    char *deep = malloc(n + 1);
    char *p = deep;
    for (size_t i = 0; i < levels / 2; i++)
        p = stpcpy(p, "[{\"a\":");
    p = stpcpy(p, "1");
    for (size_t i = 0; i < levels / 2; i++)
        p = stpcpy(p, "}]");
    enum jtype type;
    size_t at;
    ok(check(deep, &type, &at) == 0 && type == J_ARRAY, "6000 levels, mixed, are valid");
    /* Swap the innermost closers (levels 6000 and 5999): a mismatch deep down. */
    char *inner = strchr(deep, '1') + 1;
    inner[0] = ']', inner[1] = '}';
    ok(check(deep, &type, &at) == -1 && at == (size_t)(inner - deep),
       "a mismatched closer 6000 levels down is found where it is (at %zu)", at);
    free(deep);

    levels = 100000;
    deep = malloc(2 * levels + 1);
    memset(deep, '[', levels);
    memset(deep + levels, ']', levels);
    deep[2 * levels] = '\0';
    ok(check(deep, &type, &at) == 0 && type == J_ARRAY, "100000 levels are valid");
    deep[2 * levels - 1] = '\0';
    ok(check(deep, &type, &at) == -1 && at == 2 * levels - 2, "one closer short is not");
    free(deep);
}

static void test_check_details(void)
{
    struct jspan_check c;
    const char *t = " {\"a\":[1,2]} \n";
    ok(jspan_validate(t, strlen(t), 0, &c) == 0 && c.lead == 1 && c.len == 11 && !c.spaced,
       "lead and len span the value; whitespace around it is not spacing");
    t = "{\"a\": [1, 2]}";
    ok(jspan_validate(t, strlen(t), 0, &c) == 0 && c.spaced, "whitespace between tokens is");
    t = "[\" a b \"]";
    ok(jspan_validate(t, strlen(t), 0, &c) == 0 && !c.spaced, "spaces inside a string are not");
    t = "[\"\xc0\xaf\",1]";
    ok(jspan_validate(t, strlen(t), 1, &c) == 0 && c.utf8_bad, "not UTF-8, when asked");
    ok(jspan_validate(t, strlen(t), 0, &c) == 0 && !c.utf8_bad, "not looked at otherwise");
    t = "[\"\xc0\xaf\",1";
    ok(jspan_validate(t, strlen(t), 1, &c) == -1 && c.utf8_bad && c.error_at == strlen(t) - 1,
       "the syntax is still checked to the end");
    t = "[\"\xf0\x9f\x98\x80\"]";
    ok(jspan_validate(t, strlen(t), 1, &c) == 0 && !c.utf8_bad, "a 4-byte sequence is UTF-8");
}

/* jspan_validate on n bytes in a heap block of exactly that size (so a
 * sanitizer build catches a read past the end), with check_utf8 as given. */
static int check_n(const char *text, size_t n, int check_utf8, struct jspan_check *c)
{
    char *copy = malloc(n ? n : 1);
    memcpy(copy, text, n);
    int rc = jspan_validate(copy, n, check_utf8, c);
    free(copy);
    return rc;
}

/* Refused at want_at, UTF-8 checked or not. */
static void refused_n(const char *text, size_t n, size_t want_at, const char *why)
{
    struct jspan_check c;
    for (int u = 0; u < 2; u++) {
        int rc = check_n(text, n, u, &c);
        ok(rc == -1 && c.error_at == want_at, "refused at %zu (utf8 %d), %s (rc %d, at %zu)",
           want_at, u, why, rc, c.error_at);
    }
}

static void refused(const char *text, size_t want_at, const char *why)
{
    refused_n(text, strlen(text), want_at, why);
}

/* Accepted with the type want, UTF-8 checked or not. */
static void accepted(const char *text, enum jtype want, const char *why)
{
    struct jspan_check c;
    for (int u = 0; u < 2; u++) {
        int rc = check_n(text, strlen(text), u, &c);
        ok(rc == 0 && c.type == want && c.len == strlen(text) && !c.utf8_bad,
           "accepted (utf8 %d), %s (rc %d, type %d)", u, why, rc, (int)c.type);
    }
}

/* Valid, and with check_utf8 flagged (or not) as want_bad. */
static void utf8_flag(const char *text, int want_bad, const char *why)
{
    struct jspan_check c;
    int rc = check_n(text, strlen(text), 1, &c);
    ok(rc == 0 && c.utf8_bad == want_bad, "%s UTF-8: %s (rc %d)", want_bad ? "not" : "is", why, rc);
}

static void test_strings(void)
{
    /* Every length across the scan's 4-byte steps, closed or not. */
    char text[32];
    for (size_t k = 0; k <= 12; k++) {
        text[0] = '"';
        memset(text + 1, 'x', k);
        text[k + 1] = '"';
        text[k + 2] = '\0';
        accepted(text, J_STRING, "a plain string of every length up to 12");
        refused_n(text, k + 1, k, "an unterminated string: the last byte");
        /* A control byte at every position of the string. */
        for (size_t i = 1; i <= k; i++) {
            text[i] = '\x1f';
            refused(text, i, "a raw control byte where it is");
            text[i] = 'x';
        }
    }
    refused_n("[\"\0\"]", 5, 2, "a raw NUL");
    refused("[\"ab\ncd\"]", 4, "a raw newline");
    accepted("\"\x7f\"", J_STRING, "DEL is not a control character in JSON");

    accepted("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", J_STRING, "every short escape");
    accepted("\"\\u0000\\uFFFF\\uabcd\"", J_STRING, "\\u escapes, both cases of hex");
    accepted("\"\\ud83d\\ude00\"", J_STRING, "a surrogate pair");
    accepted("\"\\uDBFF\\uDFFF\"", J_STRING, "the last surrogate pair");
    accepted("\"\\ud800\"", J_STRING, "a lone high surrogate");
    accepted("\"\\udc00\\ud800\"", J_STRING, "a low then a high surrogate");
    accepted("[\"\\ud800x\",\"\\ud800\\n\"]", J_ARRAY, "a high surrogate then no low one");
    refused("\"ab\\", 3, "a backslash as the last byte");
    refused("\"ab\\u", 3, "\\u as the last bytes");
    refused("\"ab\\u12", 3, "a \\u escape cut short");
    refused("\"ab\\u123", 3, "a \\u escape one digit short");
    refused("\"ab\\u1234", 8, "a whole \\u escape, then the end");
    refused("\"\\u123\"", 1, "a \\u escape of three digits");
    refused("\"\\U1234\"", 1, "\\U is not an escape");
    refused("\"\\", 1, "only a backslash in a string");
    refused("{\"a\\q\":1}", 3, "a bad escape in a key");
    refused("{\"a\x01\":1}", 3, "a control byte in a key");
}

static void test_utf8(void)
{
    utf8_flag("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"", 0, "2, 3 and 4-byte sequences");
    utf8_flag("\"\xef\xbf\xbf\xf4\x8f\xbf\xbf\"", 0, "U+FFFF and U+10FFFF");
    utf8_flag("\"\xc0\xaf\"", 1, "an overlong /");
    utf8_flag("\"\xe0\x80\xaf\"", 1, "an overlong 3-byte form");
    utf8_flag("\"\xed\xa0\x80\"", 1, "an encoded surrogate");
    utf8_flag("\"\xf4\x90\x80\x80\"", 1, "past U+10FFFF");
    utf8_flag("\"\x80\"", 1, "a lone continuation byte");
    utf8_flag("\"\xff\"", 1, "FF");
    utf8_flag("\"\xe2\x82\"", 1, "a sequence cut short by the closing quote");
    utf8_flag("{\"\xc3\":\"\xc3\xa9\"}", 1, "a bad key, a good value");
    utf8_flag("[\"\xc3\xa9\",\"x\xc3(\",\"\xc3\xa9\"]", 1, "a bad string between good ones");
    struct jspan_check c;
    const char *t = "[\"\xc3\",\"a\x01\"]";
    ok(check_n(t, strlen(t), 1, &c) == -1 && c.utf8_bad && c.error_at == 7,
       "after bad UTF-8, a control byte is still found where it is (at %zu)", c.error_at);
    t = "[\"\xe2\x82\"x]";
    ok(check_n(t, strlen(t), 1, &c) == -1 && c.utf8_bad && c.error_at == 5,
       "a cut sequence does not swallow the closing quote (at %zu)", c.error_at);
    t = "[\"\xe2\x82";
    ok(check_n(t, strlen(t), 1, &c) == -1 && c.utf8_bad && c.error_at == 3,
       "a sequence cut short by the end (at %zu)", c.error_at);
}

static void test_numbers(void)
{
    /* At the top level a number runs to the end of the text; inside a
     * container a closer follows: both ways for each. */
    static const char *const good[] = {"0",   "-0",  "1e5",       "1E+5",     "1e-5", "-0.0E-0",
                                       "10",  "123", "1.5",       "9.99",     "2E10", "1700000123",
                                       "-12", "0e0", "123456789", "1.25e+300"};
    static const struct {
        const char *text;
        size_t at; /* inside brackets: one more */
    } bad[] = {{"01", 0},   {"1.", 0},   {".5", 0}, {"-", 0},    {"-01", 0},       {"1e", 0},
               {"1e+", 0},  {"1.e5", 0}, {"+1", 0}, {"1-2", 0},  {"1.5.3", 0},     {"0x", 1},
               {"1ee5", 0}, {"00", 0},   {"-a", 0}, {"1E5E", 0}, {"123456789.", 0}};
    char text[64];
    for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) {
        accepted(good[i], J_NUMBER, good[i]);
        snprintf(text, sizeof(text), "[%s]", good[i]);
        accepted(text, J_ARRAY, text);
        snprintf(text, sizeof(text), "{\"n\":%s} ", good[i]);
        struct jspan_check c;
        ok(check_n(text, strlen(text), 0, &c) == 0 && c.len == strlen(text) - 1, "valid: %s", text);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        refused(bad[i].text, bad[i].at, bad[i].text);
        snprintf(text, sizeof(text), "[%s]", bad[i].text);
        refused(text, bad[i].at + 1, text);
        snprintf(text, sizeof(text), "[%s", bad[i].text);
        refused(text, bad[i].text[bad[i].at] == 'x' ? strlen(text) - 1 : bad[i].at + 1, text);
    }
    refused("[12", 2, "a number, then the end");
    refused("[1,23", 4, "a longer number, then the end");
    refused("[123 ", 4, "a number and a space, then the end");
}

static void test_spacing(void)
{
    static const char *const spaced[] = {
        "{ }",     "[ ]",       "{\"a\" :1}",          "{\"a\": 1}", "{\"a\":1 }", "[1 ,2]",
        "[1,\n2]", "[\r\n\t1]", "{\"a\":1,\t\"b\":2}", "[true ]",    "[\"s\" ]",   "{\"a\":{} }"};
    struct jspan_check c;
    for (size_t i = 0; i < sizeof(spaced) / sizeof(*spaced); i++)
        ok(check_n(spaced[i], strlen(spaced[i]), 0, &c) == 0 && c.spaced, "spaced: case %zu", i);
    const char *t = " \n[1,{\"a\":[true,null]}]\r\n ";
    ok(check_n(t, strlen(t), 0, &c) == 0 && !c.spaced && c.lead == 2 && c.len == 21,
       "whitespace around the value is not spacing");
    refused("[1, ]", 4, "a trailing comma, then a space");
    refused("{\"a\" }", 5, "no colon after a spaced key");
    refused("{ ,}", 2, "a comma where a key is due");
    refused("{\"a\":1 \"b\":2}", 7, "no comma, a space");
    refused("[1 ", 2, "cut short after a space: the last byte");
    ok(check_n("[1 ", 3, 0, &c) == -1 && c.spaced, "spacing seen before the end is reported");
    refused("[ \x01]", 2, "a control byte after a space");
}

/* More than 1000 levels (cJSON's limit), objects and arrays alternating. */
static void test_deep(void)
{
    size_t levels = 1001;
    char *deep = malloc(levels * 7 + 2);
    char *p = deep;
    for (size_t i = 0; i < levels; i++)
        p = stpcpy(p, i % 2 ? "{\"k\":" : "[");
    *p++ = '0';
    for (size_t i = levels; i-- > 0;)
        *p++ = i % 2 ? '}' : ']';
    struct jspan_check c;
    ok(check_n(deep, (size_t)(p - deep), 1, &c) == 0 && c.type == J_ARRAY && !c.spaced,
       "1001 levels are valid");
    ok(check_n(deep, (size_t)(p - deep) - 1, 1, &c) == -1 && c.error_at == (size_t)(p - deep) - 2,
       "one closer short is not");
    free(deep);
}

static void test_response_spans(void)
{
    struct buf out;
    struct jspan val;
    char why[64];
    buf_init(&out, 1 << 10);
    const char *body = "{\"a\":1}";
    ok(json_response_span(body, 7, JSON_CONTENT_JSON, &out, &val, why, sizeof(why)) == 0 &&
           val.p == body && val.n == 7 && val.type == J_OBJECT && out.len == 0,
       "minified JSON is borrowed from the body, nothing copied");
    body = "\xEF\xBB\xBF [1] ";
    ok(json_response_span(body, strlen(body), JSON_CONTENT_NONE, &out, &val, why, sizeof(why)) ==
               0 &&
           val.p == body + 4 && val.n == 3 && val.type == J_ARRAY,
       "a byte order mark and the whitespace around are left out of the span");
    body = "[1, 2]";
    ok(json_response_span(body, 6, JSON_CONTENT_NONE, &out, &val, why, sizeof(why)) == 0 &&
           val.p == out.data && val.n == 5 && memcmp(val.p, "[1,2]", 5) == 0,
       "spaced JSON is minified into out");
    buf_reset(&out);
    ok(json_response_span("x y", 3, JSON_CONTENT_NONE, &out, &val, why, sizeof(why)) == 0 &&
           val.type == J_STRING && val.n == 5,
       "text is quoted into out");
    buf_free(&out);
}

int main(void)
{
    test_grammar();
    test_lifted_limits();
    test_check_details();
    test_strings();
    test_utf8();
    test_numbers();
    test_spacing();
    test_deep();
    test_response_spans();
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
           "JSON type, a number with a leading zero: -2");
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
