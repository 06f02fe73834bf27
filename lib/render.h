/* Every line a record can leave as: the record with its result spliced in,
 * the record with its error object, a dry run's request, or nothing. Pure
 * over bytes: the record's own text is copied as it is and only the new
 * member is added (splice.h), so numbers and key order pass untouched. */
#ifndef ENRICH_RENDER_H
#define ENRICH_RENDER_H

#include <stddef.h>

#include "buf.h"
#include "enrich.h"
#include "record.h"
#include "request.h"

struct render_spec {
    const char *into;       /* where a result goes */
    const char *error_into; /* where an error object goes */
    enum enrich_on_error on_error;
    int dry_run;
    const char *method;                 /* NULL: GET, or POST with a body */
    const struct request_spec *request; /* for a dry run's headers */
};

/* The error object of r: {"kind":..,"status":..,"message":..,"attempts":..}.
 * Returns 0, -1 out of memory. */
int render_error_object(const struct record *r, struct buf *out);

/* The line of a failed record r into out (scratch is work space). Returns 1
 * when there is a line to write, 0 when the record writes none (--on-error
 * drop or fail, a line that is not an object, an error that has nowhere to
 * go), -1 out of memory. */
int render_failed(const struct render_spec *s, const struct record *r, struct buf *scratch,
                  struct buf *out);

/* A dry run's line for r: {"line":N,"method":..,"url":..,"headers":[..],"body":..},
 * secrets in the URL and headers redacted. The body is null without one,
 * the JSON value itself (minified) for a JSON body, else a JSON string.
 * Returns 1, -1 out of memory. */
int render_dry_run(const struct render_spec *s, const struct record *r, struct buf *scratch,
                   struct buf *out);

/* The response an attempt got, as render_response needs it. */
struct render_body {
    const char *p; /* the body, n bytes */
    size_t n;
    const char *content_type; /* NULL without one */
    long status;
};

/* r's line with the response body spliced in at `into`: JSON as JSON when
 * the Content-Type says so (or, without one, when it is), anything else as
 * a string. Returns 1, or 0 with f filled (bad_response: a body said to be
 * JSON that is not, or one that cannot be inserted). *empty says whether
 * the inserted result is empty: null, "", [] or {} (Flink's empty result). */
int render_response(const struct render_spec *s, const struct record *r,
                    const struct render_body *body, struct buf *scratch, struct buf *out,
                    struct failure *f, int *empty);

#endif
