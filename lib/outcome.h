/* What an attempt's end means for its record: a response with a status in
 * --ok is a success; anything else is a failure of some kind (failure.h).
 * Pure: the time comes in as an argument. Retry policy will sit beside this,
 * deciding from the failure whether another attempt follows. */
#ifndef ENRICH_OUTCOME_H
#define ENRICH_OUTCOME_H

#include "enrich.h"
#include "failure.h"
#include "http.h"
#include "redact.h"

struct outcome_spec {
    const struct enrich_ok_set *ok;
    long timeout_ms;         /* the record's deadline, for messages */
    long attempt_timeout_ms; /* one attempt's, for messages */
    const struct redact *redact; /* masks URLs in libcurl's words */
};

/* Returns 1 when res is a success (its body is to be inserted), else 0 with
 * f filled. attempt_bound: the attempt's own timeout, not what was left of
 * the record's deadline, bounded the attempt (so a timeout is the attempt's). */
int outcome_classify(const struct outcome_spec *s, const struct http_result *res,
                     int attempt_bound, struct failure *f);

#endif
