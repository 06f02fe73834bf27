/* RFC 6570 URI Templates (levels 1-4) whose variable names are dotted paths
 * into a JSON record, plus the raw "{path}" substitution used for header
 * values. Parsing happens once, before input is read; expansion is pure
 * (no I/O, no clock) and runs per record. */
#ifndef ENRICH_TMPL_H
#define ENRICH_TMPL_H

#include <stddef.h>

#include "buf.h"
#include "jsonspan.h"

enum tmpl_mode {
    TMPL_URI, /* RFC 6570: operators, prefixes, explode, pct-encoding */
    TMPL_RAW  /* only {path}: the value's raw text, nothing encoded */
};

enum tmpl_status {
    TMPL_OK = 0,
    TMPL_MISSING,   /* a variable is missing, null, [] or {} (and allow_missing is off) */
    TMPL_BAD_VALUE, /* e.g. a prefix modifier on a list or object */
    TMPL_NOMEM
};

struct tmpl_error {
    char msg[256]; /* one line, no trailing newline */
    size_t pos;    /* byte offset in the template text, for syntax errors */
};

struct tmpl; /* opaque */

/* Parse and check a template. Returns a new template (caller frees with
 * tmpl_free), or NULL with err->msg set (syntax error, or out of memory). */
struct tmpl *tmpl_parse(const char *text, enum tmpl_mode mode, struct tmpl_error *err);
void tmpl_free(struct tmpl *t);

/* The template's text as given to tmpl_parse (borrowed). */
const char *tmpl_text(const struct tmpl *t);
/* Number of expressions ({...}) in the template. */
size_t tmpl_expressions(const struct tmpl *t);

/* Expand against rec[0..n), the text of a valid JSON object, appending to
 * out. allow_missing selects RFC 6570 "undefined" semantics for missing
 * variables; otherwise the first missing one fails with TMPL_MISSING and
 * err->msg names it. On failure out may hold a partial expansion. */
enum tmpl_status tmpl_expand(const struct tmpl *t, const char *rec, size_t n, int allow_missing,
                             struct buf *out, struct tmpl_error *err);

/* 1 if t (TMPL_RAW) is exactly one "{path}" and nothing else. */
int tmpl_is_single(const struct tmpl *t);
/* For such a template: the value at its path in rec[0..n) (a valid JSON
 * object), a span borrowed from rec, found as tmpl_expand finds it (the %XX
 * fallback included). Returns 1 found (maybe null), 0 absent (err->msg
 * names the field), -1 malformed record or out of memory. */
int tmpl_single_value(const struct tmpl *t, const char *rec, size_t n, struct jspan *out,
                      struct tmpl_error *err);

/* For tests: with on, expansions find every value by walking the record's
 * members and scan the record to its end, the way the shortcuts taken
 * for valid records must agree with. */
void tmpl_walk_only(struct tmpl *t, int on);

#endif
