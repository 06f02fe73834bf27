/* Unit tests for lib/tmpl.c: the RFC 6570 examples (sections 1.2 and 3.2),
 * our JSON-path rules, syntax errors, and raw header substitution. */
#include "tmpl.h"

#include <stdio.h>
#include <string.h>

#include "tap.h"

/* The RFC's variable set (section 3.2), in this document order. */
static const char rfc_vars[] =
    "{\"count\":[\"one\",\"two\",\"three\"],\"dom\":[\"example\",\"com\"],\"dub\":\"me/too\","
    "\"hello\":\"Hello World!\",\"half\":\"50%\",\"var\":\"value\",\"who\":\"fred\","
    "\"base\":\"http://example.com/home/\",\"path\":\"/foo/bar\","
    "\"list\":[\"red\",\"green\",\"blue\"],"
    "\"keys\":{\"semi\":\";\",\"dot\":\".\",\"comma\":\",\"},"
    "\"v\":\"6\",\"x\":\"1024\",\"y\":\"768\",\"empty\":\"\",\"empty_keys\":{},\"undef\":null}";

struct example {
    const char *tpl;
    const char *want;
};

/* Expand tpl against rec; returns the status (-1 if tpl does not parse) and
 * leaves the text in out. */
static int run(enum tmpl_mode mode, const char *tpl, const char *rec, int allow, struct buf *out,
               struct tmpl_error *err)
{
    struct tmpl *t = tmpl_parse(tpl, mode, err);
    if (!t) {
        printf("# parse of '%s' failed: %s at %zu\n", tpl, err->msg, err->pos);
        return -1;
    }
    size_t entry = out->len;
    int st = tmpl_expand(t, rec, strlen(rec), allow, out, err);
    /* Every expansion again with the record's members walked: the
     * shortcuts must give the same text, status and message. */
    struct buf walked;
    struct tmpl_error werr = {0};
    buf_init(&walked, out->max);
    tmpl_walk_only(t, 1);
    int wst = tmpl_expand(t, rec, strlen(rec), allow, &walked, &werr);
    tmpl_free(t);
    int same = wst == st && walked.len == out->len - entry &&
               (walked.len == 0 || memcmp(walked.data, out->data + entry, walked.len) == 0) &&
               (st == TMPL_OK || strcmp(werr.msg, err->msg) == 0);
    ok(same, "  %s: walking the record agrees", tpl);
    buf_free(&walked);
    return st;
}

static void check_mode(enum tmpl_mode mode, const char *tpl, const char *rec, int allow,
                       const char *want)
{
    struct buf out;
    struct tmpl_error err = {0};
    char name[300];
    buf_init(&out, 1 << 20);
    int st = run(mode, tpl, rec, allow, &out, &err);
    snprintf(name, sizeof name, "%s%s -> %s", mode == TMPL_RAW ? "raw " : "", tpl, want);
    if (st != TMPL_OK) {
        ok(0, "%s (status %d: %s)", name, (int)st, err.msg);
    } else {
        is_str(out.data ? out.data : "", want, name);
    }
    buf_free(&out);
}

static void check(const char *tpl, const char *rec, int allow, const char *want)
{
    check_mode(TMPL_URI, tpl, rec, allow, want);
}

static void check_table(const char *section, const struct example *ex, size_t n)
{
    printf("# RFC 6570 %s\n", section);
    for (size_t i = 0; i < n; i++)
        check(ex[i].tpl, rfc_vars, 1, ex[i].want);
}

#define CHECK_TABLE(section, ex) check_table(section, ex, sizeof ex / sizeof ex[0])

/* Expansion fails with the given status and exact message. */
static void check_fail(enum tmpl_mode mode, const char *tpl, const char *rec, int allow,
                       enum tmpl_status want, const char *want_msg)
{
    struct buf out;
    struct tmpl_error err = {0};
    buf_init(&out, 1 << 20);
    int st = run(mode, tpl, rec, allow, &out, &err);
    ok(st == (int)want, "%s fails with status %d (got %d)", tpl, (int)want, (int)st);
    is_str(err.msg, want_msg, "  message");
    buf_free(&out);
}

/* tmpl_parse rejects tpl, pointing at byte pos, with a message containing msg_part. */
static void check_syntax(enum tmpl_mode mode, const char *tpl, size_t pos, const char *msg_part)
{
    struct tmpl_error err = {0};
    struct tmpl *t = tmpl_parse(tpl, mode, &err);
    ok(t == NULL, "%s'%s' is a syntax error", mode == TMPL_RAW ? "raw " : "", tpl);
    ok(err.pos == pos && strstr(err.msg, msg_part), "  at %zu (%zu), '%s' (%s)", pos, err.pos,
       msg_part, err.msg);
    tmpl_free(t);
}

