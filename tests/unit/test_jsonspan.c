/* Unit tests for lib/jsonspan.c. Inputs are copied into exact-size heap
 * buffers with no NUL, so a read past the end shows up under ASan. */
#include "jsonspan.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"

/* An exact-size heap copy of s[0..n), no terminator. Never NULL. */
static char *heap_copy(const char *s, size_t n)
{
    char *p = malloc(n ? n : 1);
    if (!p) {
        perror("malloc");
        exit(2);
    }
    memcpy(p, s, n);
    return p;
}

static void check_value(const char *text, enum jtype type, const char *want, const char *name)
{
    size_t n = strlen(text);
    char *p = heap_copy(text, n);
    struct jspan v;
    int r = jspan_value(p, p + n, &v);
    int same = r == 0 && v.type == type && v.n == strlen(want) && memcmp(v.p, want, v.n) == 0;
    ok(same, "value: %s", name);
    if (!same && r == 0)
        printf("#   got type %d: '%.*s'\n", (int)v.type, (int)v.n, v.p);
    free(p);
}

static void check_value_fails(const char *text, const char *name)
{
    size_t n = strlen(text);
    char *p = heap_copy(text, n);
    struct jspan v;
    ok(jspan_value(p, p + n, &v) == -1, "value fails: %s", name);
    free(p);
}

static void test_values(void)
{
    check_value("null", J_NULL, "null", "null");
    check_value("true", J_TRUE, "true", "true");
    check_value("false", J_FALSE, "false", "false");
    check_value(" \t\r\n 42 ", J_NUMBER, "42", "leading whitespace skipped, number ends");
    check_value("-0.5E+10,", J_NUMBER, "-0.5E+10", "number with fraction and exponent");
    check_value("1.000", J_NUMBER, "1.000", "1.000 kept whole");
    check_value("12345678901234567890123]", J_NUMBER, "12345678901234567890123", "big integer");
    check_value("01", J_NUMBER, "0", "leading zero ends the number at 0");
    check_value("\"a\\\"b\" x", J_STRING, "\"a\\\"b\"", "string with escaped quote");
    check_value("\"a\\\\\" x", J_STRING, "\"a\\\\\"", "string ending in escaped backslash");
    check_value("\"a\\\\\\\"b\"", J_STRING, "\"a\\\\\\\"b\"", "escaped backslash then quote");
    check_value("{\"k\":\"}\\\"]\",\"z\":[1,\"]\",{\"q\":\"{\"}]} tail", J_OBJECT,
                "{\"k\":\"}\\\"]\",\"z\":[1,\"]\",{\"q\":\"{\"}]}", "object with tricky strings");
    check_value("[[],[[]],{}] ,", J_ARRAY, "[[],[[]],{}]", "nested arrays");
    check_value_fails("", "empty text");
    check_value_fails("   ", "only whitespace");
    check_value_fails("-", "lone minus");
    check_value_fails("1.", "fraction without digits");
    check_value_fails("1.e5", "fraction dot then exponent");
    check_value_fails("1e", "exponent without digits");
    check_value_fails("1e+", "exponent sign without digits");
    check_value_fails("+1", "plus sign");
    check_value_fails("tru", "truncated true");
    check_value_fails("nul", "truncated null");
    check_value_fails("x", "garbage");
    check_value_fails("\"abc", "unterminated string");
    check_value_fails("\"abc\\\"", "string ending in escaped quote");
    check_value_fails("[1}", "mismatched closer");
    check_value_fails("{\"a\":[1}]", "crossed brackets");
    check_value_fails("{\"a\":\"}\"", "closer only inside a string");
}

