/* Checking a record before any request: is the line one JSON object, can
 * its request be built (no holes, no injection, an http(s) URL libcurl can
 * parse), and is there room at --into and --error-into for what will be
 * added? Pure over the line's bytes; the request is built here as a side
 * effect, ready to send. */
#ifndef ENRICH_CHECK_H
#define ENRICH_CHECK_H

#include <stddef.h>

#include "failure.h"
#include "request.h"

struct check_spec {
    const struct request_spec *request; /* borrowed */
    const char *into;                   /* where the result goes */
    const char *error_into;             /* where an error object goes */
};

/* Check line[0..n) and build its request into req. Returns 0, or -1 with f
 * filled (invalid_json, not_object, missing_field, bad_request). */
int check_record(const struct check_spec *c, const char *line, size_t n, struct request *req,
                 struct failure *f);

#endif
