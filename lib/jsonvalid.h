/* Is this text one JSON value (jspan_validate answers), and what goes into
 * a record for a response body. */
#ifndef ENRICH_JSONVALID_H
#define ENRICH_JSONVALID_H

#include <stddef.h>

#include "buf.h"
#include "jsonspan.h"

/* 0 if p[0..n) is exactly one JSON value by RFC 8259 (surrounding
 * whitespace allowed), with *type set; -1 if not, with *error_at the offset
 * of the offending byte (the last byte when the text ends too soon); -2 out
 * of memory. See jspan_validate. */
int json_validate(const char *p, size_t n, enum jtype *type, size_t *error_at);

/* What a response's Content-Type says its body is. */
enum json_content {
    JSON_CONTENT_NONE,  /* no Content-Type (or an empty one): the body decides */
    JSON_CONTENT_JSON,  /* application/json or any type/subtype+json */
    JSON_CONTENT_OTHER, /* any other type, even a malformed one: text */
};

/* Classify a Content-Type header value (NULL: none). Parameters such as
 * "; charset=utf-8" are ignored, case too. */
enum json_content json_content_kind(const char *content_type);

/* Append the JSON text to splice for a response body of the given kind: an
 * empty body is null; a JSON_CONTENT_OTHER body goes in as a JSON string; a
 * JSON_CONTENT_JSON body goes in minified, and must be JSON; a
 * JSON_CONTENT_NONE body goes in minified when it is JSON, else as a string.
 * A leading byte order mark is dropped. Returns 0; -1 out of memory (or over
 * out's cap); -2 when kind is JSON_CONTENT_JSON and the body is not JSON,
 * with why saying where ("error near byte 12") and out unchanged. */
int json_response_value_typed(const char *body, size_t n, enum json_content kind, struct buf *out,
                              char *why, size_t why_len);

/* json_response_value_typed without the copy where none is needed: *val is
 * set to the value's text, borrowed from body when the body is already
 * minified JSON (out unchanged), else appended to out (then val points into
 * out, valid until out next changes). Same returns. */
int json_response_span(const char *body, size_t n, enum json_content kind, struct buf *out,
                       struct jspan *val, char *why, size_t why_len);

/* json_response_value_typed for a body without a Content-Type. */
int json_response_value(const char *body, size_t n, struct buf *out);

/* The most bytes json_response_value appends for a body of up to body_max
 * bytes: every byte may become a 6-byte escape, plus the quotes. Saturates
 * instead of overflowing, so it can size a buffer's cap. */
size_t json_response_value_max(size_t body_max);

#endif
