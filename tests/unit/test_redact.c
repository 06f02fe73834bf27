/* Redaction: which names are secret, and headers, URLs and messages as shown. */
#include "redact.h"

#include <string.h>

#include "tap.h"

static const struct redact *none = NULL;

static void header(const struct redact *r, const char *line, const char *want)
{
    struct buf b;
    buf_init(&b, 4096);
    int rc = redact_header(r, line, &b);
    is_str(rc == 0 ? b.data : NULL, want, line);
    buf_free(&b);
}

static void url(const struct redact *r, const char *u, const char *want)
{
    struct buf b;
    buf_init(&b, 4096);
    int rc = redact_url(r, u, &b);
    is_str(rc == 0 ? b.data : NULL, want, u);
    buf_free(&b);
}

static void text(const char *t, const char *want)
{
    struct buf b;
    buf_init(&b, 4096);
    int rc = redact_text(none, t, &b);
    is_str(rc == 0 ? b.data : NULL, want, t);
    buf_free(&b);
}

static void headers(void)
{
    header(none, "Authorization: Bearer secret", "Authorization: ***");
    header(none, "Proxy-Authorization: Basic eDp5", "Proxy-Authorization: ***");
    header(none, "cookie: a=b", "cookie: ***");
    header(none, "Set-Cookie: a=b", "Set-Cookie: ***");
    header(none, "X-Api-Key: k1", "X-Api-Key: ***");
    header(none, "X-Auth-Token: t", "X-Auth-Token: ***");
    header(none, "X-Session-Id: s", "X-Session-Id: ***");
    header(none, "X-Client-Secret: s", "X-Client-Secret: ***");
    header(none, "X-Amz-Signature: s", "X-Amz-Signature: ***");
    header(none, "X-PASSWORD: p", "X-PASSWORD: ***");
    header(none, "X-Api: visible", "X-Api: visible");
    header(none, "Accept: application/json", "Accept: application/json");
    header(none, "X-Cookies-Enabled: yes", "X-Cookies-Enabled: yes");
    header(none, "X-Empty;", "X-Empty: ");
    header(none, "Authorization;", "Authorization: ***");
    header(none, "no colon here", "no colon here");

    const char *extra[] = {"x-custom"};
    struct redact r = {extra, 1};
    header(&r, "X-Custom: v", "X-Custom: ***");
    header(&r, "X-Custom-Id: v", "X-Custom-Id: ***");
    header(&r, "X-Other: v", "X-Other: v");
    header(none, "X-Custom: v", "X-Custom: v");
}

static void names(void)
{
    ok(redact_is_secret(none, "api_key", 7), "api_key is secret");
    ok(redact_is_secret(none, "APIKEY", 6), "APIKEY is secret");
    ok(redact_is_secret(none, "access_token", 12), "access_token is secret");
    ok(!redact_is_secret(none, "id", 2), "id is not");
    ok(!redact_is_secret(none, "cookie_name", 11), "cookie is secret by its exact name only");
    ok(!redact_is_secret(none, "ke", 2), "a part of a part is not");
    ok(!redact_is_secret(none, "", 0), "an empty name is not");
}

static void urls(void)
{
    url(none, "http://user:pw@h/a@b", "http://user:***@h/a@b");
    url(none, "http://token@h/x", "http://***@h/x");
    url(none, "http://u:p@ss@h/x", "http://u:***@h/x");
    url(none, "http://h/x?u=a:b@c", "http://h/x?u=a:b@c");
    url(none, "http://h/x?api_key=SECRET&x=1", "http://h/x?api_key=***&x=1");
    url(none, "http://h/x?x=1&Token=abc", "http://h/x?x=1&Token=***");
    url(none, "http://h/x?api%5Fkey=SECRET", "http://h/x?api%5Fkey=***");
    url(none, "http://h/x?sessionid=1;b=2", "http://h/x?sessionid=***;b=2");
    url(none, "http://h/x?key", "http://h/x?key");
    url(none, "http://h/x?key=", "http://h/x?key=***");
    url(none, "http://h/x?a=1&&b=2", "http://h/x?a=1&&b=2");
    url(none, "http://h/x#access_token=t&state=s", "http://h/x#access_token=***&state=s");
    url(none, "http://h/x#frag?token=t", "http://h/x#frag?token=***");
    url(none, "http://h/x?id=7#top", "http://h/x?id=7#top");
    url(none, "http://h/key/1", "http://h/key/1");
    url(none, "/relative?secret=1", "/relative?secret=***");

    const char *extra[] = {"sig"};
    struct redact r = {extra, 1};
    url(&r, "https://acct.blob/c?sv=1&sig=abc", "https://acct.blob/c?sv=1&sig=***");
    url(none, "https://acct.blob/c?sv=1&sig=abc", "https://acct.blob/c?sv=1&sig=abc");
}

static void messages(void)
{
    text("Could not resolve host: h", "Could not resolve host: h");
    text("redirect to 'http://u:p@h/x?token=t' refused",
         "redirect to 'http://u:***@h/x?token=***' refused");
    text("HTTPS://h/?key=1 and http://h/?key=2", "HTTPS://h/?key=*** and http://h/?key=***");
    text("no url: http:/x", "no url: http:/x");
    text("", "");
}

static void bounded(void)
{
    struct buf b;
    buf_init(&b, 8);
    ok(redact_url(none, "http://h/x?token=abcdef", &b) < 0, "a URL over the buffer's cap fails");
    buf_free(&b);
}

int main(void)
{
    headers();
    names();
    urls();
    messages();
    bounded();
    return tap_done();
}
