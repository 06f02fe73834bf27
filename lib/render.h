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
    const struct redact *redact;        /* what a dry run masks */
    int authorization;                  /* libcurl adds an Authorization header */
};

/* The response an attempt got, as render_response and an error object
 * need it. */
struct render_body {
    const char *p; /* the body, n bytes */
    size_t n;
    const char *content_type; /* NULL without one */
    long status;
    double ms;     /* the attempt's duration, for --meta */
    int too_large; /* the body was cut at --max-response-size */
};

/* The most of a failed response's body an error object carries. */
#define RENDER_ERROR_BODY_MAX 4096

/* The error object of r: {"kind":..,"status":..,"message":..,"attempts":..}.
 * For kind http, body (the failed attempt's response, or NULL) adds what
 * the server said as a member "body": JSON (minified, as render_response
 * inserts it) when it is valid JSON and its Content-Type says JSON or there
 * is none, and it is not over RENDER_ERROR_BODY_MAX bytes; else a string; a longer body (or one cut
 * at --max-response-size) goes in as a string of its first RENDER_ERROR_BODY_MAX bytes at most (cut
 * at a UTF-8 character's start), followed by "body_truncated":true. An empty body adds nothing.
 * Returns 0, -1 out of memory. */
int render_error_object(const struct record *r, const struct render_body *body, struct buf *out);

/* The line of a failed record r into out (scratch is work space); body as
 * for render_error_object. Returns 1 when there is a line to write, 0 when
 * the record writes none (--on-error drop or fail, a line that is not an
 * object, an error that has nowhere to go), -1 out of memory. */
int render_failed(const struct render_spec *s, const struct record *r,
                  const struct render_body *body, struct buf *scratch, struct buf *out);

/* A dry run's line for r: {"line":N,"method":..,"url":..,"headers":[..],"body":..},
 * secrets in the URL and headers redacted (redact.h); with s->authorization,
 * "Authorization: ***" first, as libcurl sends it. The body is null without one,
 * the JSON value itself (minified) for a JSON body, else a JSON string.
 * Returns 1, -1 out of memory. */
int render_dry_run(const struct render_spec *s, const struct record *r, struct buf *scratch,
                   struct buf *out);

/* How a successful response becomes the record's new members: the options
 * --select, --merge and --meta (struct enrich_options says what each holds). */
struct render_shape {
    const char *select;
    int merge;
    const char *meta;
};

/* r's line with the response spliced in. The result is the body as JSON
 * when the Content-Type says so (or, without one, when it is), anything else
 * as a string; with shape->select only the value at that path (the body
 * must be JSON). It goes in at `into`, or with shape->merge its members go
 * to the record's top level (splice_merge). With shape->meta,
 * {"status":..,"attempts":..,"ms":..} (the attempt's status and duration, r's
 * attempts) is set at that path afterwards. Returns 1, or 0 with f filled
 * (bad_response: a body said to be JSON that is not, a --select path that is
 * absent or a body that is not JSON with --select, a --merge result that is
 * not an object, or a result or meta that cannot be inserted). *empty says
 * whether the result is empty: null, "", [] or {} (Flink's empty result), or
 * the --select path absent. */
int render_response(const struct render_spec *s, const struct render_shape *shape,
                    const struct record *r, const struct render_body *body, struct buf *scratch,
                    struct buf *out, struct failure *f, int *empty);

#endif
