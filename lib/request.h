/* Turning a record into an HTTP request: the URL template and header
 * templates are compiled once; request_build expands them per record and
 * refuses what must never be sent (holes, header injection, path climbing,
 * schemes other than http and https). No I/O. */
#ifndef ENRICH_REQUEST_H
#define ENRICH_REQUEST_H

#include <stddef.h>

#include "buf.h"
#include "failure.h"

struct request_spec; /* opaque */

/* One record's request. Reused across records: request_reset keeps memory. */
struct request {
    struct buf url;
    struct buf header_text; /* header lines, each NUL-terminated */
    const char **headers;   /* pointers into header_text */
    size_t nheaders;
    size_t headers_cap;
};

/* Compile the templates. Returns NULL with a one-line message in err (size
 * errlen) on a usage error or out of memory. Strings are copied. Usage
 * errors: a template's syntax, a literal scheme other than http or https,
 * and a literal scheme://authority that no record's URL could get past (a
 * port outside 1 to 65535, an empty host, or one libcurl refuses). */
struct request_spec *request_spec_new(const char *url, const char *const *headers, size_t nheaders,
                                      int allow_missing, char *err, size_t errlen);
void request_spec_free(struct request_spec *s);

/* Header lines that are the same for every record (no {path} in them), or
 * NULL if some header is templated. */
const char *const *request_spec_static_headers(const struct request_spec *s, size_t *n);

void request_init(struct request *r, size_t max_url);
void request_free(struct request *r);

/* Expand for the record rec[0..n) (a valid JSON object). Returns 0, or -1
 * with f filled (missing_field, bad_request). */
int request_build(const struct request_spec *s, const char *rec, size_t n, struct request *r,
                  struct failure *f);

/* Append a header line for display, with the values of Authorization,
 * Proxy-Authorization and Cookie replaced by "***" (and libcurl's "Name;"
 * for an empty value shown as "Name: "). */
int request_redact_header(const char *line, struct buf *out);
/* Append a URL for display, any password in its userinfo replaced by "***". */
int request_redact_url(const char *url, struct buf *out);

/* Number of "." and ".." segments in the path of url (expressions already
 * replaced). Exposed for tests. */
size_t request_dot_segments(const char *url, size_t n);

#endif
