/* Why a record failed: the kinds of SPEC section 5 and a one-line message. */
#ifndef ENRICH_FAILURE_H
#define ENRICH_FAILURE_H

enum fail_kind {
    FAIL_NONE = 0,
    FAIL_TIMEOUT,
    FAIL_CONNECT,
    FAIL_HTTP,
    FAIL_MISSING_FIELD,
    FAIL_BAD_REQUEST,
    FAIL_INVALID_JSON,
    FAIL_NOT_OBJECT,
    FAIL_BAD_RESPONSE,
    FAIL_RESOURCE,   /* this process ran out of something (file descriptors) */
    FAIL_TLS,        /* certificate or handshake refused */
    FAIL_INTERRUPTED /* aborted by a second signal while in flight; never retried */
};

struct failure {
    enum fail_kind kind;
    long status;       /* HTTP status when a response arrived, else 0 */
    char message[320]; /* one line, no secrets */
};

/* The kind's name as written in error objects and messages ("missing_field"). */
const char *fail_kind_name(enum fail_kind kind);

/* Fill f (printf-style message). */
void fail_set(struct failure *f, enum fail_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
