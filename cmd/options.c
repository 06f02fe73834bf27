/* Option parsing for enrich; see options.h. The table below is the single
 * source of truth for the options that exist. */
#include "options.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "request.h"
#include "retry.h"
#include "secret.h"
#include "splice.h"

enum {
    OPT_OK = 256,
    OPT_SELECT,
    OPT_MERGE,
    OPT_META,
    OPT_ERROR_INTO,
    OPT_ON_ERROR,
    OPT_ATTEMPT_TIMEOUT,
    OPT_CONNECT_TIMEOUT,
    OPT_MAX_RESPONSE_SIZE,
    OPT_MAX_CONNECTIONS,
    OPT_MAX_HOST_CONNECTIONS,
    OPT_HTTP2_PRIOR_KNOWLEDGE,
    OPT_ORDERED,
    OPT_ALLOW_MISSING,
    OPT_DRY_RUN,
    OPT_LINE_BUFFERED,
    OPT_BACKOFF,
    OPT_RETRY_DELAY,
    OPT_RETRY_MAX_DELAY,
    OPT_RETRY_MULTIPLIER,
    OPT_JITTER,
    OPT_RETRY_ON,
    OPT_RATE,
    OPT_BURST,
    OPT_WINDOW,
    OPT_MAX_FAILURES,
    OPT_DATA_RECORD,
    OPT_PROGRESS,
    OPT_STATS,
    OPT_STATS_FORMAT,
    OPT_CHECKPOINT,
    /* TLS and proxies */
    OPT_CACERT,
    OPT_CAPATH,
    OPT_KEY,
    OPT_NOPROXY,
    OPT_CACHE,
    OPT_CACHE_TTL,
    OPT_LIST_OPTIONS,
    /* credentials */
    OPT_USER,
    OPT_USER_FILE,
    OPT_NETRC,
    OPT_NETRC_FILE,
    OPT_OAUTH2_BEARER,
    OPT_REDACT,
};

struct cli_option {
    const char *name;
    int has_arg;
    int val; /* the short letter, or an OPT_ id */
    const char *arg;
    const char *help;
};

