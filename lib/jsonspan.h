/* Read-only questions about JSON text, answered with spans of the original
 * bytes, so that whatever reaches the output is the input's own text
 * (cJSON would rewrite 1.000 and long integers). The text is expected to be
 * valid JSON (checked beforehand with jspan_validate); on text that is not,
 * the functions return an error instead of reading out of bounds. */
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
/* The first "name" (name[0..len), in quotes) in p[0..end), or NULL; len > 0.
 * A plain text search: in a valid text without backslashes, every '"' opens
 * or closes a string, which is what lets callers trust a hit. */
const char *jspan_find_quoted(const char *p, const char *end, const char *name, size_t len);

/* Find a member of an object by decoded name; with duplicate keys the LAST
 * one wins (what JSON readers keep). Fills key and/or value (either may be
 * NULL). Returns 1 found, 0 absent (or obj not an object), -1 malformed. */
int jspan_member(const struct jspan *obj, const char *name, size_t n, struct jspan *key,
                 struct jspan *value);

/* Dotted paths ("user.id", "items.0.sku"). A path of n bytes with d dots has
 * d + 1 components, any of which may be empty: "" is one empty component,
 * "a." is "a" then "". Components are taken as they are, nothing decoded.
 * Every walk down a path goes through the functions below. */

/* Cursor over the components of a path. */
struct jspan_path_iter {
    const char *next; /* where the next component starts */
    const char *end;
    int more; /* 1 while a component is left; 0 after the last was returned */
};

/* Start at the first component of path[0..n) (borrowed). */
void jspan_path_begin(struct jspan_path_iter *it, const char *path, size_t n);
/* Set comp[0..*n) to the next component (borrowed from the path). Returns 1
 * for a component, 0 when there are no more. it->more is 0 right after the
 * last component is returned. */
int jspan_path_next(struct jspan_path_iter *it, const char **comp, size_t *n);

/* One step down: the member named comp[0..n) of an object (the last of
 * duplicate keys), or the element at the decimal index comp (digits only) of
 * an array. Returns 1 found (out filled), 0 absent (also on any other type),
 * -1 malformed text. */
int jspan_step(const struct jspan *cur, const char *comp, size_t n, struct jspan *out);

enum jspan_walk_mode {
    JSPAN_WALK_INDEX,  /* each step is jspan_step: arrays are indexed */
    JSPAN_WALK_OBJECTS /* each step is jspan_member: any other value stops the walk */
};

/* How far a walk got. Spans borrow from the text and the path. */
struct jspan_reach {
    struct jspan value; /* the value at the longest prefix found (root if none) */
    const char *rest;   /* the first component not found and all after it, */
    size_t rest_n;      /* or path + n and 0 when the whole path was found */
};

/* Walk path[0..n) down from root as far as it goes; an empty component is
 * never found. Returns 1 when the whole path was found (reach->value is its
 * value, maybe J_NULL), 0 when a component was not (the walk stopped at
 * reach->value, which has no such member or element, or is not a container;
 * in JSPAN_WALK_OBJECTS mode, a value that is not an object blocks the rest
 * of the path), -1 malformed text. reach is filled in every case. */
int jspan_walk(const struct jspan *root, const char *path, size_t n, enum jspan_walk_mode mode,
               struct jspan_reach *reach);

/* The value at path (jspan_walk in JSPAN_WALK_INDEX mode): returns 1 found
 * (out filled), 0 absent, -1 malformed text. A null value is found (J_NULL).
 * An empty path, or one with an empty component ("a..b"), is absent. */
int jspan_path(const struct jspan *root, const char *path, size_t n, struct jspan *out);

/* What jspan_validate found out about a text. */
struct jspan_check {
    enum jtype type; /* the value's type (J_NONE: the text is empty) */
    size_t lead;     /* the value is text[lead..lead+len), without the */
    size_t len;      /* whitespace around it (set when valid) */
    int spaced;      /* whitespace between its tokens: minifying changes it */
    int utf8_bad;    /* asked to check: a string holds bytes that are not UTF-8 */
    size_t error_at; /* on -1: the offending byte; the last one when the text ends too soon */
};

/* Is p[0..n) exactly one JSON value by RFC 8259, whitespace around it
 * allowed? One pass, strict: no byte order mark, no 01, 1. or +1, no raw
 * control characters in strings and no other bytes than the four of JSON's
 * whitespace between tokens. What RFC 8259 allows is accepted even where
 * other parsers refuse it: nesting of any depth, numbers of any length,
 * lone surrogate escapes (\ud800). With check_utf8, sets utf8_bad when a
 * string's bytes are not UTF-8 (the text is still checked to the end).
 * Nothing is allocated unless the nesting is deeper than 4096 levels.
 * Returns 0 valid, -1 not (error_at set), -2 out of memory. */
int jspan_validate(const char *p, size_t n, int check_utf8, struct jspan_check *out);

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