static void test_iteration(void)
{
    const char *text = "{ \"a\" : 1 , \"b\":[2] }";
    struct jspan obj, k, v;
    struct jspan_iter it;
    jspan_value(text, text + strlen(text), &obj);
    ok(jspan_iter_begin(&obj, &it) == 0, "iter: begin on object");
    ok(jspan_next_member(&it, &k, &v) == 1 && k.n == 3 && memcmp(k.p, "\"a\"", 3) == 0 &&
           v.type == J_NUMBER && v.n == 1 && v.p[0] == '1',
       "iter: first member a:1");
    ok(jspan_next_member(&it, &k, &v) == 1 && v.type == J_ARRAY && v.n == 3,
       "iter: second member b:[2]");
    ok(jspan_next_member(&it, &k, &v) == 0, "iter: end of object");

    const char *arr = "[ 1 , \"two\" , {\"x\":[]} , null ]";
    jspan_value(arr, arr + strlen(arr), &obj);
    enum jtype want[] = {J_NUMBER, J_STRING, J_OBJECT, J_NULL};
    int i = 0, r, good = 1;
    jspan_iter_begin(&obj, &it);
    while ((r = jspan_next_elem(&it, &v)) == 1)
        good &= i < 4 && v.type == want[i++];
    ok(good && r == 0 && i == 4, "iter: array elements and their types");

    struct jspan num = {"5", 1, J_NUMBER};
    ok(jspan_iter_begin(&num, &it) == -1, "iter: begin on a number fails");

    const char *bad[] = {"[1,]", "[,1]", "[1 2]", "{\"a\":1,}", "{\"a\" 1}", "{\"a\":}", "{1:2}"};
    for (size_t j = 0; j < sizeof bad / sizeof *bad; j++) {
        size_t n = strlen(bad[j]);
        char *p = heap_copy(bad[j], n);
        struct jspan span = {p, n, p[0] == '[' ? J_ARRAY : J_OBJECT};
        jspan_iter_begin(&span, &it);
        while ((r = span.type == J_ARRAY ? jspan_next_elem(&it, &v)
                                         : jspan_next_member(&it, &k, &v)) == 1)
            ;
        ok(r == -1, "iter: malformed %s gives -1", bad[j]);
        free(p);
    }
}

/* The raw text of member name in the object text, or "(absent)"/"(malformed)". */
static const char *member_text(struct buf *b, const char *json, const char *name)
{
    size_t n = strlen(json), nn = strlen(name);
    char *p = heap_copy(json, n), *np = heap_copy(name, nn);
    struct jspan obj = {p, n, J_OBJECT}, v;
    int r = jspan_member(&obj, np, nn, NULL, &v);
    buf_reset(b);
    if (r == 1)
        buf_append(b, v.p, v.n);
    else
        buf_puts(b, r == 0 ? "(absent)" : "(malformed)");
    free(p);
    free(np);
    return b->data;
}

static void test_members(struct buf *b)
{
    is_str(member_text(b, "{\"a\":1,\"b\":2,\"a\":3}", "a"), "3", "member: last duplicate wins");
    is_str(member_text(b, "{\"a\":1,\"b\":2}", "c"), "(absent)", "member: absent");
    is_str(member_text(b, "{}", "a"), "(absent)", "member: empty object");
    is_str(member_text(b, "{\"user\\u002did\":7}", "user-id"), "7", "member: \\u escape in key");
    is_str(member_text(b, "{\"a\\\"b\":1}", "a\"b"), "1", "member: escaped quote in key");
    is_str(member_text(b, "{\"\\u00e9\":1}", "\xc3\xa9"), "1", "member: \\u00e9 equals UTF-8 é");
    is_str(member_text(b, "{\"\\ud83d\\ude00\":1}", "\xf0\x9f\x98\x80"), "1",
           "member: surrogate-pair key equals the emoji");
    is_str(member_text(b, "{\"ab\":1}", "abc"), "(absent)", "member: key is a prefix of name");
    is_str(member_text(b, "{\"abc\":1}", "ab"), "(absent)", "member: name is a prefix of key");
    is_str(member_text(b, "{\"a\\u0062\":1}", "a"), "(absent)", "member: escaped key longer");
    is_str(member_text(b, "{\"a\":1,\"b\":}", "a"), "(malformed)",
           "member: malformed later member is an error");

    const char *dup = "{\"a\":1,\"a\":2}";
    struct jspan obj, key;
    jspan_value(dup, dup + strlen(dup), &obj);
    ok(jspan_member(&obj, "a", 1, &key, NULL) == 1 && key.p == dup + 7,
       "member: key span is the last duplicate's");
    struct jspan arr = {"[1]", 3, J_ARRAY};
    ok(jspan_member(&arr, "a", 1, NULL, NULL) == 0, "member: on an array is absent");
    struct jspan k1 = {"\"x\\ny\"", 6, J_STRING};
    ok(jspan_key_equals(&k1, "x\ny", 3) == 1, "key_equals: \\n escape");
    ok(jspan_key_equals(&k1, "x\\ny", 4) == 0, "key_equals: raw backslash-n differs");
}

