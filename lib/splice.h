/* Splice a JSON value into the text of a JSON object without re-serialising
 * it: every byte of the record outside the changed value is kept as it was
 * (numbers like 1.000, key order, escapes, duplicate keys, whitespace). */
#ifndef ENRICH_SPLICE_H
#define ENRICH_SPLICE_H

#include <stddef.h>

#include "buf.h"

enum splice_status {
    SPLICE_OK = 0,
    SPLICE_BLOCKED,  /* an intermediate member of the path exists and is not an object */
    SPLICE_NOMEM,    /* out of memory, or out's cap reached */
    SPLICE_MALFORMED /* rec is not an object's text, or the path is empty or has an
                        empty component ("a..b", ".a", "a.") */
};

/* Append to out the object text rec[0..n) with member `path` (dotted, each
 * component a literal member name compared after decoding the record's
 * escapes, no array indexing) set to the JSON text val[0..vn). If the member
 * exists (the last of duplicate keys) its VALUE bytes are replaced in place,
 * everything else byte-identical. If absent it is appended as the last
 * member: `,"name":val` right before the closing brace (no comma for an empty
 * object `{}` or `{ }`), with the name JSON-quoted via jspan_quote. Missing
 * intermediate objects are created as nested objects ({"a":{"b":val}}); with
 * duplicate keys the path goes through the last one.
 *
 * rec may have whitespace around the object; it is kept. rec, path and val
 * are borrowed and need no NUL. val must be one complete JSON value: it is
 * copied as it is, not checked. The record's members are walked but the text
 * is not fully validated (jspan_validate does that upstream). Nothing is allocated but
 * out's growth. On any status but SPLICE_OK, out is left at its length on
 * entry. */
enum splice_status splice_set(const char *rec, size_t n, const char *path, size_t pn,
                              const char *val, size_t vn, struct buf *out);

/* splice_set for a record that jspan_validate accepted as an object (the
 * engine's records, which are validated before any request): the same
 * results, byte for byte, with the common case (a path of one component,
 * absent from a record without escapes) found without walking the record's
 * members. On text that is not valid JSON it never reads outside rec, but
 * may append where splice_set would report SPLICE_MALFORMED. */
enum splice_status splice_set_valid(const char *rec, size_t n, const char *path, size_t pn,
                                    const char *val, size_t vn, struct buf *out);

/* 1 if path[0..n) is usable by splice_set: not empty, no empty component
 * (no leading, trailing or doubled dot), else 0. path is borrowed, no NUL
 * needed. */
int splice_path_valid(const char *path, size_t n);

/* Would splice_set run into a member on the way that is not an object? Walks
 * rec[0..n) as splice_set does, writes nothing. Returns 1 if a member on the
 * path before its last component exists and is not an object
 * (SPLICE_BLOCKED), 0 if the value could go in, -1 if rec is not an object's
 * text or the path is not valid (SPLICE_MALFORMED). Arguments are borrowed;
 * nothing is allocated. */
int splice_blocked(const char *rec, size_t n, const char *path, size_t pn);

/* Append to out the object text rec[0..n) with the members of the object
 * text obj[0..on) merged into its top level (--merge). A member whose name
 * (compared after decoding escapes on both sides) the record has replaces
 * that member's VALUE bytes in place (the last of the record's duplicate
 * keys); everything else of rec is byte-identical. The other members are
 * appended after the record's last member, in obj's order, name and value
 * copied as obj writes them (no comma for an empty record object). Of
 * duplicate names in obj only the last counts, as JSON readers keep it. An
 * empty obj `{}` writes rec as it is.
 *
 * Returns SPLICE_MALFORMED when rec or obj is not an object's text,
 * SPLICE_NOMEM out of memory or over out's cap. rec and obj are borrowed and
 * need no NUL; obj is walked, not validated. Work space of one entry per
 * member of obj is allocated and freed before returning. On any status but
 * SPLICE_OK, out is left at its length on entry. */
enum splice_status splice_merge(const char *rec, size_t n, const char *obj, size_t on,
                                struct buf *out);

#endif