static const struct cli_option table[] = {
    {"url", required_argument, 'u', "TEMPLATE",
     "RFC 6570 URL template over record paths (required)"},
    {"method", required_argument, 'X', "METHOD", "HTTP method (default GET, or POST with a body)"},
    {"header", required_argument, 'H', "'NAME: VALUE'|@FILE",
     "add a header, {path} substituted (@FILE: one a line)"},
    /* credentials */
    {"user", required_argument, OPT_USER, "USER:PASSWORD",
     "basic auth (prefer --user-file: ps shows this)"},
    {"user-file", required_argument, OPT_USER_FILE, "FILE",
     "basic auth with USER:PASSWORD, the first line of FILE"},
    {"oauth2-bearer", required_argument, OPT_OAUTH2_BEARER, "TOKEN|@FILE|env:NAME",
     "Authorization: Bearer TOKEN"},
    {"netrc", no_argument, OPT_NETRC, NULL, "basic auth from the host's entry in ~/.netrc"},
    {"netrc-file", required_argument, OPT_NETRC_FILE, "FILE", "as --netrc, from FILE"},
    {"redact", required_argument, OPT_REDACT, "NAME",
     "also hide values of headers and parameters named *NAME*"},
    {"data", required_argument, 'd', "TEMPLATE",
     "send a body (POST); JSON keeps \"{path}\" values' types"},
    {"data-record", no_argument, OPT_DATA_RECORD, NULL,
     "send the input record itself as a JSON body (POST)"},
    {"into", required_argument, 'i', "PATH", "where the response goes (default response)"},
    {"select", required_argument, OPT_SELECT, "PATH",
     "keep only this path of the JSON response (data.user)"},
    {"merge", no_argument, OPT_MERGE, NULL, "merge an object result into the record's top level"},
    {"meta", required_argument, OPT_META, "PATH",
     "also add {\"status\":..,\"attempts\":..,\"ms\":..} at PATH"},
    {"ok", required_argument, OPT_OK, "LIST", "statuses that succeed, e.g. 2xx,404 (default 2xx)"},
    {"max-response-size", required_argument, OPT_MAX_RESPONSE_SIZE, "SIZE",
     "largest response body accepted, e.g. 512K, 1G (default 64M)"},
    {"max-connections", required_argument, OPT_MAX_CONNECTIONS, "N",
     "most connections open at once (default: the open-file limit)"},
    {"max-host-connections", required_argument, OPT_MAX_HOST_CONNECTIONS, "N",
     "most connections open at once to one host (default: no limit)"},
    {"http2-prior-knowledge", no_argument, OPT_HTTP2_PRIOR_KNOWLEDGE, NULL,
     "speak HTTP/2 at once to http:// URLs (h2c, no upgrade)"},
    /* TLS and proxies */
    {"cacert", required_argument, OPT_CACERT, "FILE",
     "trust the CA certificates in FILE (PEM), not the system's"},
    {"capath", required_argument, OPT_CAPATH, "DIR",
     "trust the CA certificates in DIR (made by openssl rehash)"},
    {"insecure", no_argument, 'k', NULL, "do not verify the server's certificate (warns)"},
    {"cert", required_argument, 'E', "FILE[:PASS]",
     "client certificate (PEM), its key's passphrase after a colon"},
    {"key", required_argument, OPT_KEY, "FILE", "client key (PEM) when not in --cert's file"},
    {"proxy", required_argument, 'x', "URL", "send every request through this proxy"},
    {"noproxy", required_argument, OPT_NOPROXY, "LIST",
     "hosts reached without a proxy, comma-separated, or *"},
    {"allow-missing", no_argument, OPT_ALLOW_MISSING, NULL,
     "omit missing template variables instead of failing the record"},
    {"location", no_argument, 'L', NULL, "follow redirects (http and https only)"},
    {"capacity", required_argument, 'c', "N", "most records held at once (default 100)"},
    {"ordered", no_argument, OPT_ORDERED, NULL, "write records in input order (default)"},
    {"unordered", no_argument, 'U', NULL, "write records as they complete"},
    {"timeout", required_argument, 't', "DUR", "deadline for a whole record (default 30s)"},
    {"attempt-timeout", required_argument, OPT_ATTEMPT_TIMEOUT, "DUR", "deadline for one attempt"},
    {"connect-timeout", required_argument, OPT_CONNECT_TIMEOUT, "DUR",
     "deadline for connecting (fails as connect)"},
    {"retry", required_argument, 'r', "N", "retries after a failed attempt, 0 to 1000 (default 0)"},
    {"backoff", required_argument, OPT_BACKOFF, "fixed|exponential",
     "how retry delays grow (default exponential)"},
    {"retry-delay", required_argument, OPT_RETRY_DELAY, "DUR",
     "delay before the first retry (default 100ms)"},
    {"retry-max-delay", required_argument, OPT_RETRY_MAX_DELAY, "DUR",
     "longest delay before a retry (default 10s)"},
    {"retry-multiplier", required_argument, OPT_RETRY_MULTIPLIER, "F",
     "exponential: each delay F times the one before (default 2)"},
    {"jitter", no_argument, OPT_JITTER, NULL, "wait a random part of each retry delay"},
    {"retry-on", required_argument, OPT_RETRY_ON, "LIST",
     "failures retried (default " RETRY_ON_DEFAULT ")"},
    {"rate", required_argument, OPT_RATE, "N[/s|/m|/h]",
     "at most N request starts a second (minute, hour)"},
    {"burst", required_argument, OPT_BURST, "N",
     "request starts --rate allows at once (default 1)"},
    {"window", required_argument, OPT_WINDOW, "N",
     "ordered mode: finished records held beyond --capacity"},
    {"max-failures", required_argument, OPT_MAX_FAILURES, "N|N%",
     "stop the run once N records (or N% of 100 or more) failed"},
    {"cache", required_argument, OPT_CACHE, "N",
     "keep the last N distinct responses; identical requests share one"},
    {"cache-ttl", required_argument, OPT_CACHE_TTL, "DUR",
     "with --cache: do not use a response older than DUR"},
    {"on-error", required_argument, OPT_ON_ERROR, "keep|drop|fail",
     "what to do with a failed record (default keep)"},
    {"error-into", required_argument, OPT_ERROR_INTO, "PATH",
     "where the error object goes (default error)"},
    {"errors", required_argument, 'e', "FILE", "append every failed input line to FILE"},
    {"output", required_argument, 'o', "FILE", "write to FILE instead of stdout"},
    {"checkpoint", required_argument, OPT_CHECKPOINT, "FILE",
     "with -o: commit progress to FILE; run again to resume after a crash"},
    {"line-buffered", no_argument, OPT_LINE_BUFFERED, NULL, "flush after every record"},
    {"dry-run", no_argument, OPT_DRY_RUN, NULL, "print the requests as NDJSON, send nothing"},
    {"verbose", no_argument, 'v', NULL, "one line on stderr per attempt"},
    {"progress", optional_argument, OPT_PROGRESS, "always",
     "a live status line on stderr when it is a terminal (or always)"},
    {"stats", optional_argument, OPT_STATS, "FILE",
     "at exit, the run's statistics on stderr (or into FILE, atomically)"},
    {"stats-format", required_argument, OPT_STATS_FORMAT, "json|prometheus",
     "how --stats writes them (default json)"},
    {"help", no_argument, 'h', NULL, "show this help and exit"},
    {"version", no_argument, 'V', NULL, "show the version and exit"},
};

#define NOPTIONS (sizeof(table) / sizeof(table[0]))