static void test_rfc_levels(void)
{
    static const struct example level1[] = {
        {"{var}", "value"},
        {"{hello}", "Hello%20World%21"},
    };
    static const struct example level2[] = {
        {"{+var}", "value"},
        {"{+hello}", "Hello%20World!"},
        {"{+path}/here", "/foo/bar/here"},
        {"here?ref={+path}", "here?ref=/foo/bar"},
        {"X{#var}", "X#value"},
        {"X{#hello}", "X#Hello%20World!"},
    };
    static const struct example level3[] = {
        {"map?{x,y}", "map?1024,768"},
        {"{x,hello,y}", "1024,Hello%20World%21,768"},
        {"{+x,hello,y}", "1024,Hello%20World!,768"},
        {"{+path,x}/here", "/foo/bar,1024/here"},
        {"{#x,hello,y}", "#1024,Hello%20World!,768"},
        {"{#path,x}/here", "#/foo/bar,1024/here"},
        {"X{.var}", "X.value"},
        {"X{.x,y}", "X.1024.768"},
        {"{/var}", "/value"},
        {"{/var,x}/here", "/value/1024/here"},
        {"{;x,y}", ";x=1024;y=768"},
        {"{;x,y,empty}", ";x=1024;y=768;empty"},
        {"{?x,y}", "?x=1024&y=768"},
        {"{?x,y,empty}", "?x=1024&y=768&empty="},
        {"?fixed=yes{&x}", "?fixed=yes&x=1024"},
        {"{&x,y,empty}", "&x=1024&y=768&empty="},
    };
    static const struct example level4[] = {
        {"{var:3}", "val"},
        {"{var:30}", "value"},
        {"{list}", "red,green,blue"},
        {"{list*}", "red,green,blue"},
        {"{keys}", "semi,%3B,dot,.,comma,%2C"},
        {"{keys*}", "semi=%3B,dot=.,comma=%2C"},
        {"{+path:6}/here", "/foo/b/here"},
        {"{+list}", "red,green,blue"},
        {"{+list*}", "red,green,blue"},
        {"{+keys}", "semi,;,dot,.,comma,,"},
        {"{+keys*}", "semi=;,dot=.,comma=,"},
        {"{#path:6}/here", "#/foo/b/here"},
        {"{#list}", "#red,green,blue"},
        {"{#list*}", "#red,green,blue"},
        {"{#keys}", "#semi,;,dot,.,comma,,"},
        {"{#keys*}", "#semi=;,dot=.,comma=,"},
        {"X{.var:3}", "X.val"},
        {"X{.list}", "X.red,green,blue"},
        {"X{.list*}", "X.red.green.blue"},
        {"X{.keys}", "X.semi,%3B,dot,.,comma,%2C"},
        {"X{.keys*}", "X.semi=%3B.dot=..comma=%2C"},
        {"{/var:1,var}", "/v/value"},
        {"{/list}", "/red,green,blue"},
        {"{/list*}", "/red/green/blue"},
        {"{/list*,path:4}", "/red/green/blue/%2Ffoo"},
        {"{/keys}", "/semi,%3B,dot,.,comma,%2C"},
        {"{/keys*}", "/semi=%3B/dot=./comma=%2C"},
        {"{;hello:5}", ";hello=Hello"},
        {"{;list}", ";list=red,green,blue"},
        {"{;list*}", ";list=red;list=green;list=blue"},
        {"{;keys}", ";keys=semi,%3B,dot,.,comma,%2C"},
        {"{;keys*}", ";semi=%3B;dot=.;comma=%2C"},
        {"{?var:3}", "?var=val"},
        {"{?list}", "?list=red,green,blue"},
        {"{?list*}", "?list=red&list=green&list=blue"},
        {"{?keys}", "?keys=semi,%3B,dot,.,comma,%2C"},
        {"{?keys*}", "?semi=%3B&dot=.&comma=%2C"},
        {"{&var:3}", "&var=val"},
        {"{&list}", "&list=red,green,blue"},
        {"{&list*}", "&list=red&list=green&list=blue"},
        {"{&keys}", "&keys=semi,%3B,dot,.,comma,%2C"},
        {"{&keys*}", "&semi=%3B&dot=.&comma=%2C"},
    };
    CHECK_TABLE("1.2 level 1", level1);
    CHECK_TABLE("1.2 level 2", level2);
    CHECK_TABLE("1.2 level 3", level3);
    CHECK_TABLE("1.2 level 4", level4);
}

