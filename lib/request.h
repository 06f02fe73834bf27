/* Turning a record into an HTTP request: the URL, header and body templates
 * are compiled once; request_build expands them per record and refuses what
 * must never be sent (holes, header injection, path climbing, schemes other
 * than http and https). No I/O. */
#ifndef ENRICH_REQUEST_H
#define ENRICH_REQUEST_H

#include <stddef.h>

#include "buf.h"
#include "failure.h"
#include "redact.h"

struct request_spec; /* opaque */

/* One record's request. Reused across records: request_reset keeps memory. */
struct request {
    struct buf url;
    struct buf header_text; /* header lines, each NUL-terminated */
    const char **headers;   /* pointers into header_text */
    size_t nheaders;
    size_t headers_cap;
    /* The body, or NULL for none: into body_text (a -d template expanded),
     * or, with --data-record, the record text given to request_build
     * (borrowed: valid while that text is). */
    const char *body;
    size_t body_len;
    struct buf body_text;
    struct buf body_scratch; /* one value's text before it is JSON-escaped */
};

/* The longest body a -d template expands to; a longer one fails the record
 * as bad_request. */
#define REQUEST_MAX_BODY ((size_t)1 << 30)

/* Compile the templates. body is the -d template or NULL; body_is_record
 * (--data-record) sends each record's own line instead. A body template
 * that is valid JSON is a JSON template: a string that is exactly "{path}"
 * becomes the value at path, its own text, whatever its type; a "{path}" in
 * a longer string (or a key) is the value as text (as in a header),
 * JSON-escaped; a literal brace in a string is written \u007b. Any other
 * template is text, "{path}" replaced by the value as text, unescaped. A
 * body adds "Content-Type: application/json" (a JSON template or the
 * record) or "Content-Type: text/plain; charset=utf-8" (a text template)
 * unless a header names Content-Type.
 *
 * Returns NULL with a one-line message in err (size errlen) on a usage error
 * or out of memory. Strings are copied. Usage errors: a template's syntax, a
 * literal scheme other than http or https, and a literal scheme://authority
 * that no record's URL could get past (a port outside 1 to 65535, an empty
 * host, or one libcurl refuses). Messages quote the URL and headers with
 * what redact (borrowed, kept; NULL: the defaults) calls secret masked. */
struct request_spec *request_spec_new(const char *url, const char *const *headers, size_t nheaders,
                                      const char *body, int body_is_record, int allow_missing,
                                      const struct redact *redact, char *err, size_t errlen);
void request_spec_free(struct request_spec *s);

/* 1 if every URL the spec builds is one libcurl's parser takes, so that no
 * record's URL needs checking on its own (the spec checked the literal
 * scheme://authority when it was made); 0 if each must be checked. */
int request_spec_url_checked(const struct request_spec *s);

/* Header lines that are the same for every record (no {path} in them), or
 * NULL if some header is templated. */
const char *const *request_spec_static_headers(const struct request_spec *s, size_t *n);

/* 1 if the requests' bodies are JSON (a JSON template, or the record). */
int request_spec_body_is_json(const struct request_spec *s);

void request_init(struct request *r, size_t max_url);
void request_free(struct request *r);

/* Expand for the record rec[0..n) (a valid JSON object). Returns 0, or -1
 * with f filled (missing_field, bad_request). A path missing from the body
 * fails as missing_field, as in the URL; with allow_missing, an exact
 * "{path}" becomes null and a "{path}" in text becomes nothing. An exact
 * "{path}" whose value is null, [] or {} sends that value. */
int request_build(const struct request_spec *s, const char *rec, size_t n, struct request *r,
                  struct failure *f);

/* 1 if line starts with a valid header name and a colon ("Name: value"),
 * as request_spec_new requires of every header. */
int request_header_valid(const char *line);

/* Number of "." and ".." segments in the path of url (expressions already
 * replaced). Exposed for tests. */
size_t request_dot_segments(const char *url, size_t n);

#endif
