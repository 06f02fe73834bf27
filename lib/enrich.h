/* enrich: one HTTP lookup per NDJSON record, many in flight, results spliced
 * into the records byte-exact. This is the library's whole public surface:
 * cmd/ fills a struct enrich_options and calls enrich_run. */
#ifndef ENRICH_H
#define ENRICH_H

#include <stddef.h>

#define ENRICH_VERSION "0.1.0"

enum enrich_on_error { ENRICH_KEEP, ENRICH_DROP, ENRICH_FAIL };

/* Statuses an HTTP response may have to count as success (--ok). */
struct enrich_ok_set {
    unsigned char bits[1000 / 8];
};

struct enrich_options {
    const char *url;      /* RFC 6570 template (required) */
    const char *method;   /* NULL: GET */
    const char **headers; /* "Name: value" templates, nheaders of them */
    size_t nheaders;
    const char *into;        /* dotted path for the result; default "response" */
    const char *error_into;  /* dotted path for the error object; default "error" */
    struct enrich_ok_set ok; /* filled by enrich_parse_ok */
    int unordered;           /* write records as they complete */
    size_t capacity;         /* records held at once */
    long timeout_ms;         /* whole-record deadline from admission */
    long attempt_timeout_ms; /* one attempt; 0: none beyond timeout_ms */
    long connect_timeout_ms; /* 0: libcurl's default */
    int allow_missing;       /* RFC 6570 undefined semantics for missing vars */
    int follow_redirects;    /* -L */
    enum enrich_on_error on_error;
    const char *errors_path; /* --errors FILE or NULL */
    const char *output_path; /* -o FILE or NULL: stdout */
    int dry_run;
    int line_buffered;   /* flush each record; cmd sets it for a tty */
    int verbose;         /* one message per attempt */
    const char **inputs; /* FILE arguments; "-" is stdin; none: stdin */
    size_t ninputs;
    int signal_fd; /* read end of a self-pipe carrying signal numbers, or -1 */
    /* The largest response body accepted (--max-response-size, default
     * 64 MiB); a longer one fails the record as bad_response. */
    size_t max_response_size;
    /* Connections: the most open at once (--max-connections; 0: no bound
     * but the open-file limit's), the most to one host (scheme, host and
     * port; 0: no bound), and HTTP/2 without negotiation over cleartext. */
    size_t max_connections;
    size_t max_host_connections;
    int http2_prior_knowledge;
    /* Where messages go (one line each, no newline); cmd prints them. */
    void (*message)(void *ctx, const char *line);
    void *message_ctx;
};

/* How a run ended; cmd maps these to exit statuses. */
enum enrich_status {
    ENRICH_OK = 0,      /* every record succeeded */
    ENRICH_SOME_FAILED, /* some records failed */
    ENRICH_USAGE,       /* bad template, unreadable file, ...: nothing sent */
    ENRICH_ABORTED,     /* --on-error fail, write error, out of memory */
    ENRICH_BROKEN_PIPE, /* the reader of the output went away */
    ENRICH_INTERRUPTED  /* a signal stopped the run (see enrich_run) */
};

/* Set the defaults of every option (capacity 100, timeout 30s, ...). */
void enrich_options_init(struct enrich_options *o);

/* Parse an --ok list ("2xx,404") into set. Returns 0, or -1 if invalid. */
int enrich_parse_ok(const char *text, struct enrich_ok_set *set);
/* 1 if status is in set. */
int enrich_ok_has(const struct enrich_ok_set *set, long status);
/* Parse a duration into milliseconds, a fraction of a millisecond rounded
 * up: a decimal number ("2", "1.5", ".5"; no sign, exponent or hex) followed
 * by a unit h, m, s or ms, or several such in decreasing order, each unit at
 * most once ("1h30m", "1m30s", "1s500ms"); a bare number alone is seconds.
 * At most 10^12 ms. Returns 0, or -1 if invalid. */
int enrich_parse_duration(const char *text, long *ms);
/* The largest --max-response-size: 64 GiB. */
#define ENRICH_MAX_SIZE ((size_t)64 << 30)
/* Parse a size in bytes: decimal digits with an optional suffix K, M or G
 * (or k, m, g: powers of 1024), from 1 byte to ENRICH_MAX_SIZE ("512K",
 * "64M", "1G", "1000"). Returns 0, or -1 if invalid (*bytes untouched). */
int enrich_parse_size(const char *text, size_t *bytes);

/* Run the filter. Usage problems (bad template, unreadable input) are
 * reported through o->message before any request is sent. When the status is
 * ENRICH_INTERRUPTED, *signal_number (if not NULL) says which signal. */
enum enrich_status enrich_run(const struct enrich_options *o, int *signal_number);

/* libcurl's version string, for --version. */
const char *enrich_curl_version(void);

#endif