void cli_help(FILE *f)
{
    fputs("Usage: enrich --url TEMPLATE [OPTION]... [FILE]...\n"
          "Read NDJSON records from FILEs (or stdin), make one HTTP request per record,\n"
          "many at once, and write each record with the response merged in.\n\n",
          f);
    for (size_t i = 0; i < NOPTIONS; i++) {
        const struct cli_option *c = &table[i];
        char left[64];
        int n = c->val < 256 ? snprintf(left, sizeof(left), "  -%c, --%s", c->val, c->name)
                             : snprintf(left, sizeof(left), "      --%s", c->name);
        if (c->arg && c->has_arg == optional_argument)
            snprintf(left + n, sizeof(left) - (size_t)n, "[=%s]", c->arg);
        else if (c->arg)
            snprintf(left + n, sizeof(left) - (size_t)n, " %s", c->arg);
        fprintf(f, "%-36s %s\n", left, c->help);
    }
    fputs("\nDUR is a number with a unit ms, s, m or h (250ms, 2s, 1.5m), units combined\n"
          "from largest to smallest (1h30m, 1s500ms), or a bare number of seconds.\n"
          "Exit status: 0 all records succeeded, 1 some failed, 2 usage error,\n"
          "3 aborted, 141 output closed, 130/143 interrupted. See enrich(1).\n",
          f);
}

void cli_list_options(FILE *f)
{
    for (size_t i = 0; i < NOPTIONS; i++)
        fprintf(f, "%s\n", table[i].name);
}

static int usage(const char *fmt, const char *a, const char *b)
{
    fputs("enrich: ", stderr);
    fprintf(stderr, fmt, a, b);
    fputs("\nTry 'enrich --help' for more information.\n", stderr);
    return -1;
}

/* A whole number from min to max into *out. */
static int parse_whole(const char *name, const char *text, long long min, long long max,
                       long long *out)
{
    errno = 0;
    char *end;
    long long v = strtoll(text, &end, 10);
    if (errno || *end || end == text || v < min || v > max) {
        char fmt[128];
        snprintf(fmt, sizeof(fmt), "--%%s: expected a number from %lld to %lld, got '%%s'", min,
                 max);
        return usage(fmt, name, text);
    }
    *out = v;
    return 0;
}

static int parse_count(const char *name, const char *text, size_t *out)
{
    long long v;
    if (parse_whole(name, text, 1, 1000000, &v) < 0)
        return -1;
    *out = (size_t)v;
    return 0;
}

/* A duration, above zero unless zero_ok. */
static int parse_duration_from(const char *name, const char *text, int zero_ok, long *ms)
{
    long v;
    if (enrich_parse_duration(text, &v) < 0 || (v == 0 && !zero_ok))
        return usage("--%s: expected a duration like 250ms, 2s, 1.5m or 1h30m, got '%s'", name,
                     text);
    *ms = v;
    return 0;
}

static int parse_duration(const char *name, const char *text, long *ms)
{
    return parse_duration_from(name, text, 0, ms);
}

static int valid_path(const char *p)
{
    return splice_path_valid(p, strlen(p));
}

static int parse_method(const char *text)
{
    for (const char *p = text; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || *p == '-' || *p == '_'))
            return usage("--method: not a valid HTTP method: '%s'%s", text, "");
    return *text ? 0 : usage("--method: empty%s%s", "", "");
}

static int parse_backoff(const char *text, enum enrich_backoff *backoff)
{
    if (strcmp(text, "fixed") == 0)
        *backoff = ENRICH_BACKOFF_FIXED;
    else if (strcmp(text, "exponential") == 0)
        *backoff = ENRICH_BACKOFF_EXPONENTIAL;
    else
        return usage("--backoff: expected fixed or exponential, got '%s'%s", text, "");
    return 0;
}

static int parse_multiplier(const char *text, double *multiplier)
{
    double v;
    if (enrich_parse_number(text, &v) < 0 || v < 1)
        return usage("--retry-multiplier: expected a number of at least 1, like 2 or 1.5, got "
                     "'%s'%s",
                     text, "");
    *multiplier = v;
    return 0;
}

/* Keep s (allocated) for the run: cli_free frees it. NULL: out of memory. */
static char *keep(struct enrich_options *o, char *s)
{
    if (!s)
        return NULL;
    char **more = realloc(o->secrets, (o->nsecrets + 1) * sizeof(*more));
    if (!more) {
        free(s);
        return NULL;
    }
    o->secrets = more;
    o->secrets[o->nsecrets++] = s;
    return s;
}

/* Overwrite a secret given on the command line, as curl does, so that ps
 * shows it only until enrich starts. The checkpoint fingerprint, made of argv
 * afterwards, does not hold it either. */
static void blank(char *arg)
{
    memset(arg, '*', strlen(arg));
}

/* -E FILE[:PASS] as curl reads it: the first colon not escaped by a
 * backslash ends the file name (in which "\:" is a colon and "\\" a
 * backslash), and the rest is the key's passphrase. A PKCS#11 URI is taken
 * whole. arg points into argv: the name is unescaped in place, and the
 * passphrase is copied and blanked out, so that ps does not show it (as
 * curl does). */