static void test_rfc_simple_reserved_fragment(void)
{
    static const struct example s321[] = {
        {"{count}", "one,two,three"},
        {"{count*}", "one,two,three"},
        {"{/count}", "/one,two,three"},
        {"{/count*}", "/one/two/three"},
        {"{;count}", ";count=one,two,three"},
        {"{;count*}", ";count=one;count=two;count=three"},
        {"{?count}", "?count=one,two,three"},
        {"{?count*}", "?count=one&count=two&count=three"},
        {"{&count*}", "&count=one&count=two&count=three"},
    };
    static const struct example s322[] = {
        {"{var}", "value"},
        {"{hello}", "Hello%20World%21"},
        {"{half}", "50%25"},
        {"O{empty}X", "OX"},
        {"O{undef}X", "OX"},
        {"{x,y}", "1024,768"},
        {"{x,hello,y}", "1024,Hello%20World%21,768"},
        {"?{x,empty}", "?1024,"},
        {"?{x,undef}", "?1024"},
        {"?{undef,y}", "?768"},
        {"{var:3}", "val"},
        {"{var:30}", "value"},
        {"{list}", "red,green,blue"},
        {"{list*}", "red,green,blue"},
        {"{keys}", "semi,%3B,dot,.,comma,%2C"},
        {"{keys*}", "semi=%3B,dot=.,comma=%2C"},
    };
    static const struct example s323[] = {
        {"{+var}", "value"},
        {"{+hello}", "Hello%20World!"},
        {"{+half}", "50%25"},
        {"{base}index", "http%3A%2F%2Fexample.com%2Fhome%2Findex"},
        {"{+base}index", "http://example.com/home/index"},
        {"O{+empty}X", "OX"},
        {"O{+undef}X", "OX"},
        {"{+path}/here", "/foo/bar/here"},
        {"here?ref={+path}", "here?ref=/foo/bar"},
        {"up{+path}{var}/here", "up/foo/barvalue/here"},
        {"{+x,hello,y}", "1024,Hello%20World!,768"},
        {"{+path,x}/here", "/foo/bar,1024/here"},
        {"{+path:6}/here", "/foo/b/here"},
        {"{+list}", "red,green,blue"},
        {"{+list*}", "red,green,blue"},
        {"{+keys}", "semi,;,dot,.,comma,,"},
        {"{+keys*}", "semi=;,dot=.,comma=,"},
    };
    static const struct example s324[] = {
        {"{#var}", "#value"},
        {"{#hello}", "#Hello%20World!"},
        {"{#half}", "#50%25"},
        {"foo{#empty}", "foo#"},
        {"foo{#undef}", "foo"},
        {"{#x,hello,y}", "#1024,Hello%20World!,768"},
        {"{#path,x}/here", "#/foo/bar,1024/here"},
        {"{#path:6}/here", "#/foo/b/here"},
        {"{#list}", "#red,green,blue"},
        {"{#list*}", "#red,green,blue"},
        {"{#keys}", "#semi,;,dot,.,comma,,"},
        {"{#keys*}", "#semi=;,dot=.,comma=,"},
    };
    CHECK_TABLE("3.2.1 variable expansion", s321);
    CHECK_TABLE("3.2.2 simple string expansion", s322);
    CHECK_TABLE("3.2.3 reserved expansion", s323);
    CHECK_TABLE("3.2.4 fragment expansion", s324);
}

static void test_rfc_label_path(void)
{
    static const struct example s325[] = {
        {"{.who}", ".fred"},
        {"{.who,who}", ".fred.fred"},
        {"{.half,who}", ".50%25.fred"},
        {"www{.dom*}", "www.example.com"},
        {"X{.var}", "X.value"},
        {"X{.empty}", "X."},
        {"X{.undef}", "X"},
        {"X{.var:3}", "X.val"},
        {"X{.list}", "X.red,green,blue"},
        {"X{.list*}", "X.red.green.blue"},
        {"X{.keys}", "X.semi,%3B,dot,.,comma,%2C"},
        {"X{.keys*}", "X.semi=%3B.dot=..comma=%2C"},
        {"X{.empty_keys}", "X"},
        {"X{.empty_keys*}", "X"},
    };
    static const struct example s326[] = {
        {"{/who}", "/fred"},
        {"{/who,who}", "/fred/fred"},
        {"{/half,who}", "/50%25/fred"},
        {"{/who,dub}", "/fred/me%2Ftoo"},
        {"{/var}", "/value"},
        {"{/var,empty}", "/value/"},
        {"{/var,undef}", "/value"},
        {"{/var,x}/here", "/value/1024/here"},
        {"{/var:1,var}", "/v/value"},
        {"{/list}", "/red,green,blue"},
        {"{/list*}", "/red/green/blue"},
        {"{/list*,path:4}", "/red/green/blue/%2Ffoo"},
        {"{/keys}", "/semi,%3B,dot,.,comma,%2C"},
        {"{/keys*}", "/semi=%3B/dot=./comma=%2C"},
    };
    CHECK_TABLE("3.2.5 label expansion", s325);
    CHECK_TABLE("3.2.6 path segment expansion", s326);
}

