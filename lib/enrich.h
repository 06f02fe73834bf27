/* enrich: one HTTP lookup per NDJSON record, many in flight, results spliced
 * into the records byte-exact. This is the library's whole public surface:
 * cmd/ fills a struct enrich_options and calls enrich_run. */
#ifndef ENRICH_H
#define ENRICH_H

#include <stddef.h>

#define ENRICH_VERSION "0.1.0"

enum enrich_on_error { ENRICH_KEEP, ENRICH_DROP, ENRICH_FAIL };

/* A set of HTTP statuses: those that count as success (--ok), those that
 * are retried (--retry-on). */
struct enrich_ok_set {
    unsigned char bits[1000 / 8];
};

/* Which failures are retried (--retry-on); lib/retry.h fills and reads it. */
struct enrich_retry_on {
    unsigned kinds;                /* bit 1u << (enum fail_kind) per kind retried */
    struct enrich_ok_set statuses; /* http failures retried, by status */
    int empty;                     /* a success whose result is empty */
};

enum enrich_backoff { ENRICH_BACKOFF_EXPONENTIAL, ENRICH_BACKOFF_FIXED };

/* --progress: not at all, when standard error is a terminal, or always. */
enum enrich_progress { ENRICH_PROGRESS_NONE, ENRICH_PROGRESS_TTY, ENRICH_PROGRESS_ALWAYS };
/* --stats-format */
enum enrich_stats_format { ENRICH_STATS_JSON, ENRICH_STATS_PROMETHEUS };

/* The retry policy (-r and the options after it in --help); lib/retry.h
 * decides with it. */
struct enrich_retry {
    int max_retries; /* retries after the first attempt, 0 to 1000 */
    enum enrich_backoff backoff;
    long delay_ms;     /* the first retry's delay */
    long max_delay_ms; /* no delay is longer */
    double multiplier; /* exponential: each delay is the one before times this (>= 1) */
    int jitter;        /* full jitter: each delay uniform in [0, the computed one] */
    struct enrich_retry_on on;
};