static int parse_cert(struct enrich_options *o, char *arg)
{
    o->cert = arg;
    o->cert_password = NULL;
    if (strncasecmp(arg, "pkcs11:", 7) == 0)
        return 0;
    char *w = arg, *r = arg;
    for (; *r && *r != ':'; r++) {
        if (*r == '\\' && (r[1] == ':' || r[1] == '\\'))
            r++;
        *w++ = *r;
    }
    char *pass = *r == ':' ? r + 1 : NULL;
    *w = '\0';
    if (!*arg)
        return usage("--cert: no file name%s%s", "", "");
    if (!pass)
        return 0;
    if (!(o->cert_password = keep(o, strdup(pass))))
        return usage("out of memory%s%s", "", "");
    blank(pass);
    return 0;
}

/* TLS and proxy options; apply_seeing hands them on. optarg points into
 * argv, which -E changes. */
static int apply_tls(struct enrich_options *o, int val, char *arg)
{
    switch (val) {
    case OPT_CACERT: o->cacert = arg; return 0;
    case OPT_CAPATH: o->capath = arg; return 0;
    case 'k': o->insecure = 1; return 0;
    case 'E': return parse_cert(o, arg);
    case OPT_KEY: o->key = arg; return 0;
    case 'x': o->proxy = arg; return 0;
    case OPT_NOPROXY: o->noproxy = arg; return 0;
    default: return usage("unknown option%s%s", "", "");
    }
}

/* --progress, --stats and --stats-format; apply hands them on. */
static int apply_seeing(struct enrich_options *o, int val, const char *arg)
{
    switch (val) {
    case OPT_PROGRESS:
        if (arg && strcmp(arg, "always") != 0)
            return usage("--progress: expected nothing or =always, got '%s'%s", arg, "");
        o->progress = arg ? ENRICH_PROGRESS_ALWAYS : ENRICH_PROGRESS_TTY;
        return 0;
    case OPT_STATS:
        if (arg && !*arg)
            return usage("--stats: empty file name%s%s", "", "");
        o->stats = 1;
        o->stats_path = arg;
        return 0;
    case OPT_STATS_FORMAT:
        if (strcmp(arg, "json") == 0)
            o->stats_format = ENRICH_STATS_JSON;
        else if (strcmp(arg, "prometheus") == 0)
            o->stats_format = ENRICH_STATS_PROMETHEUS;
        else
            return usage("--stats-format: expected json or prometheus, got '%s'%s", arg, "");
        return 0;
    default: return apply_tls(o, val, (char *)arg);
    }
}

/* --cache and --cache-ttl: the lookup cache. */
static int apply_cache(struct enrich_options *o, int val, const char *arg)
{
    long long v;
    if (val == OPT_CACHE_TTL)
        return parse_duration("cache-ttl", arg, &o->cache_ttl_ms);
    if (parse_whole("cache", arg, 0, ENRICH_CACHE_MAX, &v) < 0)
        return -1;
    o->cache = (size_t)v;
    return 0;
}

/* A TTL bounds cached responses: without a cache it would be a mistake unseen. */
static enum cli_result check_cache(const struct enrich_options *o)
{
    if (o->cache_ttl_ms > 0 && o->cache == 0)
        return usage("--cache-ttl needs --cache N (N responses kept)%s%s", "", ""), CLI_USAGE;
    return CLI_RUN;
}

/* Options for retries and flow control; apply hands them on. */
static int apply_retry(struct enrich_options *o, int val, const char *arg)
{
    long long v;
    switch (val) {
    case 'r':
        if (parse_whole("retry", arg, 0, 1000, &v) < 0)
            return -1;
        o->retry.max_retries = (int)v;
        return 0;
    case OPT_BACKOFF: return parse_backoff(arg, &o->retry.backoff);
    case OPT_RETRY_DELAY: return parse_duration_from("retry-delay", arg, 1, &o->retry.delay_ms);
    case OPT_RETRY_MAX_DELAY:
        return parse_duration_from("retry-max-delay", arg, 1, &o->retry.max_delay_ms);
    case OPT_RETRY_MULTIPLIER: return parse_multiplier(arg, &o->retry.multiplier);
    case OPT_JITTER: o->retry.jitter = 1; return 0;
    case OPT_RETRY_ON:
        if (retry_on_parse(arg, &o->retry.on) < 0)
            return usage("--retry-on: expected a list of connect, timeout, tls, resource, 4xx, "
                         "5xx, status codes, empty or all, got '%s'%s",
                         arg, "");
        return 0;
    case OPT_RATE:
        if (enrich_parse_rate(arg, &o->rate_per_ms) < 0)
            return usage("--rate: expected a number above 0, alone or per unit like 10/s, 600/m "
                         "or 0.5/h, got '%s'%s",
                         arg, "");
        return 0;
    case OPT_BURST: return parse_count("burst", arg, &o->burst);
    case OPT_WINDOW:
        if (parse_whole("window", arg, 0, 1000000, &v) < 0)
            return -1;
        o->window = (size_t)v;
        o->window_set = 1;
        return 0;
    case OPT_CACHE:
    case OPT_CACHE_TTL: return apply_cache(o, val, arg);
    case OPT_MAX_FAILURES:
        if (enrich_parse_max_failures(arg, &o->max_failures, &o->max_failures_percent) < 0)
            return usage("--max-failures: expected a number of records like 10, or a percentage "
                         "like 5%%, got '%s'%s",
                         arg, "");
        return 0;
    default: return apply_seeing(o, val, arg);
    }
}

