/* Read-only questions about JSON text, answered with spans of the original
 * bytes, so that whatever reaches the output is the input's own text
 * (cJSON would rewrite 1.000 and long integers). The text is expected to be
 * valid JSON (validated beforehand with cJSON); on text that is not, the
 * functions return an error instead of reading out of bounds. */
#ifndef ENRICH_JSONSPAN_H
#define ENRICH_JSONSPAN_H

#include <stddef.h>

#include "buf.h"

enum jtype { J_NONE = 0, J_NULL, J_FALSE, J_TRUE, J_NUMBER, J_STRING, J_ARRAY, J_OBJECT };

/* A JSON value's raw text: p..p+n is the whole value (a string includes its
 * quotes). Borrowed from the caller's buffer. */
struct jspan {
    const char *p;
    size_t n;
    enum jtype type;
};

/* Cursor over the members of an object or the elements of an array. */
struct jspan_iter {
    const char *p;
    const char *end;
    int first;
};

/* Skip JSON whitespace (space, tab, CR, LF). */
const char *jspan_skip_ws(const char *p, const char *end);

/* Read the value starting at p (leading whitespace skipped) into *out.
 * Returns 0, or -1 when the text is not a value. */
int jspan_value(const char *p, const char *end, struct jspan *out);

/* Start iterating over an array or object span (whitespace around the span's
 * brackets is tolerated). Returns 0, -1 if v is neither. */
int jspan_iter_begin(const struct jspan *v, struct jspan_iter *it);
/* Next member of an object: key (a J_STRING span, quotes included) and value.
 * Returns 1 for a member, 0 at the end, -1 on malformed text. */
int jspan_next_member(struct jspan_iter *it, struct jspan *key, struct jspan *value);
/* Next element of an array. Returns 1, 0 at the end, -1 on malformed text. */
int jspan_next_elem(struct jspan_iter *it, struct jspan *value);

/* Append the decoded bytes (UTF-8, escapes resolved, no quotes) of a J_STRING
 * span to out; a lone surrogate escape decodes to U+FFFD. Returns 0, -1 on
 * malformed text or out of memory. */
int jspan_string_decode(const struct jspan *s, struct buf *out);
/* 1 if the decoded key equals name[0..n), else 0. */
int jspan_key_equals(const struct jspan *key, const char *name, size_t n);

/* Find a member of an object by decoded name; with duplicate keys the LAST
 * one wins (what JSON readers keep). Fills key and/or value (either may be
 * NULL). Returns 1 found, 0 absent (or obj not an object), -1 malformed. */
int jspan_member(const struct jspan *obj, const char *name, size_t n, struct jspan *key,
                 struct jspan *value);

/* Follow a dotted path ("user.id", "items.0.sku") from root: each component
 * names an object member, or, on an array, a decimal index. Returns 1 found
 * (out filled), 0 absent, -1 malformed text. A null value is found (J_NULL).
 * An empty path, or one with an empty component ("a..b"), is absent. */
int jspan_path(const struct jspan *root, const char *path, size_t n, struct jspan *out);

/* The lexical rules cJSON lets pass: numbers must follow the JSON grammar
 * (no 01, 1., +1), strings must not hold raw control characters, and every
 * escape must be one of RFC 8259's. Structure is not checked (cJSON does
 * that). Returns 0, or -1 with *error_at the offset of the offending byte. */
int jspan_check_tokens(const char *p, size_t n, size_t *error_at);

/* 1 if p[0..n) is valid UTF-8 (no overlongs, surrogates or code points past
 * U+10FFFF), else 0. */
int jspan_utf8_valid(const char *p, size_t n);

/* Append text with insignificant whitespace removed; strings, numbers and
 * literals are copied byte for byte. Returns 0, -1 malformed (an unterminated
 * string: the structure is not checked) or no memory. */
int jspan_minify(const char *p, size_t n, struct buf *out);

/* Append p[0..n) as a quoted JSON string: '"' and '\\' escaped, control
 * characters as \n, \t, ... or \u00XX, invalid UTF-8 bytes as \ufffd.
 * Returns 0, -1 out of memory. */
int jspan_quote(const char *p, size_t n, struct buf *out);

/* The functions above that append to a buf append all or nothing: on -1, out
 * is left as it was on entry. */

#endif