/* The raw text at path, or "(absent)"/"(malformed)"; root is built by hand
 * as the whole text typed `type`, so surrounding whitespace is exercised. */
static const char *path_text(struct buf *b, const char *json, enum jtype type, const char *path)
{
    size_t n = strlen(json), pn = strlen(path);
    char *p = heap_copy(json, n), *pp = heap_copy(path, pn);
    struct jspan root = {p, n, type}, v;
    int r = jspan_path(&root, pp, pn, &v);
    buf_reset(b);
    if (r == 1)
        buf_append(b, v.p, v.n);
    else
        buf_puts(b, r == 0 ? "(absent)" : "(malformed)");
    free(p);
    free(pp);
    return b->data;
}

static void test_paths(struct buf *b)
{
    const char *doc = "{\"user\":{\"id\":42,\"tags\":[\"x\",\"y\"]},"
                      "\"items\":[{\"sku\":\"A1\"},{\"sku\":\"B2\"}],\"0\":\"zero\","
                      "\"a\":{\"b\":{\"c\":null}},\"n\":1.000}";
    is_str(path_text(b, doc, J_OBJECT, "items.0.sku"), "\"A1\"", "path: items.0.sku");
    is_str(path_text(b, doc, J_OBJECT, "items.1.sku"), "\"B2\"", "path: items.1.sku");
    is_str(path_text(b, doc, J_OBJECT, "items.2.sku"), "(absent)", "path: index out of range");
    is_str(path_text(b, doc, J_OBJECT, "items.99999999999999999999999"), "(absent)",
           "path: index too big for size_t");
    is_str(path_text(b, doc, J_OBJECT, "user.tags.1"), "\"y\"", "path: array of strings");
    is_str(path_text(b, doc, J_OBJECT, "user.tags.x"), "(absent)", "path: name on an array");
    is_str(path_text(b, doc, J_OBJECT, "user.0"), "(absent)", "path: index on an object");
    is_str(path_text(b, doc, J_OBJECT, "0"), "\"zero\"", "path: digits name an object member");
    is_str(path_text(b, doc, J_OBJECT, "user.id.x"), "(absent)", "path: through a number");
    is_str(path_text(b, doc, J_OBJECT, "a.b.c"), "null", "path: a.b.c finds null");
    is_str(path_text(b, doc, J_OBJECT, "a.b.x"), "(absent)", "path: missing leaf");
    is_str(path_text(b, doc, J_OBJECT, "missing"), "(absent)", "path: missing top level");
    is_str(path_text(b, doc, J_OBJECT, "user"), "{\"id\":42,\"tags\":[\"x\",\"y\"]}",
           "path: object value");
    is_str(path_text(b, doc, J_OBJECT, "n"), "1.000", "path: number text kept");
    is_str(path_text(b, doc, J_OBJECT, ""), "(absent)", "path: empty path");
    is_str(path_text(b, doc, J_OBJECT, "user."), "(absent)", "path: trailing dot");
    is_str(path_text(b, doc, J_OBJECT, ".user"), "(absent)", "path: leading dot");
    is_str(path_text(b, doc, J_OBJECT, "user..id"), "(absent)", "path: empty component");
    is_str(path_text(b, " \n {\"a\":[7]} \r\n", J_OBJECT, "a.0"), "7",
           "path: whitespace around the root");
    is_str(path_text(b, "[[1,2],[3]]", J_ARRAY, "1.0"), "3", "path: array root");
    is_str(path_text(b, "{\"a\":1,\"b\":}", J_OBJECT, "a"), "(malformed)",
           "path: malformed object");
}

/* The components of path as "[c1][c2]...", checking it.more drops exactly
 * after the last one and that the iterator then stays done. */
static const char *components(struct buf *b, const char *path)
{
    size_t pn = strlen(path), n, count = 0, dots = 0;
    char *pp = heap_copy(path, pn);
    struct jspan_path_iter it;
    const char *comp;
    for (size_t i = 0; i < pn; i++)
        dots += path[i] == '.';
    buf_reset(b);
    jspan_path_begin(&it, pp, pn);
    while (jspan_path_next(&it, &comp, &n)) {
        count++;
        buf_printf(b, "[%.*s]", (int)n, comp);
        if (it.more != (count <= dots))
            buf_puts(b, "(more wrong)");
    }
    if (jspan_path_next(&it, &comp, &n) != 0)
        buf_puts(b, "(not done)");
    free(pp);
    return b->data;
}