static int apply(struct enrich_options *o, int val, const char *arg)
{
    switch (val) {
    case 'u': o->url = arg; return 0;
    case 'X': o->method = arg; return parse_method(arg);
    case 'H': o->headers[o->nheaders++] = arg; return 0;
    case 'd': o->data = arg; return 0;
    case OPT_DATA_RECORD: o->data_record = 1; return 0;
    case 'i':
        o->into = arg;
        return valid_path(arg) ? 0 : usage("--into: not a valid path: '%s'%s", arg, "");
    case OPT_SELECT:
        o->select = arg;
        return valid_path(arg) ? 0 : usage("--select: not a valid path: '%s'%s", arg, "");
    case OPT_MERGE: o->merge = 1; return 0;
    case OPT_META:
        o->meta = arg;
        return valid_path(arg) ? 0 : usage("--meta: not a valid path: '%s'%s", arg, "");
    case OPT_ERROR_INTO:
        o->error_into = arg;
        return valid_path(arg) ? 0 : usage("--error-into: not a valid path: '%s'%s", arg, "");
    case OPT_OK:
        if (enrich_parse_ok(arg, &o->ok) < 0)
            return usage("--ok: expected a list like 2xx,404, got '%s'%s", arg, "");
        return 0;
    case OPT_MAX_RESPONSE_SIZE:
        if (enrich_parse_size(arg, &o->max_response_size) < 0)
            return usage("--max-response-size: expected 1 to 64G, like 512K or 1G, got '%s'%s", arg,
                         "");
        return 0;
    case OPT_MAX_CONNECTIONS: return parse_count("max-connections", arg, &o->max_connections);
    case OPT_MAX_HOST_CONNECTIONS:
        return parse_count("max-host-connections", arg, &o->max_host_connections);
    case OPT_HTTP2_PRIOR_KNOWLEDGE: o->http2_prior_knowledge = 1; return 0;
    case OPT_ALLOW_MISSING: o->allow_missing = 1; return 0;
    case 'L': o->follow_redirects = 1; return 0;
    case 'c': return parse_count("capacity", arg, &o->capacity);
    case OPT_ORDERED: o->unordered = 0; return 0;
    case 'U': o->unordered = 1; return 0;
    case 't': return parse_duration("timeout", arg, &o->timeout_ms);
    case OPT_ATTEMPT_TIMEOUT: return parse_duration("attempt-timeout", arg, &o->attempt_timeout_ms);
    case OPT_CONNECT_TIMEOUT: return parse_duration("connect-timeout", arg, &o->connect_timeout_ms);
    case OPT_ON_ERROR:
        if (strcmp(arg, "keep") == 0)
            o->on_error = ENRICH_KEEP;
        else if (strcmp(arg, "drop") == 0)
            o->on_error = ENRICH_DROP;
        else if (strcmp(arg, "fail") == 0)
            o->on_error = ENRICH_FAIL;
        else
            return usage("--on-error: expected keep, drop or fail, got '%s'%s", arg, "");
        return 0;
    case 'e': o->errors_path = arg; return 0;
    case 'o': o->output_path = arg; return 0;
    case OPT_CHECKPOINT: o->checkpoint_path = arg; return 0;
    case OPT_LINE_BUFFERED: o->line_buffered = 1; return 0;
    case OPT_DRY_RUN: o->dry_run = 1; return 0;
    case 'v': o->verbose = 1; return 0;
    default: return apply_retry(o, val, arg);
    }
}

/* getopt_long's tables, built from ours. */
static void build_getopt(struct option *longs, char *shorts)
{
    size_t s = 0;
    /* No leading '+': options may follow a FILE, as with GNU tools (getopt
     * permutes argv; POSIXLY_CORRECT restores POSIX's rule, and "--" ends
     * the options either way). */
    shorts[s++] = ':'; /* report a missing argument distinctly */
    for (size_t i = 0; i < NOPTIONS; i++) {
        longs[i] = (struct option){table[i].name, table[i].has_arg, NULL, table[i].val};
        if (table[i].val < 256) {
            shorts[s++] = (char)table[i].val;
            if (table[i].has_arg == required_argument)
                shorts[s++] = ':';
        }
    }
    longs[NOPTIONS] = (struct option){"list-options", no_argument, NULL, OPT_LIST_OPTIONS};
    longs[NOPTIONS + 1] = (struct option){0, 0, 0, 0};
    shorts[s] = '\0';
}

