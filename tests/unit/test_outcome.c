/* Unit tests for what an attempt's end means for its record. */
#include "outcome.h"

#include <string.h>

#include "tap.h"

static struct enrich_ok_set ok_set;
static const struct outcome_spec spec = {&ok_set, 30000, 500, NULL};
static const char *message = "libcurl says";

static int classify(enum http_outcome outcome, long status, int attempt_bound, struct failure *f)
{
    struct http_result res;
    memset(&res, 0, sizeof(res));
    res.outcome = outcome;
    res.status = status;
    res.message = message;
    memset(f, 0, sizeof(*f));
    return outcome_classify(&spec, &res, attempt_bound, f);
}

int main(void)
{
    struct failure f;
    enrich_parse_ok("2xx,404", &ok_set);
    ok(classify(HTTP_DONE, 200, 0, &f) == 1 && f.kind == FAIL_NONE, "200 is a success");
    ok(classify(HTTP_DONE, 404, 0, &f) == 1, "a status in --ok is a success");
    ok(classify(HTTP_DONE, 503, 0, &f) == 0 && f.kind == FAIL_HTTP && f.status == 503,
       "another status is an http failure with the status");
    is_str(f.message, "HTTP 503", "saying the status");
    ok(classify(HTTP_CONNECT, 0, 0, &f) == 0 && f.kind == FAIL_CONNECT, "connect");
    is_str(f.message, "libcurl says", "in libcurl's words");
    ok(classify(HTTP_TLS, 0, 0, &f) == 0 && f.kind == FAIL_TLS && f.status == 0,
       "a failed TLS handshake is a tls failure");
    is_str(f.message, "libcurl says", "in libcurl's words");
    ok(classify(HTTP_CONNECT_TIMEOUT, 0, 0, &f) == 0 && f.kind == FAIL_CONNECT,
       "a connect timeout is a connect failure");
    is_str(f.message, "connect timeout: libcurl says", "saying it timed out");
    message = "Failed to follow http://u:pw@h/x?token=t";
    classify(HTTP_BAD_RESPONSE, 0, 0, &f);
    is_str(f.message, "Failed to follow http://u:***@h/x?token=***",
           "a URL in libcurl's words is redacted");
    message = "libcurl says";
    ok(classify(HTTP_TIMEOUT, 0, 1, &f) == 0 && f.kind == FAIL_TIMEOUT, "timeout");
    is_str(f.message, "attempt timed out after 500 ms", "the attempt's own timeout");
    classify(HTTP_TIMEOUT, 0, 0, &f);
    is_str(f.message, "record deadline of 30000 ms exceeded", "or the record's deadline");
    ok(classify(HTTP_BAD_RESPONSE, 200, 0, &f) == 0 && f.kind == FAIL_BAD_RESPONSE &&
           f.status == 200,
       "a bad response keeps the status it had");
    return tap_done();
}
