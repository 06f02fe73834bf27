/* What enrich never prints: the values of headers and query parameters
 * whose names look secret, and the userinfo of URLs. Every place that shows
 * a request (-v, --dry-run, error messages) goes through here. Pure: no I/O.
 *
 * A name is secret when it contains, ignoring case, one of key, token,
 * secret, password, passwd, auth, session or signature, or one of the
 * names given with --redact; or when it is Cookie or Set-Cookie. Over-
 * masking a harmless name costs a line of output; missing a key leaks it. */
#ifndef ENRICH_REDACT_H
#define ENRICH_REDACT_H

#include <stddef.h>

#include "buf.h"

/* What a secret value is shown as. */
#define REDACT_MARK "***"

/* The names --redact adds (matched as the defaults are: a substring,
 * ignoring case), borrowed. NULL or a zeroed struct: the defaults alone. */
struct redact {
    const char *const *names;
    size_t nnames;
};

/* 1 if the header or parameter name[0..n) is secret. */
int redact_is_secret(const struct redact *r, const char *name, size_t n);

/* Append the header line ("Name: value", or libcurl's "Name;" for an empty
 * value, shown "Name: ") with a secret value replaced by REDACT_MARK.
 * Returns 0, -1 when out does not take it. */
int redact_header(const struct redact *r, const char *line, struct buf *out);

/* Append url with its userinfo's password replaced by REDACT_MARK
 * ("user:***@host"; a userinfo without a password, often a token, goes
 * whole: "***@host"), and the values of secret query and fragment
 * parameters ("?api_key=***&x=1"). A parameter's name is compared
 * percent-decoded. Returns 0, -1 when out does not take it. */
int redact_url(const struct redact *r, const char *url, struct buf *out);

/* Append text (a message, perhaps libcurl's) with every http:// or https://
 * URL in it redacted as by redact_url; a URL ends at white space or a quote.
 * Returns 0, -1 when out does not take it. */
int redact_text(const struct redact *r, const char *text, struct buf *out);

#endif