static int looks_like_url(const char *arg)
{
    return strncasecmp(arg, "http://", 7) == 0 || strncasecmp(arg, "https://", 8) == 0;
}

/* The body options agree with each other and with -X; with a body and no
 * -X, the method is POST. */
static enum cli_result settle_body(struct enrich_options *o)
{
    if (o->data && o->data_record)
        return usage("--data and --data-record: give one body, not both%s%s", "", ""), CLI_USAGE;
    if (!o->data && !o->data_record)
        return CLI_RUN;
    if (o->method && strcmp(o->method, "HEAD") == 0)
        return usage("--method HEAD sends no body: drop %s%s", o->data ? "--data" : "--data-record",
                     ""),
               CLI_USAGE;
    if (!o->method)
        o->method = "POST";
    return CLI_RUN;
}

/* A URL where a FILE goes is most likely a template missing its -u. The
 * messages do not quote it: it may hold a password. */
static enum cli_result require_url(const struct enrich_options *o)
{
    int url_like = 0, missing_url_like = 0;
    for (size_t i = 0; i < o->ninputs; i++) {
        if (!looks_like_url(o->inputs[i]))
            continue;
        url_like = 1;
        if (access(o->inputs[i], F_OK) < 0 && errno == ENOENT)
            missing_url_like = 1;
    }
    static const char hint[] = "did you mean -u URL?";
    if (!o->url)
        return usage("--url is required%s%s",
                     url_like ? "; a FILE argument looks like a URL: " : "", url_like ? hint : ""),
               CLI_USAGE;
    if (missing_url_like)
        return usage("a FILE argument looks like a URL and does not exist: %s%s", hint, ""),
               CLI_USAGE;
    return CLI_RUN;
}

/* The val of the long option arg ("--name" or "--name=value", name possibly
 * abbreviated as getopt_long allows), or -1 if arg is no such option. */
static int long_option_val(const char *arg)
{
    if (strncmp(arg, "--", 2) != 0)
        return -1;
    size_t n = strcspn(arg + 2, "=");
    int val = -1;
    for (size_t i = 0; i < NOPTIONS; i++) {
        if (strncmp(table[i].name, arg + 2, n) != 0)
            continue;
        if (table[i].name[n] == '\0')
            return table[i].val;
        val = val == -1 ? table[i].val : -1;
    }
    return val;
}

/* The long options of which arg ("--pre" or "--pre=value") is a prefix,
 * written to out as "--a, --b"; returns how many there are. */
static size_t prefix_matches(const char *arg, char *out, size_t size)
{
    size_t n = strcspn(arg + 2, "="), count = 0, used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < NOPTIONS; i++) {
        if (strncmp(table[i].name, arg + 2, n) != 0)
            continue;
        int w = snprintf(out + used, size - used, "%s--%s", count ? ", " : "", table[i].name);
        if (w > 0 && (size_t)w < size - used)
            used += (size_t)w;
        count++;
    }
    return count;
}

/* Report what getopt_long refused: c is ':' (a missing argument) or '?'. */
static enum cli_result refused(int c, char **argv)
{
    const char *arg = argv[optind - 1];
    /* A short option may sit inside a cluster such as -vZ, so arg is not
     * necessarily the one refused: optopt is. */
    int is_long = optopt <= 0 || optopt >= 256 || long_option_val(arg) == optopt;
    char name[64], matches[512];
    if (is_long)
        snprintf(name, sizeof(name), "%.*s", (int)strcspn(arg, "="), arg);
    else
        snprintf(name, sizeof(name), "-%c", optopt);
    if (c == ':')
        usage("%s: missing argument%s", name, "");
    else if (is_long && optopt > 0) /* a known long option given "=value" */
        usage("%s: takes no argument%s", name, "");
    else if (is_long && strncmp(arg, "--", 2) == 0 &&
             prefix_matches(arg, matches, sizeof(matches)) > 1)
        /* getopt_long takes a unique prefix; this one is not. */
        usage("ambiguous option '%s': %s", name, matches);
    else
        usage("unknown option '%s'%s", is_long ? arg : name, "");
    return CLI_USAGE;
}

/* ---- credentials ---------------------------------------------------- */

/* What the credential options said, before their files are read: that
 * waits until the FILE arguments are known (standard input may be one). */
struct cli_creds {
    const char *user; /* --user's argument, copied (argv's is blanked) */
    const char *user_file;
    const char *bearer; /* --oauth2-bearer's argument (copied and blanked when literal) */
    const char *netrc_file;
    int netrc;
};

