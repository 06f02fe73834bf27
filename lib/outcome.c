/* What an attempt's end means; see outcome.h. */
#include "outcome.h"

/* Fill f with libcurl's words for a failure, prefixed, any URL in them
 * redacted (a redirect's Location may carry a key). */
static void from_libcurl(const struct outcome_spec *s, struct failure *f, enum fail_kind kind,
                         const char *prefix, const char *message)
{
    struct buf b;
    buf_init(&b, sizeof(f->message));
    int ok = redact_text(s->redact, message, &b) == 0 && b.data;
    fail_set(f, kind, "%s%s", prefix, ok ? b.data : "(a message that could not be redacted)");
    buf_free(&b);
}

int outcome_classify(const struct outcome_spec *s, const struct http_result *res, int attempt_bound,
                     struct failure *f)
{
    switch (res->outcome) {
    case HTTP_DONE:
        if (enrich_ok_has(s->ok, res->status))
            return 1;
        fail_set(f, FAIL_HTTP, "HTTP %ld", res->status);
        f->status = res->status;
        return 0;
    case HTTP_CONNECT: from_libcurl(s, f, FAIL_CONNECT, "", res->message); return 0;
    case HTTP_TLS: from_libcurl(s, f, FAIL_TLS, "", res->message); return 0;
    case HTTP_NO_DESCRIPTORS:
        /* Not the server's doing, nor the record's: this process ran out. */
        from_libcurl(s, f, FAIL_RESOURCE, "", res->message);
        return 0;
    case HTTP_CONNECT_TIMEOUT:
        from_libcurl(s, f, FAIL_CONNECT, "connect timeout: ", res->message);
        return 0;
    case HTTP_TIMEOUT:
        if (attempt_bound)
            fail_set(f, FAIL_TIMEOUT, "attempt timed out after %ld ms", s->attempt_timeout_ms);
        else
            fail_set(f, FAIL_TIMEOUT, "record deadline of %ld ms exceeded", s->timeout_ms);
        return 0;
    case HTTP_BAD_RESPONSE:
        /* A status not in --ok fails the record whatever its body, which is
         * never used: an error page over the limit is still that status. */
        if (res->too_large && res->status > 0 && !enrich_ok_has(s->ok, res->status)) {
            fail_set(f, FAIL_HTTP, "HTTP %ld", res->status);
            f->status = res->status;
            return 0;
        }
        from_libcurl(s, f, FAIL_BAD_RESPONSE, "", res->message);
        f->status = res->status;
        return 0;
    }
    from_libcurl(s, f, FAIL_BAD_RESPONSE, "", res->message);
    return 0;
}