static void test_path_components(struct buf *b)
{
    is_str(components(b, "user.id"), "[user][id]", "components: user.id");
    is_str(components(b, "a"), "[a]", "components: one");
    is_str(components(b, "items.0.sku"), "[items][0][sku]", "components: three");
    is_str(components(b, ""), "[]", "components: an empty path is one empty component");
    is_str(components(b, "a."), "[a][]", "components: trailing dot");
    is_str(components(b, ".a"), "[][a]", "components: leading dot");
    is_str(components(b, "a..b"), "[a][][b]", "components: doubled dot");
    is_str(components(b, "."), "[][]", "components: a lone dot");
    is_str(components(b, "a%2Eb.c"), "[a%2Eb][c]", "components: nothing decoded");

    struct jspan_path_iter it;
    const char *comp = "x";
    size_t n = 9;
    jspan_path_begin(&it, "x", 0);
    ok(jspan_path_next(&it, &comp, &n) == 1 && n == 0 && !it.more &&
           jspan_path_next(&it, &comp, &n) == 0,
       "components: n of 0 is one empty component, whatever follows");
    const char *text = "a.b.c";
    jspan_path_begin(&it, text, 3);
    ok(jspan_path_next(&it, &comp, &n) == 1 && n == 1 && it.more &&
           jspan_path_next(&it, &comp, &n) == 1 && n == 1 && comp == text + 2 && !it.more,
       "components: n bounds the path (\"a.b\" of \"a.b.c\")");
}

/* One step from json (typed by its first byte), as path_text reports it. */
static const char *step_text(struct buf *b, const char *json, const char *comp)
{
    size_t n = strlen(json), cn = strlen(comp);
    char *p = heap_copy(json, n), *cp = heap_copy(comp, cn);
    enum jtype type = p[0] == '{' ? J_OBJECT : p[0] == '[' ? J_ARRAY : J_NUMBER;
    struct jspan cur = {p, n, type}, v;
    int r = jspan_step(&cur, cp, cn, &v);
    buf_reset(b);
    if (r == 1)
        buf_append(b, v.p, v.n);
    else
        buf_puts(b, r == 0 ? "(absent)" : "(malformed)");
    free(p);
    free(cp);
    return b->data;
}

static void test_step(struct buf *b)
{
    is_str(step_text(b, "{\"a\":1,\"a.b\":2}", "a"), "1", "step: member");
    is_str(step_text(b, "{\"a\":1,\"a.b\":2}", "a.b"), "2", "step: a dotted name is one key");
    is_str(step_text(b, "{\"a\":1,\"a\":3}", "a"), "3", "step: last duplicate");
    is_str(step_text(b, "{\"0\":\"z\"}", "0"), "\"z\"", "step: digits on an object name a key");
    is_str(step_text(b, "{\"\":5}", ""), "5", "step: an empty name is a key like any other");
    is_str(step_text(b, "[7,[8]]", "1"), "[8]", "step: index");
    is_str(step_text(b, "[7]", "1"), "(absent)", "step: index out of range");
    is_str(step_text(b, "[7]", "a"), "(absent)", "step: name on an array");
    is_str(step_text(b, "[7]", "0.0"), "(absent)", "step: a dotted index is not an index");
    is_str(step_text(b, "[7]", ""), "(absent)", "step: an empty index is not an index");
    is_str(step_text(b, "5", "a"), "(absent)", "step: on a number");
    is_str(step_text(b, "{\"a\":}", "a"), "(malformed)", "step: malformed object");
    is_str(step_text(b, "[1 2]", "1"), "(malformed)", "step: malformed array");
}

/* jspan_walk over json as "r=R value=V rest=REST". */
static const char *walk_text(struct buf *b, const char *json, const char *path,
                             enum jspan_walk_mode mode)
{
    size_t n = strlen(json), pn = strlen(path);
    char *p = heap_copy(json, n), *pp = heap_copy(path, pn);
    struct jspan root = {p, n, J_OBJECT};
    struct jspan_reach reach;
    int r = jspan_walk(&root, pp, pn, mode, &reach);
    buf_reset(b);
    if (r < 0)
        buf_puts(b, "(malformed)");
    else if (reach.rest + reach.rest_n != pp + pn || (r == 1 && reach.rest_n != 0))
        buf_puts(b, "(rest wrong)");
    else
        buf_printf(b, "r=%d value=%.*s rest=%.*s", r, (int)reach.value.n, reach.value.p,
                   (int)reach.rest_n, reach.rest);
    free(p);
    free(pp);
    return b->data;
}