static int take_credential(struct cli_creds *c, struct enrich_options *o, int val, char *arg)
{
    switch (val) {
    case OPT_USER:
        /* Every --user given is blanked, not only the one that counts. */
        c->user = keep(o, strdup(arg));
        blank(arg);
        return c->user ? 0 : usage("out of memory%s%s", "", "");
    case OPT_USER_FILE: c->user_file = arg; return 0;
    case OPT_OAUTH2_BEARER:
        if (arg[0] == '@' || strncmp(arg, "env:", 4) == 0) {
            c->bearer = arg;
            return 0;
        }
        c->bearer = keep(o, strdup(arg));
        blank(arg);
        return c->bearer ? 0 : usage("out of memory%s%s", "", "");
    case OPT_NETRC: c->netrc = 1; return 0;
    case OPT_NETRC_FILE: c->netrc_file = arg; return 0;
    case OPT_REDACT:
        if (!*arg)
            return usage("--redact: empty name%s%s", "", "");
        o->redact[o->nredact++] = arg;
        return 0;
    default: return 1;
    }
}

static int reads_stdin(const char *file_spec)
{
    return file_spec && strcmp(file_spec, "-") == 0;
}

/* Standard input can give one option its file, and only when the records
 * come from FILE arguments. */
static enum cli_result check_stdin(const struct enrich_options *o, const struct cli_creds *c)
{
    size_t readers = reads_stdin(c->user_file) +
                     (c->bearer && reads_stdin(c->bearer + 1) && c->bearer[0] == '@');
    for (size_t i = 0; i < o->nheaders; i++)
        readers += o->headers[i][0] == '@' && reads_stdin(o->headers[i] + 1);
    if (readers == 0)
        return CLI_RUN;
    int input_is_stdin = o->ninputs == 0;
    for (size_t i = 0; i < o->ninputs; i++)
        input_is_stdin |= strcmp(o->inputs[i], "-") == 0;
    if (input_is_stdin)
        return usage("standard input carries the records: it cannot also hold headers or "
                     "credentials (give the records as a FILE argument)%s%s",
                     "", ""),
               CLI_USAGE;
    if (readers > 1)
        return usage("only one option can read standard input%s%s", "", ""), CLI_USAGE;
    return CLI_RUN;
}

/* -H @FILE: the file's lines, each one as a -H argument. Lines are not
 * quoted in messages: they may hold keys. */
static enum cli_result expand_header_files(struct enrich_options *o)
{
    size_t n = 0, cap = o->nheaders + 1;
    const char **all = calloc(cap, sizeof(*all));
    if (!all)
        return usage("out of memory%s%s", "", ""), CLI_USAGE;
    for (size_t i = 0; i < o->nheaders; i++) {
        if (o->headers[i][0] != '@') {
            all[n++] = o->headers[i];
            continue;
        }
        const char *path = o->headers[i] + 1;
        char err[512], **lines = NULL;
        long got = secret_lines(path, &lines, err, sizeof(err));
        const char **more = got < 0 ? NULL : realloc(all, (cap + (size_t)got) * sizeof(*all));
        if (!more) {
            secret_lines_free(lines, got < 0 ? 0 : (size_t)got);
            free(all);
            return usage("--header: %s%s", got < 0 ? err : "out of memory", ""), CLI_USAGE;
        }
        all = more;
        cap += (size_t)got;
        /* Kept first, so that every line is freed with the options. */
        int kept = 1;
        for (long k = 0; k < got; k++)
            kept = keep(o, lines[k]) && kept;
        free(lines);
        if (!kept) {
            free(all);
            return usage("out of memory%s%s", "", ""), CLI_USAGE;
        }
        for (long k = 0; k < got; k++) {
            const char *line = o->secrets[o->nsecrets - (size_t)got + (size_t)k];
            if (!request_header_valid(line)) {
                char which[32];
                snprintf(which, sizeof(which), "%ld", k + 1);
                free(all);
                return usage("--header @%s: header %s of the file is not 'Name: value' (not "
                             "shown: it may hold a secret)",
                             path, which),
                       CLI_USAGE;
            }
            all[n++] = line;
        }
    }
    free((void *)o->headers);
    o->headers = all;
    o->nheaders = n;
    return CLI_RUN;
}

static int names_authorization(const struct enrich_options *o)
{
    for (size_t i = 0; i < o->nheaders; i++)
        if (strncasecmp(o->headers[i], "Authorization", 13) == 0 &&
            (o->headers[i][13] == ':' || o->headers[i][13] == ' ' || o->headers[i][13] == '\t'))
            return 1;
    return 0;
}

/* The .netrc of --netrc or --netrc-file, which must be readable now: libcurl
 * would pass over a missing one in silence, request after request. */
static enum cli_result settle_netrc(struct enrich_options *o, const struct cli_creds *c)
{
    const char *name = c->netrc_file ? "--netrc-file" : "--netrc";
    char *path = c->netrc_file ? strdup(c->netrc_file) : secret_default_netrc();
    if (!keep(o, path))
        return usage("%s: no home directory to find .netrc in, or out of memory%s", name, ""),
               CLI_USAGE;
    FILE *f = fopen(path, "r");
    if (!f) {
        char why[512];
        snprintf(why, sizeof(why), "%s: %s", path, strerror(errno));
        return usage("%s: %s", name, why), CLI_USAGE;
    }
    fclose(f);
    o->netrc_file = path;
    return CLI_RUN;
}