static void test_rfc_params_query(void)
{
    static const struct example s327[] = {
        {"{;who}", ";who=fred"},
        {"{;half}", ";half=50%25"},
        {"{;empty}", ";empty"},
        {"{;v,empty,who}", ";v=6;empty;who=fred"},
        {"{;v,bar,who}", ";v=6;who=fred"},
        {"{;x,y}", ";x=1024;y=768"},
        {"{;x,y,empty}", ";x=1024;y=768;empty"},
        {"{;x,y,undef}", ";x=1024;y=768"},
        {"{;hello:5}", ";hello=Hello"},
        {"{;list}", ";list=red,green,blue"},
        {"{;list*}", ";list=red;list=green;list=blue"},
        {"{;keys}", ";keys=semi,%3B,dot,.,comma,%2C"},
        {"{;keys*}", ";semi=%3B;dot=.;comma=%2C"},
    };
    static const struct example s328[] = {
        {"{?who}", "?who=fred"},
        {"{?half}", "?half=50%25"},
        {"{?x,y}", "?x=1024&y=768"},
        {"{?x,y,empty}", "?x=1024&y=768&empty="},
        {"{?x,y,undef}", "?x=1024&y=768"},
        {"{?var:3}", "?var=val"},
        {"{?list}", "?list=red,green,blue"},
        {"{?list*}", "?list=red&list=green&list=blue"},
        {"{?keys}", "?keys=semi,%3B,dot,.,comma,%2C"},
        {"{?keys*}", "?semi=%3B&dot=.&comma=%2C"},
    };
    static const struct example s329[] = {
        {"{&who}", "&who=fred"},
        {"{&half}", "&half=50%25"},
        {"?fixed=yes{&x}", "?fixed=yes&x=1024"},
        {"{&x,y,empty}", "&x=1024&y=768&empty="},
        {"{&x,y,undef}", "&x=1024&y=768"},
        {"{&var:3}", "&var=val"},
        {"{&list}", "&list=red,green,blue"},
        {"{&list*}", "&list=red&list=green&list=blue"},
        {"{&keys}", "&keys=semi,%3B,dot,.,comma,%2C"},
        {"{&keys*}", "&semi=%3B&dot=.&comma=%2C"},
    };
    CHECK_TABLE("3.2.7 path-style parameter expansion", s327);
    CHECK_TABLE("3.2.8 form-style query expansion", s328);
    CHECK_TABLE("3.2.9 form-style query continuation", s329);
}

static void test_paths_and_values(void)
{
    const char *rec = "{\"user\":{\"id\":42,\"name\":\"Zoë\"},\"items\":[{\"sku\":\"A-1\"},"
                      "{\"sku\":\"B 2\"}],\"price\":1.000,\"big\":12345678901234567890123,"
                      "\"neg\":-1.5e+3,\"yes\":true,\"no\":false,\"esc\":\"a\\\"b\\u00e9\\n\","
                      "\"user-id\":\"u7\",\"k%2Dx\":\"as-written\",\"k-x\":\"decoded\","
                      "\"a.b\":\"dotted key\",\"dup\":1,\"dup\":2,"
                      "\"mixed\":[1,null,\"s\",[1, 2],{\"k\": null},true],"
                      "\"obj\":{\"n\":null,\"a\":[1,2],\"e\":\"\"},\"nulls\":[null],"
                      "\"nullobj\":{\"a\":null}}";
    printf("# dotted paths and value types\n");
    check("/users/{user.id}", rec, 0, "/users/42");
    check("/items/{items.0.sku}/{items.1.sku}", rec, 0, "/items/A-1/B%202");
    check("{user.name}", rec, 0, "Zo%C3%AB");
    check("{?user.id}", rec, 0, "?user.id=42");
    check("{price}/{big}", rec, 0, "1.000/12345678901234567890123");
    check("{neg}/{+neg}", rec, 0, "-1.5e%2B3/-1.5e+3");
    check("{yes},{no}", rec, 0, "true,false");
    check("{?yes,no}", rec, 0, "?yes=true&no=false");
    check("{esc}", rec, 0, "a%22b%C3%A9%0A");
    check("{dup}", rec, 0, "2");
    check("{mixed}", rec, 0, "1,s,%5B1%2C2%5D,%7B%22k%22%3Anull%7D,true");
    check("{+mixed*}", rec, 0, "1,s,[1,2],%7B%22k%22:null%7D,true");
    check("{?obj*}", rec, 0, "?a=%5B1%2C2%5D&e=");
    check("{;obj*}", rec, 0, ";a=%5B1%2C2%5D;e");
    check("{obj}", rec, 0, "a,%5B1%2C2%5D,e,");
    check("{user}", rec, 0, "id,42,name,Zo%C3%AB");
    printf("# percent-encoded names: as written first, then decoded\n");
    check("{user%2Did}", rec, 0, "u7");
    check("{k%2Dx}", rec, 0, "as-written");
    check("{a%2Eb}", rec, 0, "dotted%20key");
    check("{?user%2Did}", rec, 0, "?user%2Did=u7");
    const char *nested = "{\"a-b\":[{\"c\":\"x\"}],\"a\":{\"b\":\"path\"},\"k\":{\"a.b\":\"key\"}}";
    check("{a%2Db.0.c}", nested, 0, "x");
    check("{k.a%2Eb}", nested, 0, "key");
    check_fail(TMPL_URI, "{a%2Eb}", nested, 0, TMPL_MISSING, "missing field 'a%2Eb'");
    check_fail(TMPL_URI, "{a%2Db.c}", nested, 0, TMPL_MISSING, "missing field 'a%2Db.c'");
    printf("# undefined values\n");
    check_fail(TMPL_URI, "/u/{user.email}", rec, 0, TMPL_MISSING, "missing field 'user.email'");
    check_fail(TMPL_URI, "{nulls}", rec, 0, TMPL_MISSING, "missing field 'nulls'");
    check_fail(TMPL_URI, "{?nullobj}", rec, 0, TMPL_MISSING, "missing field 'nullobj'");
    check_fail(TMPL_URI, "{user.id}{obj.n}", rec, 0, TMPL_MISSING, "missing field 'obj.n'");
    check_fail(TMPL_URI, "{items.5.sku}", rec, 0, TMPL_MISSING, "missing field 'items.5.sku'");
    check_fail(TMPL_URI, "{x%2Dy}", rec, 0, TMPL_MISSING, "missing field 'x%2Dy'");
    check("{?obj.e}", rec, 0, "?obj.e=");
    check("a{obj.e}b", rec, 0, "ab");
    check("{?user.id,user.email,nulls,yes}", rec, 1, "?user.id=42&yes=true");
    check("x{/nulls*}{;nullobj}y", rec, 1, "xy");
}

