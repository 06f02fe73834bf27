/* What an attempt's end means; see outcome.h. */
#include "outcome.h"

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
    case HTTP_CONNECT: fail_set(f, FAIL_CONNECT, "%s", res->message); return 0;
    case HTTP_TLS: fail_set(f, FAIL_TLS, "%s", res->message); return 0;
    case HTTP_NO_DESCRIPTORS:
        /* Not the server's doing, nor the record's: this process ran out. */
        fail_set(f, FAIL_RESOURCE, "%s", res->message);
        return 0;
    case HTTP_CONNECT_TIMEOUT:
        fail_set(f, FAIL_CONNECT, "connect timeout: %s", res->message);
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
        fail_set(f, FAIL_BAD_RESPONSE, "%s", res->message);
        f->status = res->status;
        return 0;
    }
    fail_set(f, FAIL_BAD_RESPONSE, "%s", res->message);
    return 0;
}
