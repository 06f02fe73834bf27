/* Is this text one JSON value? cJSON answers (it is the project's parser);
 * nothing of its tree is kept or printed. */
#ifndef ENRICH_JSONVALID_H
#define ENRICH_JSONVALID_H

#include <stddef.h>

#include "buf.h"
#include "jsonspan.h"

/* 0 if p[0..n) is exactly one JSON value (surrounding whitespace allowed),
 * with *type set; -1 if not, with *error_at the byte offset where parsing
 * stopped; -2 out of memory. */
int json_validate(const char *p, size_t n, enum jtype *type, size_t *error_at);

/* Append the JSON text to splice for a response body: the body itself,
 * minified, when it is JSON; null when empty; else the body as a JSON
 * string. Returns 0, -1 out of memory (or over out's cap). */
int json_response_value(const char *body, size_t n, struct buf *out);

/* The most bytes json_response_value appends for a body of up to body_max
 * bytes: every byte may become a 6-byte escape, plus the quotes. Saturates
 * instead of overflowing, so it can size a buffer's cap. */
size_t json_response_value_max(size_t body_max);

#endif