static void test_rfc_missing_strict(void)
{
    printf("# the RFC's undefined variables fail without allow_missing\n");
    check_fail(TMPL_URI, "O{undef}X", rfc_vars, 0, TMPL_MISSING, "missing field 'undef'");
    check_fail(TMPL_URI, "X{.empty_keys}", rfc_vars, 0, TMPL_MISSING, "missing field 'empty_keys'");
    check_fail(TMPL_URI, "{;v,bar,who}", rfc_vars, 0, TMPL_MISSING, "missing field 'bar'");
    check_fail(TMPL_URI, "{x}", "{\"x\":[]}", 0, TMPL_MISSING, "missing field 'x'");
    check("{?empty}", rfc_vars, 0, "?empty=");
}

static void test_prefix(void)
{
    const char *rec = "{\"s\":\"\\u00e9a\\u2026\\ud83d\\ude00z\",\"raw\":\"éa…😀z\","
                      "\"list\":[\"a\"],\"obj\":{\"a\":\"b\"},\"n\":12345}";
    printf("# prefixes count code points\n");
    check("{s:1}", rec, 0, "%C3%A9");
    check("{s:2}", rec, 0, "%C3%A9a");
    check("{raw:2}", rec, 0, "%C3%A9a");
    check("{raw:3}", rec, 0, "%C3%A9a%E2%80%A6");
    check("{raw:4}", rec, 0, "%C3%A9a%E2%80%A6%F0%9F%98%80");
    check("{raw:9999}", rec, 0, "%C3%A9a%E2%80%A6%F0%9F%98%80z");
    check("{n:3}", rec, 0, "123");
    printf("# prefixes of bytes that are not UTF-8: each undecodable byte is a character,\n"
           "# and stray continuation bytes stay with the character before them\n");
    const char *bad = "{\"bad\":\"\xff\x80\x80"
                      "a\",\"mix\":\"\xc3\xa9\x80"
                      "b\",\"cut\":\"\xe2\x82"
                      "c\"}";
    check("{bad:1}", bad, 0, "%FF%80%80");
    check("{bad:2}", bad, 0, "%FF%80%80a");
    check("{mix:1}", bad, 0, "%C3%A9%80");
    check("{mix:2}", bad, 0, "%C3%A9%80b");
    check("{cut:1}", bad, 0, "%E2%82");
    check("{cut:2}", bad, 0, "%E2%82c");
    check_fail(TMPL_URI, "{list:1}", rec, 0, TMPL_BAD_VALUE,
               "prefix modifier on 'list', whose value is a list");
    check_fail(TMPL_URI, "{?obj:2}", rec, 1, TMPL_BAD_VALUE,
               "prefix modifier on 'obj', whose value is an object");
}

/* A record without a backslash has its top-level members found by searching
 * for the quoted name instead of walking them (run() checks each expansion
 * against the walk too): the cases where the search must give way. */