/* Read what the credential options name, check that they agree, and put
 * the result in o. */
static enum cli_result settle_credentials(struct enrich_options *o, struct cli_creds *c)
{
    int sources = !!c->user + !!c->user_file + !!c->bearer + (c->netrc || c->netrc_file);
    if (sources > 1)
        return usage("give one of --user, --user-file, --oauth2-bearer and --netrc (or "
                     "--netrc-file)%s%s",
                     "", ""),
               CLI_USAGE;
    enum cli_result r = check_stdin(o, c);
    if (r == CLI_RUN)
        r = expand_header_files(o);
    if (r != CLI_RUN)
        return r;
    char err[600];
    if (c->user) {
        o->user = c->user;
    } else if (c->user_file) {
        o->user = keep(o, secret_first_line(c->user_file, err, sizeof(err)));
        if (!o->user)
            return usage("--user-file: %s%s", err, ""), CLI_USAGE;
    } else if (c->bearer) {
        o->bearer = keep(o, secret_value("--oauth2-bearer", c->bearer, err, sizeof(err)));
        if (!o->bearer)
            return usage("%s%s", err, ""), CLI_USAGE;
    } else if (c->netrc || c->netrc_file) {
        return settle_netrc(o, c);
    }
    if ((c->user || c->user_file) && (!o->user || !strchr(o->user, ':')))
        return usage("%s: expected USER:PASSWORD%s", c->user ? "--user" : "--user-file",
                     o->user ? "" : " (out of memory)"),
               CLI_USAGE;
    if ((o->user || o->bearer) && names_authorization(o))
        return usage("%s and an Authorization header: give one",
                     o->user ? "--user" : "--oauth2-bearer", ""),
               CLI_USAGE;
    return CLI_RUN;
}

/* 1 if dotted path a is b, or one lies inside the other ("m" and "m.x"). */
static int paths_overlap(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > lb)
        return paths_overlap(b, a);
    return strncmp(a, b, la) == 0 && (lb == la || b[la] == '.');
}

/* --merge and --meta against --into: one of them would overwrite the other. */
static enum cli_result check_shaping(const struct enrich_options *o, int into_given)
{
    if (o->merge && into_given)
        return usage("--merge puts the result at the top level: it takes no --into%s%s", "", ""),
               CLI_USAGE;
    if (o->meta && !o->merge && paths_overlap(o->meta, o->into))
        return usage("--meta '%s' and --into '%s' overlap: one would overwrite the other", o->meta,
                     o->into),
               CLI_USAGE;
    return CLI_RUN;
}

enum cli_result cli_parse(int argc, char **argv, struct enrich_options *o)
{
    const char *default_into = o->into;
    struct option longs[NOPTIONS + 2];
    char shorts[2 * NOPTIONS + 2];
    build_getopt(longs, shorts);
    o->headers = calloc((size_t)argc + 1, sizeof(char *));
    o->inputs = calloc((size_t)argc + 1, sizeof(char *));
    o->redact = calloc((size_t)argc + 1, sizeof(char *));
    struct cli_creds creds = {0};
    if (!o->headers || !o->inputs || !o->redact) {
        fputs("enrich: out of memory\n", stderr);
        return CLI_USAGE;
    }
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
        if (c == 'h') {
            cli_help(stdout);
            return CLI_DONE;
        }
        if (c == 'V') {
            printf("enrich %s (%s)\n", ENRICH_VERSION, enrich_curl_version());
            return CLI_DONE;
        }
        if (c == OPT_LIST_OPTIONS) {
            cli_list_options(stdout);
            return CLI_DONE;
        }
        if (c == ':' || c == '?')
            return refused(c, argv);
        int taken = take_credential(&creds, o, c, optarg);
        if (taken < 0)
            return CLI_USAGE;
        if (taken == 0)
            continue;
        if (apply(o, c, optarg) < 0)
            return CLI_USAGE;
    }
    for (int i = optind; i < argc; i++)
        o->inputs[o->ninputs++] = argv[i];
    enum cli_result r = require_url(o);
    if (r == CLI_RUN)
        r = settle_body(o);
    if (r == CLI_RUN)
        r = settle_credentials(o, &creds);
    if (r == CLI_RUN)
        r = check_cache(o);
    return r == CLI_RUN ? check_shaping(o, o->into != default_into) : r;
}

void cli_free(struct enrich_options *o)
{
    free((void *)o->headers);
    free((void *)o->inputs);
    free((void *)o->redact);
    o->cert_password = NULL;
    o->headers = NULL;
    o->inputs = NULL;
    o->redact = NULL;
    for (size_t i = 0; i < o->nsecrets; i++) {
        /* Tokens and passwords do not outlive the run in freed memory. */
        explicit_bzero(o->secrets[i], strlen(o->secrets[i]));
        free(o->secrets[i]);
    }
    free(o->secrets);
    o->secrets = NULL;
    o->nsecrets = 0;
}