struct enrich_options {
    const char *url;      /* RFC 6570 template (required) */
    const char *method;   /* NULL: GET, or POST when there is a body */
    const char **headers; /* "Name: value" templates, nheaders of them */
    size_t nheaders;
    const char *data;       /* -d: the body template, or NULL (see request.h) */
    int data_record;        /* --data-record: the body is the record's own line */
    const char *into;       /* dotted path for the result; default "response" */
    const char *error_into; /* dotted path for the error object; default "error" */
    /* How a successful response is shaped (SPEC section 3). select: a dotted
     * path into the JSON response (array indexes allowed) whose value is the
     * result, or NULL for the whole body. merge: the result's members go to
     * the record's top level instead of at into. meta: a dotted path for
     * {"status":..,"attempts":..,"ms":..} on each successful record, or NULL. */
    const char *select;
    int merge;
    const char *meta;
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
    /* --checkpoint FILE or NULL; argv, argc: the command's words, which its
     * fingerprint is made of. */
    const char *checkpoint_path;
    const char *const *argv;
    size_t argc;
    int dry_run;
    int line_buffered;   /* flush each record; cmd sets it for a tty */
    int verbose;         /* one message per attempt */
    const char **inputs; /* FILE arguments; "-" is stdin; none: stdin */
    size_t ninputs;
    int signal_fd; /* read end of a self-pipe carrying signal numbers, or -1 */
    /* The largest response body accepted (--max-response-size, default
     * 64 MiB); a longer one fails the record as bad_response. */
    size_t max_response_size;
    struct enrich_retry retry;
    double rate_per_ms; /* --rate: request starts per millisecond; 0: no limit */
    size_t burst;       /* --burst: starts the rate allows at once (default 1) */
    /* --window: completed records ordered mode holds beyond --capacity; 0:
     * none, they count against capacity (Flink). Unless window_set, the
     * engine chooses. */
    size_t window;
    int window_set;
    /* --max-failures: stop the run once this many records failed (0: no
     * limit), or max_failures_percent of at least 100 (0: not a percentage). */
    unsigned long max_failures;
    double max_failures_percent;
    /* --progress as given; cmd decides from it (and isatty) where the
     * status line goes: progress_fd, or -1 for nowhere. The library draws
     * only on progress_fd and never guesses. */
    enum enrich_progress progress;
    int progress_fd;
    /* --stats: at exit, even after a signal or an abort, write the run's
     * statistics as stats_format into stats_path (replaced atomically) or,
     * when it is NULL, onto stats_fd (cmd: standard error). */
    int stats;
    const char *stats_path;
    int stats_fd;
    enum enrich_stats_format stats_format;
    /* Connections: the most open at once (--max-connections; 0: no bound
     * but the open-file limit's), the most to one host (scheme, host and
     * port; 0: no bound), and HTTP/2 without negotiation over cleartext. */
    size_t max_connections;
    size_t max_host_connections;
    int http2_prior_knowledge;
    /* Credentials and redaction. At most one of user ("USER:PASSWORD", basic
     * auth), bearer (an OAuth 2 bearer token) and netrc_file (a .netrc whose
     * entry for the request's host libcurl uses); libcurl sends them only to
     * the host of the URL, not to another that a redirect names. redact:
     * names --redact adds to the secret ones (redact.h). secrets: copies of
     * what cmd read from files and the environment, which it owns. */
    const char *user;
    const char *bearer;
    const char *netrc_file;
    const char **redact;
    size_t nredact;
    char **secrets;
    size_t nsecrets;
    /* TLS, as curl's options of the same names; NULL or 0: libcurl's
     * defaults (the system's CAs, the server verified). Files are checked
     * to be readable before anything is read (a usage error otherwise). */
    const char *cacert;        /* --cacert FILE: the CAs trusted instead of the system's */
    const char *capath;        /* --capath DIR: hashed CA certificates */
    int insecure;              /* -k: the server's certificate and name are not checked */
    const char *cert;          /* -E FILE: the client certificate (PEM) */
    const char *cert_password; /* -E FILE:PASS: the client key's passphrase, or NULL */
    const char *key;           /* --key FILE: the client key, when not in cert's file */
    /* Proxies: -x URL for every request ("": none), else the environment's
     * (http_proxy, https_proxy, all_proxy); --noproxy LIST of hosts reached
     * directly, else no_proxy's. NULL: not given. */
    const char *proxy;
    const char *noproxy;
    /* --cache: the most responses kept (0: no cache, no coalescing);
     * --cache-ttl: the oldest one used (0: no limit). See lib/cache.h. */
    size_t cache;
    long cache_ttl_ms;
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

/* The largest --cache. */
#define ENRICH_CACHE_MAX 1000000

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
/* Parse a decimal number: digits with an optional fraction ("2", "1.5",
 * ".5"; no sign, exponent, spaces or hex), at most 10^12. Returns 0, or -1 if
 * invalid (*value untouched). */
int enrich_parse_number(const char *text, double *value);
/* Parse a --rate: a number greater than zero (as enrich_parse_number), alone
 * (per second) or followed by /s, /m or /h, into starts per millisecond.
 * Returns 0, or -1 if invalid (*per_ms untouched). */
int enrich_parse_rate(const char *text, double *per_ms);
/* Parse --max-failures: a count "N" (1 to 10^9) into *count, with *percent
 * set to 0, or a percentage "N%" (N a number, 0 < N <= 100) into *percent,
 * with *count set to 0. Returns 0, or -1 if invalid (both untouched). */
int enrich_parse_max_failures(const char *text, unsigned long *count, double *percent);

/* Run the filter. Usage problems (bad template, unreadable input) are
 * reported through o->message before any request is sent. When the status is
 * ENRICH_INTERRUPTED, *signal_number (if not NULL) says which signal. */
enum enrich_status enrich_run(const struct enrich_options *o, int *signal_number);

/* libcurl's version string, for --version. */
const char *enrich_curl_version(void);

#endif