static void test_member_search(void)
{
    printf("# members found by searching the record's text, and where the walk decides\n");
    check("/u/{id}", "{\"id\":123,\"event\":\"click\"}", 0, "/u/123");
    check("/u/{id}", "  { \"id\" : 123 }\n", 0, "/u/123");
    check("{id}", "{\"id\":1,\"x\":2,\"id\":3}", 0, "3");
    check("{id}", "{\"a\":\"id\",\"id\":5}", 0, "5");
    check("{id}", "{\"id\":5,\"a\":\"id\"}", 0, "5");
    check("{id}", "{\"id\":{\"id\":1}}", 0, "id,1");
    check("{id}", "{\"u\":{\"id\":1},\"id\":2}", 0, "2");
    check("{id}", "{\"id\":2,\"u\":{\"id\":1}}", 0, "2");
    check("{id}", "{\"l\":[{\"id\":1}],\"id\":6}", 0, "6");
    check("{id}", "{\"s\":\"{[\",\"id\":8}", 0, "8");
    check("{id}", "{\"vid\":1,\"idx\":2,\"id\":9}", 0, "9");
    check("{id}", "{\"i\\u0064\":7}", 0, "7");
    check("{id}", "{\"s\":\"a\\\"id\\\":1\",\"id\":3}", 0, "3");
    check("{id}", "{\"id\":4,\"i\\u0064\":5}", 0, "5");
    check("{a%20b}", "{\"a%20b\":2,\"a b\":1}", 0, "2");
    check("{a%20b}", "{\"a b\":1}", 0, "1");
    check("{x}{y}", "{\"y\":\"b\",\"x\":\"a\"}", 0, "ab");
    check_mode(TMPL_RAW, "Bearer {tok}", "{\"tok\":\"t 1\",\"u\":{\"tok\":2}}", 0, "Bearer t 1");
    check_fail(TMPL_URI, "{id}", "{\"u\":{\"id\":1}}", 0, TMPL_MISSING, "missing field 'id'");
    check_fail(TMPL_URI, "{id}", "{\"a\":\"id\"}", 0, TMPL_MISSING, "missing field 'id'");
    check_fail(TMPL_URI, "{id}", "{\"s\":\"\\\"id\\\":9\"}", 0, TMPL_MISSING, "missing field 'id'");
    check_fail(TMPL_URI, "{id}", "{\"l\":[{\"id\":1}]}", 0, TMPL_MISSING, "missing field 'id'");
    check_fail(TMPL_URI, "{id}", "{}", 0, TMPL_MISSING, "missing field 'id'");
    check("{?id,no}", "{\"id\":1}", 1, "?id=1");

    struct tmpl_error err = {0};
    struct tmpl *t = tmpl_parse("{id}", TMPL_RAW, &err);
    const char *rec = "{\"id\":1,\"u\":{\"id\":0},\"id\":[2]}";
    struct jspan v = {0};
    ok(t && tmpl_single_value(t, rec, strlen(rec), &v, &err) == 1 && v.n == 3 &&
           memcmp(v.p, "[2]", 3) == 0,
       "a single {path} finds the last top-level member");
    tmpl_free(t);

    printf("# literals are encoded once, when the template is parsed\n");
    check("http://h/\xc3\xa4/{id}/%41%2f'!", "{\"id\":1}", 0, "http://h/%C3%A4/1/%41%2f'!");
    check("\xe2\x82\xac{id}\xe2\x82\xac", "{\"id\":\"\xe2\x82\xac\"}", 0,
          "%E2%82%AC%E2%82%AC%E2%82%AC");
    check("{+id}", "{\"id\":\"/a b%41%zz\"}", 0, "/a%20b%41%25zz");
    check("{id}", "{\"id\":\"a b/c%41\"}", 0, "a%20b%2Fc%2541");
    check("{id}", "{\"id\":\"\"}", 0, "");
}

static void test_encoding(void)
{
    const char *rec = "{\"r\":\"a%2Fb%zz%4\",\"all\":\" !\\\"#$&'()*+,/:;<=>?@[\\\\]^`{|}~\"}";
    printf("# encoding\n");
    check("{r}", rec, 0, "a%252Fb%25zz%254");
    check("{+r}", rec, 0, "a%2Fb%25zz%254");
    check("{all}", rec, 0,
          "%20%21%22%23%24%26%27%28%29%2A%2B%2C%2F%3A%3B%3C%3D%3E%3F%40%5B%5C%5D%5E%60%7B%7C%7D~");
    check("{+all}", rec, 0, "%20!%22#$&'()*+,/:;%3C=%3E?@[%5C]%5E%60%7B%7C%7D~");
    check("caf\xc3\xa9/{r}", rec, 0, "caf%C3%A9/a%252Fb%25zz%254");
    check("a%20b/~x", rec, 0, "a%20b/~x");
    check("\xf3\xa1\x80\x80\xee\x80\x80", rec, 0, "%F3%A1%80%80%EE%80%80"); /* U+E1000 U+E000 */
}