#define WALK_DOC "{\"a\":{\"b\":{\"c\":1}},\"l\":[{\"x\":2}],\"n\":null,\"e\":{},\"\":{\"k\":3}}"

static void test_walk(struct buf *b)
{
    const char *doc = WALK_DOC;
    enum jspan_walk_mode ix = JSPAN_WALK_INDEX, obj = JSPAN_WALK_OBJECTS;
    is_str(walk_text(b, doc, "a.b.c", ix), "r=1 value=1 rest=", "walk: the whole path");
    is_str(walk_text(b, doc, "a.b", obj), "r=1 value={\"c\":1} rest=", "walk: objects, whole");
    is_str(walk_text(b, doc, "a.b.z.w", obj), "r=0 value={\"c\":1} rest=z.w",
           "walk: stops at the object missing the member, rest from there");
    is_str(walk_text(b, doc, "q.r", obj), "r=0 value=" WALK_DOC " rest=q.r",
           "walk: the root when the first component is missing");
    is_str(walk_text(b, doc, "a.b.c.d", obj), "r=0 value=1 rest=d",
           "walk: stops at a number (blocked)");
    is_str(walk_text(b, doc, "n.x", obj), "r=0 value=null rest=x", "walk: stops at null");
    is_str(walk_text(b, doc, "l.0.x", ix), "r=1 value=2 rest=", "walk: index mode enters arrays");
    is_str(walk_text(b, doc, "l.0.x", obj), "r=0 value=[{\"x\":2}] rest=0.x",
           "walk: objects mode stops at an array");
    is_str(walk_text(b, doc, "e.k", obj), "r=0 value={} rest=k", "walk: into an empty object");
    is_str(walk_text(b, doc, "a..b", ix), "r=0 value={\"b\":{\"c\":1}} rest=.b",
           "walk: an empty component is never found");
    is_str(walk_text(b, doc, ".k", obj), "r=0 value=" WALK_DOC " rest=.k",
           "walk: not even an empty key");
    is_str(walk_text(b, doc, "", ix),
           "r=0 value=" WALK_DOC " rest=", "walk: an empty path is not found");
    is_str(walk_text(b, doc, "a.", obj),
           "r=0 value={\"b\":{\"c\":1}} rest=", "walk: a trailing dot is not found");
    is_str(walk_text(b, "{\"a\":1,\"b\":}", "a", obj), "(malformed)", "walk: malformed");
    is_str(walk_text(b, "{\"a\":{\"b\":1,}}", "a.c", obj), "(malformed)",
           "walk: malformed below the root");
}

