/* Failure kinds and messages; see failure.h. */
#include "failure.h"

#include <stdarg.h>
#include <stdio.h>

const char *fail_kind_name(enum fail_kind kind)
{
    static const char *const names[] = {
        [FAIL_NONE] = "none",
        [FAIL_TIMEOUT] = "timeout",
        [FAIL_CONNECT] = "connect",
        [FAIL_HTTP] = "http",
        [FAIL_MISSING_FIELD] = "missing_field",
        [FAIL_BAD_REQUEST] = "bad_request",
        [FAIL_INVALID_JSON] = "invalid_json",
        [FAIL_NOT_OBJECT] = "not_object",
        [FAIL_BAD_RESPONSE] = "bad_response",
        [FAIL_RESOURCE] = "resource",
        [FAIL_TLS] = "tls",
        [FAIL_INTERRUPTED] = "interrupted",
    };
    return (unsigned)kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "unknown";
}

void fail_set(struct failure *f, enum fail_kind kind, const char *fmt, ...)
{
    f->kind = kind;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->message, sizeof(f->message), fmt, ap);
    va_end(ap);
    /* Messages are single lines whatever libcurl or a record put in them. */
    for (char *p = f->message; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
}