static void test_apostrophe(void)
{
    printf("# ' in literals: the RFC 6570 test suite's examples, an RFC 3986 sub-delim\n");
    check("'{var}'", rfc_vars, 0, "'value'");
    check("'{count}'", rfc_vars, 0, "'one,two,three'");
    check("/o'brien/{var}", rfc_vars, 0, "/o'brien/value");
    check("{?var}&q='a''b'", rfc_vars, 0, "?var=value&q='a''b'");
    check_mode(TMPL_RAW, "'{var}'", rfc_vars, 0, "'value'");
    printf("# ' in a value is still encoded where the operator says so\n");
    check("{q}/{+q}/{#q}", "{\"q\":\"it's\"}", 0, "it%27s/it's/#it's");
}

static void test_empty_members(void)
{
    const char *rec = "{\"l\":[\"a\",\"\"],\"o\":{\"k\":\"\"}}";
    printf("# empty strings inside lists and objects\n");
    check("{l}", rec, 0, "a,");
    check("{;l*}", rec, 0, ";l=a;l");
    check("{?l*}", rec, 0, "?l=a&l=");
    check("{;o*}", rec, 0, ";k");
    check("{?o*}", rec, 0, "?k=");
    check("{o*}", rec, 0, "k=");
}

static void test_syntax_errors(void)
{
    printf("# syntax errors\n");
    check_syntax(TMPL_URI, "/a/{id", 3, "unclosed");
    check_syntax(TMPL_URI, "{", 0, "unclosed");
    check_syntax(TMPL_URI, "{+", 0, "unclosed");
    check_syntax(TMPL_URI, "{a,", 0, "unclosed");
    check_syntax(TMPL_URI, "{a:3", 0, "unclosed");
    check_syntax(TMPL_URI, "/a}", 2, "unmatched '}'");
    check_syntax(TMPL_URI, "{}", 0, "empty expression");
    check_syntax(TMPL_URI, "{+}", 0, "empty expression");
    check_syntax(TMPL_URI, "{a,}", 3, "empty variable name");
    check_syntax(TMPL_URI, "{?a,,b}", 4, "empty variable name");
    check_syntax(TMPL_URI, "{a b}", 2, "invalid character in variable name: byte 0x20");
    check_syntax(TMPL_URI, "{a-b}", 2, "'-'");
    check_syntax(TMPL_URI, "/u/{user-id}", 8, "write it as %2D, as in {user%2Did})");
    check_syntax(TMPL_URI, "{?q,user-id,a-b}", 8, "as in {?q,user%2Did,a%2Db})");
    check_syntax(TMPL_URI, "{user-id", 5, "write it as %2D)");
    check_syntax(TMPL_URI, "{a{b}}", 2, "'{'");
    check_syntax(TMPL_URI, "{x.}", 2, "ends with '.'");
    check_syntax(TMPL_URI, "{x.:3}", 2, "ends with '.'");
    check_syntax(TMPL_URI, "{+.x}", 2, "starts with '.'");
    check_syntax(TMPL_URI, "{..x}", 2, "starts with '.'");
    check_syntax(TMPL_URI, "{x..y}", 2, "'..'");
    check_syntax(TMPL_URI, "{a%2}", 2, "percent-encoding");
    check_syntax(TMPL_URI, "{a%zz}", 2, "percent-encoding");
    check_syntax(TMPL_URI, "{var:0}", 5, "1 to 9999");
    check_syntax(TMPL_URI, "{var:10000}", 5, "1 to 9999");
    check_syntax(TMPL_URI, "{var:01}", 5, "1 to 9999");
    check_syntax(TMPL_URI, "{var:}", 5, "1 to 9999");
    check_syntax(TMPL_URI, "{var:3*}", 6, "prefix and explode");
    check_syntax(TMPL_URI, "{var*:3}", 5, "prefix and explode");
    check_syntax(TMPL_URI, "{var:3x}", 6, "invalid character in expression: 'x'");
    check_syntax(TMPL_URI, "{var**}", 5, "'*'");
    for (const char *op = "=,!@|"; *op; op++) {
        char tpl[8];
        snprintf(tpl, sizeof tpl, "{%cx}", *op);
        check_syntax(TMPL_URI, tpl, 1, "reserved operator");
    }
    static const char *bad_literals[] = {"a b", "a\"b", "a<b",  "a>b",    "a\\b", "a^b",
                                         "a`b", "a|b",  "a\tb", "a\177b", "a%4"};
    for (size_t i = 0; i < sizeof bad_literals / sizeof bad_literals[0]; i++)
        check_syntax(TMPL_URI, bad_literals[i], 1, "");
    check_syntax(TMPL_URI, "x/%zz", 2, "two hex digits");
    check_syntax(TMPL_URI, "a\xc3", 1, "byte 0xC3");             /* truncated UTF-8 */
    check_syntax(TMPL_URI, "a\xc0\xaf", 1, "byte 0xC0");         /* overlong */
    check_syntax(TMPL_URI, "a\xc2\x85", 1, "byte 0xC2");         /* C1 control, not ucschar */
    check_syntax(TMPL_URI, "a\xef\xbf\xbe", 1, "byte 0xEF");     /* U+FFFE */
    check_syntax(TMPL_URI, "a\xf3\xa0\x80\x81", 1, "byte 0xF3"); /* U+E0001, a tag */
}