static void test_utf8_valid(void)
{
    static const struct {
        const char *s;
        int valid;
    } cases[] = {
        {"", 1},
        {"plain ASCII", 1},
        {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 1},
        {"\xf4\x8f\xbf\xbf", 1},
        {"a\xff", 0},
        {"\xc0\x80", 0},
        {"\xed\xa0\x80", 0},
        {"\xf4\x90\x80\x80", 0},
        {"ok\xe2\x82", 0},
        {"\x80", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t n = strlen(cases[i].s);
        char *p = heap_copy(cases[i].s, n);
        ok(jspan_utf8_valid(p, n) == cases[i].valid, "utf8_valid: case %zu is %s", i,
           cases[i].valid ? "valid" : "invalid");
        free(p);
    }
}

/* The decoded string, or "(malformed)" if decode failed and left out as it was. */
static const char *decode_text(struct buf *b, const char *json)
{
    size_t n = strlen(json);
    char *p = heap_copy(json, n);
    struct jspan s = {p, n, J_STRING};
    buf_reset(b);
    buf_puts(b, "<");
    int r = jspan_string_decode(&s, b);
    if (r < 0)
        buf_puts(b, b->len == 1 ? "(malformed)" : "(out changed)");
    free(p);
    return b->data + 1;
}

static void test_decode(struct buf *b)
{
    is_str(decode_text(b, "\"plain\""), "plain", "decode: no escapes");
    is_str(decode_text(b, "\"\""), "", "decode: empty string");
    is_str(decode_text(b, "\"q\\\"b\\\\s\\/b\\bf\\fn\\nr\\rt\\t.\""), "q\"b\\s/b\bf\fn\nr\rt\t.",
           "decode: simple escapes");
    is_str(decode_text(b, "\"\\u00e9\\u20AC\""), "\xc3\xa9\xe2\x82\xac", "decode: 2 and 3 bytes");
    is_str(decode_text(b, "\"\\ud83d\\ude00!\""), "\xf0\x9f\x98\x80!", "decode: surrogate pair");
    is_str(decode_text(b, "\"\\uD83D\\uDE00\""), "\xf0\x9f\x98\x80", "decode: uppercase hex");
    is_str(decode_text(b, "\"\\ud83d\""), "\xef\xbf\xbd", "decode: lone high surrogate at end");
    is_str(decode_text(b, "\"\\ud83dZ\""), "\xef\xbf\xbdZ", "decode: high surrogate then char");
    is_str(decode_text(b, "\"\\ud83d\\u005a\""), "\xef\xbf\xbdZ",
           "decode: high surrogate then non-surrogate escape");
    is_str(decode_text(b, "\"\\ude00x\""), "\xef\xbf\xbdx", "decode: lone low surrogate");
    is_str(decode_text(b, "\"\\x\""), "(malformed)", "decode: unknown escape");
    is_str(decode_text(b, "\"\\u12G4\""), "(malformed)", "decode: bad hex digit");
    is_str(decode_text(b, "\"\\u12\""), "(malformed)", "decode: short \\u escape");
    is_str(decode_text(b, "\"ab\\\""), "(malformed)", "decode: backslash before closing quote");
    is_str(decode_text(b, "\"ab"), "(malformed)", "decode: no closing quote");

    struct jspan nul = {"\"a\\u0000b\"", 10, J_STRING};
    buf_reset(b);
    ok(jspan_string_decode(&nul, b) == 0 && b->len == 3 && memcmp(b->data, "a\0b", 3) == 0,
       "decode: \\u0000 is one NUL byte");
    struct jspan num = {"1", 1, J_NUMBER};
    ok(jspan_string_decode(&num, b) == -1, "decode: a number is not a string");
}

static const char *minify_text(struct buf *b, const char *json)
{
    size_t n = strlen(json);
    char *p = heap_copy(json, n);
    buf_reset(b);
    buf_puts(b, "<");
    if (jspan_minify(p, n, b) < 0)
        buf_puts(b, b->len == 1 ? "(malformed)" : "(out changed)");
    free(p);
    return b->data + 1;
}

static void test_minify(struct buf *b)
{
    is_str(
        minify_text(b, "{ \"a\" : 1.000 ,\n\t\"b\" : [ 12345678901234567890123 , \"x  y\" ] }\r\n"),
        "{\"a\":1.000,\"b\":[12345678901234567890123,\"x  y\"]}",
        "minify: numbers exact, whitespace gone, string spaces kept");
    is_str(minify_text(b, "[ \"a \\\" b \" , \"\\\\\" , \" \\u00e9 \" ]"),
           "[\"a \\\" b \",\"\\\\\",\" \\u00e9 \"]", "minify: escapes untouched");
    is_str(minify_text(b, "  true  "), "true", "minify: scalar");
    is_str(minify_text(b, ""), "", "minify: empty");
    is_str(minify_text(b, "{\"a\": \"b  "), "(malformed)", "minify: unterminated string");
}

static const char *quote_text(struct buf *b, const char *s, size_t n)
{
    char *p = heap_copy(s, n);
    buf_reset(b);
    if (jspan_quote(p, n, b) < 0)
        buf_puts(b, "(failed)");
    free(p);
    return b->data;
}

#define QUOTE(b, lit) quote_text(b, lit, sizeof lit - 1)

static void test_quote(struct buf *b)
{
    is_str(QUOTE(b, "plain"), "\"plain\"", "quote: plain text");
    is_str(QUOTE(b, ""), "\"\"", "quote: empty");
    is_str(QUOTE(b, "a\"b\\c/d"), "\"a\\\"b\\\\c/d\"", "quote: quote and backslash");
    is_str(QUOTE(b, "\b\f\n\r\t\x01\x1f"), "\"\\b\\f\\n\\r\\t\\u0001\\u001f\"",
           "quote: control characters");
    is_str(QUOTE(b, "a\0b"), "\"a\\u0000b\"", "quote: NUL byte");
    is_str(QUOTE(b, "\x7f"), "\"\x7f\"", "quote: DEL passes");
    is_str(QUOTE(b, "\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x82\xac"),
           "\"\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x82\xac\"", "quote: valid UTF-8 passes raw");
    is_str(QUOTE(b, "a\xffz"), "\"a\\ufffdz\"", "quote: 0xff replaced");
    is_str(QUOTE(b, "\xc0\x80"), "\"\\ufffd\\ufffd\"", "quote: overlong C0 80, per byte");
    is_str(QUOTE(b, "\xe0\x80\xaf"), "\"\\ufffd\\ufffd\\ufffd\"", "quote: overlong E0 80 AF");
    is_str(QUOTE(b, "\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"", "quote: UTF-8 surrogate");
    is_str(QUOTE(b, "\xf4\x90\x80\x80"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"",
           "quote: past U+10FFFF");
    is_str(QUOTE(b, "\xf4\x8f\xbf\xbf"), "\"\xf4\x8f\xbf\xbf\"", "quote: U+10FFFF passes");
    is_str(QUOTE(b, "\xf5\x80"), "\"\\ufffd\\ufffd\"", "quote: F5 lead byte");
    is_str(QUOTE(b, "\x80z"), "\"\\ufffdz\"", "quote: stray continuation byte");
    is_str(QUOTE(b, "a\xe2\x82"), "\"a\\ufffd\\ufffd\"", "quote: truncated sequence at end");
    is_str(QUOTE(b, "\xe2\x82z"), "\"\\ufffd\\ufffdz\"", "quote: sequence cut by ASCII");

    struct buf small;
    buf_init(&small, 5);
    ok(jspan_quote("abcdef", 6, &small) == -1 && small.len == 0, "quote: over cap leaves out");
    buf_free(&small);
}

/* Every strict prefix of a container must fail without reading past it; the
 * other functions must stay in bounds too (ASan checks the reads). */
static void test_truncation(struct buf *b)
{
    const char *docs[] = {
        "{\"a\":[1,{\"b\":\"x\\\"y\\\\\"}],\"c\":\"\\u00e9\\ud83d\\ude00\",\"d\":-1.5e3,\"e\":"
        "true}",
        "[null,false,\"\\\\\",{\"\":[]}]",
    };
    for (size_t d = 0; d < sizeof docs / sizeof *docs; d++) {
        size_t len = strlen(docs[d]);
        int all_fail = 1;
        for (size_t k = 0; k < len; k++) {
            char *p = heap_copy(docs[d], k);
            struct jspan v, span = {p, k, d == 0 ? J_OBJECT : J_ARRAY}, s = {p, k, J_STRING};
            all_fail &= jspan_value(p, p + k, &v) == -1;
            jspan_path(&span, "a.1.b", 5, &v);
            jspan_path(&span, "3.x", 3, &v);
            jspan_member(&span, "c", 1, NULL, &v);
            buf_reset(b);
            jspan_minify(p, k, b);
            jspan_string_decode(&s, b);
            jspan_key_equals(&s, "zz", 2);
            free(p);
        }
        ok(all_fail, "truncation: every strict prefix of doc %zu fails", d);
    }

    /* Cut a string's text anywhere and close it: escapes cut short must fail
     * without reading past the closing quote. */
    const char *str = "\"a\\u00e9\\ud83d\\ude00\\\\\\\"z\\n";
    size_t len = strlen(str), failed = 0;
    for (size_t k = 1; k <= len; k++) {
        char *p = heap_copy(str, k + 1);
        p[k] = '"';
        struct jspan s = {p, k + 1, J_STRING};
        buf_reset(b);
        failed += jspan_string_decode(&s, b) < 0;
        jspan_key_equals(&s, "a\xc3\xa9", 3);
        free(p);
    }
    ok(failed > 0, "truncation: cut escapes fail (%zu of %zu cuts)", failed, len);
}

int main(void)
{
    struct buf b;
    buf_init(&b, 1 << 20);
    test_values();
    test_iteration();
    test_members(&b);
    test_paths(&b);
    test_path_components(&b);
    test_step(&b);
    test_walk(&b);
    test_utf8_valid();
    test_decode(&b);
    test_minify(&b);
    test_quote(&b);
    test_truncation(&b);
    buf_free(&b);
    return tap_done();
}