static void test_parse_api(void)
{
    struct tmpl_error err = {0};
    const char *text = "http://h/{a}/{+b,c}?q{&d*}";
    struct tmpl *t = tmpl_parse(text, TMPL_URI, &err);
    ok(t != NULL, "a valid template parses");
    if (!t)
        return;
    is_str(tmpl_text(t), text, "tmpl_text returns the text");
    ok(tmpl_expressions(t) == 3, "three expressions (%zu)", tmpl_expressions(t));
    tmpl_free(t);
    t = tmpl_parse("http://h/plain", TMPL_URI, &err);
    ok(t && tmpl_expressions(t) == 0, "a template without expressions is fine");
    tmpl_free(t);
    tmpl_free(NULL);
}

static void test_raw(void)
{
    const char *rec = "{\"tok\":\"abc def\",\"n\":1.000,\"t\":true,\"nul\":null,\"arr\":[1, 2],"
                      "\"o\":{ \"a\" : \"b\" },\"e\":[],\"eo\":{},\"s\":\"q\\\"\\u00e9\","
                      "\"user\":{\"id\":7},\"user-id\":\"u7\",\"empty\":\"\"}";
    printf("# raw mode\n");
    check_mode(TMPL_RAW, "Bearer {tok}", rec, 0, "Bearer abc def");
    check_mode(TMPL_RAW, "id={user.id}; n={n} t={t}", rec, 0, "id=7; n=1.000 t=true");
    check_mode(TMPL_RAW, "{arr}{o}", rec, 0, "[1,2]{\"a\":\"b\"}");
    check_mode(TMPL_RAW, "<{e}|{eo}>", rec, 0, "<[]|{}>");
    check_mode(TMPL_RAW, "{s}", rec, 0, "q\"\xc3\xa9");
    check_mode(TMPL_RAW, "x{user%2Did}", rec, 0, "xu7");
    check_mode(TMPL_RAW, "\"quoted\" 100% } ^`|\\", rec, 0, "\"quoted\" 100% } ^`|\\");
    check_mode(TMPL_RAW, "[{empty}]", rec, 0, "[]");
    check_mode(TMPL_RAW, "a{nul}b{gone}c", rec, 1, "abc");
    check_fail(TMPL_RAW, "k {nul}", rec, 0, TMPL_MISSING, "missing field 'nul'");
    check_fail(TMPL_RAW, "k {user.name}", rec, 0, TMPL_MISSING, "missing field 'user.name'");
    check_syntax(TMPL_RAW, "{+tok}", 1, "'+'");
    check_syntax(TMPL_RAW, "{tok:3}", 4, "':'");
    check_syntax(TMPL_RAW, "{tok*}", 4, "'*'");
    check_syntax(TMPL_RAW, "{a,b}", 2, "','");
    check_syntax(TMPL_RAW, "{a b}", 2, "byte 0x20");
    check_syntax(TMPL_RAW, "x {tok", 2, "unclosed");
    check_syntax(TMPL_RAW, "{}", 0, "empty expression");
    check_syntax(TMPL_RAW, "{.a}", 1, "starts with '.'");
    check_syntax(TMPL_RAW, "id {user-id}", 8, "write it as %2D, as in {user%2Did})");
}

static void test_limits(void)
{
    struct tmpl_error err = {0};
    struct buf out;
    struct tmpl *t = tmpl_parse("/{s}/{s}", TMPL_URI, &err);
    const char *rec = "{\"s\":\"0123456789\"}";
    buf_init(&out, 15);
    ok(t && tmpl_expand(t, rec, strlen(rec), 0, &out, &err) == TMPL_NOMEM,
       "expansion past the buffer cap is TMPL_NOMEM");
    ok(out.len <= 15, "the buffer stays within its cap (%zu)", out.len);
    buf_free(&out);
    buf_init(&out, 1 << 10);
    rec = "{\"s\":\"x\"} trailing";
    ok(t && tmpl_expand(t, rec, 9, 0, &out, &err) == TMPL_OK && strcmp(out.data, "/x/x") == 0,
       "only rec[0..n) is read");
    buf_free(&out);
    tmpl_free(t);
}

int main(void)
{
    test_rfc_levels();
    test_rfc_simple_reserved_fragment();
    test_rfc_label_path();
    test_rfc_params_query();
    test_rfc_missing_strict();
    test_paths_and_values();
    test_prefix();
    test_encoding();
    test_member_search();
    test_apostrophe();
    test_empty_members();
    test_syntax_errors();
    test_parse_api();
    test_raw();
    test_limits();
    return tap_done();
}
