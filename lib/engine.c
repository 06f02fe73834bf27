/* The event loop: read lines while there is capacity, turn each into a
 * request, wait in curl_multi_poll for the network, the input and signals,
 * and write records out in the order the queue releases them. A record's
 * state machine lives here and only here. */
#include "enrich.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "failure.h"
#include "fdlimit.h"
#include "http.h"
#include "jsonspan.h"
#include "jsonvalid.h"
#include "lines.h"
#include "output.h"
#include "queue.h"
#include "request.h"
#include "splice.h"

#define MAX_LINE ((size_t)1 << 30) /* 1 GiB: a 50 MB record is ordinary */
/* The most a response adds to a record: its body (at most
 * --max-response-size bytes) as JSON text, plus room for the member's name
 * and path or an error object. It reads e->o, so it is used only where an
 * engine e is in scope; a record's out buffer holds MAX_LINE + MAX_BODY. */
#define MAX_BODY (json_response_value_max(e->o->max_response_size) + MAX_URL)
#define MAX_URL ((size_t)1 << 20)

enum rec_state {
    REC_FREE,
    REC_IN_FLIGHT, /* an attempt is running */
    REC_DONE       /* succeeded or failed; waiting to be written */
    /* Retries will add REC_WAIT_RETRY: attempts and deadline already live here. */
};

struct record {
    enum rec_state state;
    const char *input; /* borrowed: the input's display name */
    unsigned long lineno;
    struct buf line; /* the input line, verbatim */
    struct request req;
    struct buf out; /* what goes to the output */
    long long deadline_ms;
    int attempts;
    int emit;
    int to_errors;  /* append the line to --errors when the record leaves */
    int uncopyable; /* an over-long line: nothing of it was kept */
    int ready;      /* buffers initialised (on first use of the slot) */
    struct failure fail;
};

struct engine {
    const struct enrich_options *o;
    struct request_spec *spec;
    struct queue *queue;
    struct record *records;
    struct http *http; /* NULL in a dry run */
    struct output out;
    struct output errors;
    int have_errors;
    struct lines in;
    size_t next_input;
    int input_open, input_done, input_ready;
    int starved; /* fill stopped for want of input that must be waited for */
    int out_error_said, errors_error_said;
    struct buf scratch;
    struct buf msg;
    unsigned long failed;
    int stop_reading;
    int signal_number;
    int signals;
    int finished; /* the loop must end now */
    long fail_slot; /* --on-error fail: the record that stopped the run, or -1 */
    enum enrich_status status;
};

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

__attribute__((format(printf, 2, 3))) static void say(struct engine *e, const char *fmt, ...)
{
    if (!e->o->message)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    e->o->message(e->o->message_ctx, line);
}

/* Stop the run with status st (the first reason wins). */
static void stop(struct engine *e, enum enrich_status st)
{
    if (!e->finished)
        e->status = st;
    e->finished = 1;
}

static void output_failed(struct engine *e, struct output *o, const char *what)
{
    int *said = o == &e->out ? &e->out_error_said : &e->errors_error_said;
    if (*said)
        return; /* a failing output is reported once */
    *said = 1;
    if (o->error == EPIPE && o == &e->out) {
        stop(e, ENRICH_BROKEN_PIPE);
        return;
    }
    say(e, "%s: write error: %s", what, strerror(o->error));
    stop(e, ENRICH_ABORTED);
}

/* ---- records finishing ---------------------------------------------- */

static int error_object(const struct record *r, struct buf *out)
{
    const struct failure *f = &r->fail;
    if (buf_printf(out, "{\"kind\":\"%s\"", fail_kind_name(f->kind)) < 0)
        return -1;
    if (f->status > 0 && buf_printf(out, ",\"status\":%ld", f->status) < 0)
        return -1;
    if (buf_puts(out, ",\"message\":") < 0 || jspan_quote(f->message, strlen(f->message), out) < 0)
        return -1;
    return buf_printf(out, ",\"attempts\":%d}", r->attempts);
}

/* The output line of a failed record, per --on-error and --dry-run. */
static void render_failure(struct engine *e, struct record *r)
{
    const struct enrich_options *o = e->o;
    buf_reset(&r->out);
    buf_reset(&e->scratch);
    r->emit = 0;
    if (error_object(r, &e->scratch) < 0)
        return;
    if (o->dry_run) {
        r->emit = buf_printf(&r->out, "{\"line\":%lu,\"error\":", r->lineno) == 0 &&
                  buf_append(&r->out, e->scratch.data, e->scratch.len) == 0 &&
                  buf_putc(&r->out, '}') == 0;
        return;
    }
    if (o->on_error != ENRICH_KEEP || r->fail.kind == FAIL_INVALID_JSON ||
        r->fail.kind == FAIL_NOT_OBJECT)
        return;
    enum splice_status st =
        splice_set(r->line.data, r->line.len, o->error_into, strlen(o->error_into), e->scratch.data,
                   e->scratch.len, &r->out);
    /* Blocked only when the record failed on that very path: already said. */
    r->emit = st == SPLICE_OK;
}

static void write_errors_line(struct engine *e, struct record *r)
{
    if (!r->to_errors)
        return;
    r->to_errors = 0;
    if (output_line(&e->errors, r->line.data, r->line.len) < 0)
        output_failed(e, &e->errors, e->o->errors_path);
}

static void record_failed(struct engine *e, struct record *r)
{
    e->failed++;
    say(e, "%s:%lu: %s: %s%s", r->input, r->lineno, fail_kind_name(r->fail.kind), r->fail.message,
        e->o->on_error == ENRICH_FAIL ? " (stopping: --on-error fail)" : "");
    render_failure(e, r);
    /* --errors gets lines in output order, so a replay keeps input order; a
     * run that stops here writes the line at once. */
    r->to_errors = e->have_errors && !r->uncopyable;
    if (e->o->on_error == ENRICH_FAIL) {
        write_errors_line(e, r);
        if (!e->finished)
            e->fail_slot = r - e->records;
        stop(e, ENRICH_ABORTED);
    }
}

static void record_done(struct engine *e, struct record *r, size_t slot)
{
    r->state = REC_DONE;
    if (r->fail.kind != FAIL_NONE)
        record_failed(e, r);
    queue_done(e->queue, slot);
}

/* ---- records starting ----------------------------------------------- */

/* Would the result's path run into a member that is not an object? */
static int into_blocked(const char *rec, size_t n, const char *path)
{
    struct jspan root, at;
    if (jspan_value(rec, rec + n, &root) < 0)
        return 1;
    for (const char *dot = strchr(path, '.'); dot; dot = strchr(dot + 1, '.'))
        if (jspan_path(&root, path, (size_t)(dot - path), &at) == 1 && at.type != J_OBJECT)
            return 1;
    return 0;
}

static int check_record(struct engine *e, struct record *r)
{
    enum jtype type;
    size_t at;
    if (json_validate(r->line.data, r->line.len, &type, &at) < 0) {
        fail_set(&r->fail, FAIL_INVALID_JSON, "invalid JSON near byte %zu", at + 1);
        return -1;
    }
    if (type != J_OBJECT) {
        static const char *const names[] = {"nothing",  "null",     "false",    "true",
                                            "a number", "a string", "an array", "an object"};
        fail_set(&r->fail, FAIL_NOT_OBJECT, "the line is %s, not a JSON object", names[type]);
        return -1;
    }
    if (request_build(e->spec, r->line.data, r->line.len, &r->req, &r->fail) < 0)
        return -1;
    char why[160];
    if (http_url_check(r->req.url.data, why, sizeof(why)) < 0) {
        fail_set(&r->fail, FAIL_BAD_REQUEST, "%s", why);
        return -1;
    }
    const char *paths[2] = {e->o->into, e->o->error_into};
    for (int i = 0; i < 2; i++) {
        if (into_blocked(r->line.data, r->line.len, paths[i])) {
            fail_set(&r->fail, FAIL_BAD_REQUEST,
                     "cannot add the %s at '%s': a member on the way is not an object",
                     i == 0 ? "result" : "error", paths[i]);
            return -1;
        }
    }
    return 0;
}

static void render_dry_run(struct engine *e, struct record *r)
{
    struct buf *b = &e->scratch;
    buf_reset(&r->out);
    buf_reset(b);
    int ok = buf_printf(&r->out, "{\"line\":%lu,\"method\":", r->lineno) == 0;
    const char *method = e->o->method ? e->o->method : "GET";
    ok = ok && jspan_quote(method, strlen(method), &r->out) == 0;
    ok = ok && buf_puts(&r->out, ",\"url\":") == 0 && request_redact_url(r->req.url.data, b) == 0;
    ok = ok && jspan_quote(b->data, b->len, &r->out) == 0 &&
         buf_puts(&r->out, ",\"headers\":[") == 0;
    size_t n;
    const char *const *lines = request_spec_static_headers(e->spec, &n);
    if (!lines)
        lines = r->req.headers, n = r->req.nheaders;
    for (size_t i = 0; ok && i < n; i++) {
        buf_reset(b);
        ok = (i == 0 || buf_putc(&r->out, ',') == 0) && request_redact_header(lines[i], b) == 0 &&
             jspan_quote(b->data, b->len, &r->out) == 0;
    }
    ok = ok && buf_puts(&r->out, "],\"body\":null}") == 0;
    r->emit = ok;
    if (!ok) {
        say(e, "out of memory");
        stop(e, ENRICH_ABORTED);
    }
}

static void start_attempt(struct engine *e, struct record *r, size_t slot)
{
    long long left = r->deadline_ms - now_ms();
    if (left <= 0) {
        fail_set(&r->fail, FAIL_TIMEOUT, "the record's deadline passed before the request started");
        record_done(e, r, slot);
        return;
    }
    long budget = (long)left;
    if (e->o->attempt_timeout_ms > 0 && e->o->attempt_timeout_ms < budget)
        budget = e->o->attempt_timeout_ms;
    size_t n;
    const char *const *fixed = request_spec_static_headers(e->spec, &n);
    const char *const *headers = fixed ? NULL : r->req.headers;
    if (http_start(e->http, slot, r->req.url.data, headers, r->req.nheaders, budget) < 0) {
        say(e, "%s:%lu: out of memory starting a request", r->input, r->lineno);
        stop(e, ENRICH_ABORTED);
        return;
    }
    r->attempts++;
    r->state = REC_IN_FLIGHT;
}

/* A new line: it takes a slot at once, even if it fails before any request. */
static void admit(struct engine *e, const char *line, size_t n, const struct failure *preset)
{
    long s = queue_admit(e->queue);
    size_t slot = (size_t)s;
    struct record *r = &e->records[slot];
    if (!r->ready) {
        buf_init(&r->line, MAX_LINE);
        buf_init(&r->out, MAX_LINE + MAX_BODY);
        request_init(&r->req, MAX_URL);
        r->ready = 1;
    }
    r->input = e->in.name;
    r->uncopyable = preset != NULL;
    r->lineno = e->in.lineno;
    r->attempts = 0;
    r->emit = 0;
    r->to_errors = 0;
    memset(&r->fail, 0, sizeof(r->fail));
    r->deadline_ms = now_ms() + e->o->timeout_ms;
    buf_reset(&r->line);
    if (buf_append(&r->line, line, n) < 0) {
        say(e, "%s:%lu: out of memory reading a line of %zu bytes", r->input, r->lineno, n);
        stop(e, ENRICH_ABORTED);
        return;
    }
    if (preset) {
        r->fail = *preset;
    } else if (check_record(e, r) == 0) {
        if (e->o->dry_run) {
            render_dry_run(e, r);
        } else {
            start_attempt(e, r, slot);
            return;
        }
    }
    record_done(e, r, slot);
}

/* ---- responses ------------------------------------------------------ */

static void take_response(struct engine *e, struct record *r, const struct http_result *res)
{
    char why[64];
    buf_reset(&e->scratch);
    int rc = json_response_value_typed(res->body->data, res->body->len,
                                       json_content_kind(res->content_type), &e->scratch, why,
                                       sizeof(why));
    if (rc == -2) {
        fail_set(&r->fail, FAIL_BAD_RESPONSE,
                 "response body is not valid JSON (%s), though its Content-Type says JSON", why);
        r->fail.status = res->status;
        return;
    }
    if (rc < 0) {
        fail_set(&r->fail, FAIL_BAD_RESPONSE, "response too large to insert");
        return;
    }
    buf_reset(&r->out);
    enum splice_status st = splice_set(r->line.data, r->line.len, e->o->into, strlen(e->o->into),
                                       e->scratch.data, e->scratch.len, &r->out);
    if (st != SPLICE_OK)
        fail_set(&r->fail, FAIL_BAD_RESPONSE, "cannot insert the response at '%s'", e->o->into);
    r->emit = st == SPLICE_OK;
}

static void classify(struct engine *e, struct record *r, const struct http_result *res)
{
    switch (res->outcome) {
    case HTTP_DONE:
        if (enrich_ok_has(&e->o->ok, res->status)) {
            take_response(e, r, res);
        } else {
            fail_set(&r->fail, FAIL_HTTP, "HTTP %ld", res->status);
            r->fail.status = res->status;
        }
        break;
    case HTTP_CONNECT: fail_set(&r->fail, FAIL_CONNECT, "%s", res->message); break;
    case HTTP_NO_DESCRIPTORS:
        /* No kind names a local shortage; as a connect failure it is retried
         * like one, and the message tells the two apart. */
        fail_set(&r->fail, FAIL_CONNECT, "%s", res->message);
        break;
    case HTTP_CONNECT_TIMEOUT:
        fail_set(&r->fail, FAIL_CONNECT, "connect timeout: %s", res->message);
        break;
    case HTTP_TIMEOUT:
        if (now_ms() >= r->deadline_ms)
            fail_set(&r->fail, FAIL_TIMEOUT, "record deadline of %ld ms exceeded",
                     e->o->timeout_ms);
        else
            fail_set(&r->fail, FAIL_TIMEOUT, "attempt timed out after %ld ms",
                     e->o->attempt_timeout_ms);
        break;
    case HTTP_BAD_RESPONSE:
        /* A status not in --ok fails the record whatever its body, which is
         * never used: an error page over the limit is still that status. */
        if (res->too_large && res->status > 0 && !enrich_ok_has(&e->o->ok, res->status)) {
            fail_set(&r->fail, FAIL_HTTP, "HTTP %ld", res->status);
            r->fail.status = res->status;
            break;
        }
        fail_set(&r->fail, FAIL_BAD_RESPONSE, "%s", res->message);
        r->fail.status = res->status;
        break;
    }
}

static void on_result(struct engine *e, const struct http_result *res)
{
    struct record *r = &e->records[res->slot];
    classify(e, r, res);
    if (e->o->verbose) {
        struct buf *b = &e->msg;
        buf_reset(b);
        request_redact_url(r->req.url.data, b);
        const char *method = e->o->method ? e->o->method : "GET";
        const char *url = b->data ? b->data : "";
        if (r->fail.kind == FAIL_NONE)
            say(e, "%s:%lu: attempt %d: %s %s -> %ld (%.1f ms)", r->input, r->lineno,
                r->attempts, method, url, res->status, res->ms);
        else
            say(e, "%s:%lu: attempt %d: %s %s -> %s: %s (%.1f ms)", r->input, r->lineno,
                r->attempts, method, url, fail_kind_name(r->fail.kind), r->fail.message, res->ms);
    }
    /* Retries will decide here, from r->fail and r->attempts, whether to wait
     * and start another attempt instead of finishing the record. */
    record_done(e, r, res->slot);
}

/* ---- input ---------------------------------------------------------- */

static int blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
            return 0;
    return 1;
}

static void open_next_input(struct engine *e)
{
    const struct enrich_options *o = e->o;
    if (e->next_input >= (o->ninputs ? o->ninputs : 1)) {
        e->input_done = 1;
        return;
    }
    const char *path = o->ninputs ? o->inputs[e->next_input] : "-";
    e->next_input++;
    if (lines_open(&e->in, path, MAX_LINE) < 0) {
        say(e, "%s: %s", path, strerror(errno));
        stop(e, ENRICH_ABORTED);
        return;
    }
    e->input_open = 1;
    e->input_ready = 0;
}

static void read_error(struct engine *e)
{
    say(e, "%s:%lu: read error: %s", e->in.name, e->in.lineno + 1, strerror(errno));
    stop(e, ENRICH_ABORTED);
}

/* Admit lines while there is room and input can be read without waiting. */
static void fill(struct engine *e)
{
    e->starved = 0;
    while (!e->finished && !e->stop_reading && !e->input_done && !queue_full(e->queue)) {
        if (!e->input_open) {
            open_next_input(e);
            continue;
        }
        const char *line;
        size_t n;
        struct failure too_long = {.kind = FAIL_INVALID_JSON};
        switch (lines_next(&e->in, &line, &n)) {
        case LINES_OK:
            /* A byte order mark opens some files; it is not part of the record. */
            if (e->in.lineno == 1 && n >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0)
                line += 3, n -= 3;
            if (!blank(line, n))
                admit(e, line, n, NULL);
            break;
        case LINES_TOO_LONG:
            fail_set(&too_long, FAIL_INVALID_JSON, "line longer than %zu bytes", MAX_LINE);
            admit(e, "", 0, &too_long);
            break;
        case LINES_EOF:
            lines_close(&e->in);
            e->input_open = 0;
            break;
        case LINES_AGAIN:
            if (e->in.pollable && !e->input_ready) {
                e->starved = 1;
                return;
            }
            e->input_ready = 0;
            if (lines_fill(&e->in) < 0 && errno != EINTR)
                read_error(e);
            break;
        }
    }
}

/* ---- output --------------------------------------------------------- */

/* Write out what the queue releases; after a stop, only when told to (an
 * interrupted run still writes the records that completed). */
static void drain(struct engine *e, int after_stop)
{
    long s;
    while ((!e->finished || after_stop) && !e->out.error && (s = queue_ready(e->queue)) >= 0) {
        if (after_stop && s == e->fail_slot)
            break;
        struct record *r = &e->records[s];
        write_errors_line(e, r);
        if (r->emit && output_line(&e->out, r->out.data, r->out.len) < 0)
            output_failed(e, &e->out, e->o->output_path ? e->o->output_path : "stdout");
        r->state = REC_FREE;
        queue_release(e->queue, (size_t)s);
    }
}

/* ---- signals and waiting -------------------------------------------- */

static void abort_in_flight(struct engine *e)
{
    for (size_t i = 0; i < e->o->capacity; i++) {
        struct record *r = &e->records[i];
        if (r->state != REC_IN_FLIGHT)
            continue;
        http_cancel(e->http, i);
        fail_set(&r->fail, FAIL_TIMEOUT, "interrupted while in flight");
        say(e, "%s:%lu: interrupted: aborted by a second signal while in flight", r->input, r->lineno);
        r->to_errors = e->have_errors;
        write_errors_line(e, r);
        r->emit = 0;
        r->state = REC_DONE;
        queue_done(e->queue, i);
    }
}

static void read_signals(struct engine *e)
{
    unsigned char sig;
    while (read(e->o->signal_fd, &sig, 1) == 1) {
        e->signal_number = sig;
        e->stop_reading = 1;
        if (++e->signals >= 2) {
            if (e->http)
                abort_in_flight(e);
            stop(e, ENRICH_INTERRUPTED);
        }
    }
}

static void wait_for_work(struct engine *e)
{
    int fds[2];
    short revents[2] = {0, 0};
    size_t n = 0, input_at = 2, signal_at = 2;
    if (e->o->signal_fd >= 0)
        signal_at = n, fds[n++] = e->o->signal_fd;
    if (e->input_open && e->in.pollable && !e->stop_reading && !queue_full(e->queue))
        input_at = n, fds[n++] = e->in.fd;
    if (e->http) {
        if (http_wait(e->http, fds, revents, n, 1000) < 0) {
            say(e, "libcurl failed while waiting");
            stop(e, ENRICH_ABORTED);
            return;
        }
    }
    /* Ask poll itself: libcurl does not pass POLLHUP through, and a pipe at
     * its end reports only that. */
    struct pollfd p[2];
    for (size_t i = 0; i < n; i++)
        p[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
    if (n == 0 && !e->http)
        return;
    if (n && poll(p, n, e->http ? 0 : -1) > 0) {
        if (signal_at < n && p[signal_at].revents)
            read_signals(e);
        if (input_at < n && p[input_at].revents)
            e->input_ready = 1;
    }
    (void)revents;
    struct http_result res;
    /* After a stop (--on-error fail), transfers that finished alongside are
     * dropped with the rest: the run ended at the first failure. */
    while (e->http && !e->finished && http_next_done(e->http, &res))
        on_result(e, &res);
}

/* ---- setup ---------------------------------------------------------- */

static int check_inputs(struct engine *e)
{
    for (size_t i = 0; i < e->o->ninputs; i++) {
        const char *path = e->o->inputs[i];
        if (strcmp(path, "-") == 0)
            continue;
        /* Check without opening: opening and closing a FIFO would cost its
         * writer the data (or its life, by SIGPIPE). */
        struct stat st;
        if (stat(path, &st) < 0 || access(path, R_OK) < 0) {
            say(e, "%s: %s", path, strerror(errno));
            return -1;
        }
        if (S_ISDIR(st.st_mode)) {
            say(e, "%s: %s", path, strerror(EISDIR));
            return -1;
        }
    }
    return 0;
}

static int setup(struct engine *e)
{
    const struct enrich_options *o = e->o;
    char err[512];
    e->spec = request_spec_new(o->url, o->headers, o->nheaders, o->allow_missing, err, sizeof(err));
    if (!e->spec) {
        say(e, "%s", err);
        return -1;
    }
    if (check_inputs(e) < 0)
        return -1;
    if (o->errors_path) {
        if (output_open(&e->errors, o->errors_path, 1, 1) < 0) {
            say(e, "%s: %s", o->errors_path, strerror(errno));
            return -1;
        }
        e->have_errors = 1;
    }
    if (output_open(&e->out, o->output_path, 0, o->line_buffered) < 0) {
        say(e, "%s: %s", o->output_path, strerror(errno));
        return -1;
    }
    return 0;
}

static int allocate(struct engine *e)
{
    const struct enrich_options *o = e->o;
    e->queue = queue_new(o->capacity, !o->unordered || o->dry_run);
    e->records = calloc(o->capacity, sizeof(*e->records));
    if (!e->queue || !e->records)
        return -1;
    buf_init(&e->scratch, MAX_BODY + MAX_LINE);
    buf_init(&e->msg, MAX_URL);
    if (o->dry_run)
        return 0;
    /* Every connection is a descriptor: use what the hard limit allows, and
     * past it let requests wait for a connection rather than fail. */
    unsigned long long nofile = fdlimit_raise();
    size_t open_now = fdlimit_open_count();
    size_t connections = fdlimit_connections(nofile, open_now);
    if (connections < o->capacity)
        say(e,
            "--capacity %zu is more than the open-file limit of %llu allows (%zu open already): "
            "at most %zu connections at once, other requests wait for one",
            o->capacity, nofile, open_now, connections);
    size_t n;
    const char *const *fixed = request_spec_static_headers(e->spec, &n);
    struct http_config cfg = {
        .slots = o->capacity,
        .max_connections = nofile == FDLIMIT_NONE ? 0 : connections,
        .method = o->method,
        .connect_timeout_ms = o->connect_timeout_ms,
        .follow_redirects = o->follow_redirects,
        .max_body = o->max_response_size,
        .headers = fixed,
        .nheaders = fixed ? n : 0,
    };
    e->http = http_new(&cfg);
    return e->http ? 0 : -1;
}

static void teardown(struct engine *e)
{
    http_free(e->http);
    for (size_t i = 0; e->records && i < e->o->capacity; i++) {
        if (!e->records[i].ready)
            continue; /* never used: its pages were never touched either */
        buf_free(&e->records[i].line);
        buf_free(&e->records[i].out);
        request_free(&e->records[i].req);
    }
    free(e->records);
    queue_free(e->queue);
    request_spec_free(e->spec);
    buf_free(&e->scratch);
    buf_free(&e->msg);
    if (e->input_open)
        lines_close(&e->in);
}

static void run_loop(struct engine *e)
{
    while (!e->finished) {
        fill(e);
        drain(e, 0);
        if (e->finished)
            break;
        int reading = !e->stop_reading && !e->input_done;
        if (queue_held(e->queue) == 0 && !reading)
            break;
        /* Input that can be read without waiting (a regular file, or lines
         * already buffered) is read on; signals are still heard meanwhile. */
        if (reading && !queue_full(e->queue) && !e->starved) {
            if (e->o->signal_fd >= 0)
                read_signals(e);
            continue;
        }
        if (output_flush(&e->out) < 0) {
            output_failed(e, &e->out, e->o->output_path ? e->o->output_path : "stdout");
            break;
        }
        wait_for_work(e);
    }
}

enum enrich_status enrich_run(const struct enrich_options *o, int *signal_number)
{
    struct engine e;
    memset(&e, 0, sizeof(e));
    e.o = o;
    e.status = ENRICH_OK;
    e.fail_slot = -1;
    if (setup(&e) < 0) {
        teardown(&e);
        if (e.have_errors)
            output_close(&e.errors);
        return ENRICH_USAGE;
    }
    if (allocate(&e) < 0) {
        say(&e, "out of memory");
        stop(&e, ENRICH_ABORTED);
    }
    run_loop(&e);
    /* Records that completed before an interruption, or before the failure
     * that stopped the run, are still written. */
    if ((e.status == ENRICH_INTERRUPTED || e.fail_slot >= 0) && e.queue)
        drain(&e, 1);
    int pipe_gone = e.finished && e.status == ENRICH_BROKEN_PIPE;
    if (!pipe_gone && output_close(&e.out) < 0 && !e.finished)
        output_failed(&e, &e.out, o->output_path ? o->output_path : "stdout");
    if (pipe_gone)
        output_close(&e.out);
    if (e.have_errors && output_close(&e.errors) < 0)
        output_failed(&e, &e.errors, o->errors_path);
    teardown(&e);
    if (signal_number)
        *signal_number = e.signal_number;
    if (e.finished)
        return e.status;
    if (e.signals)
        return ENRICH_INTERRUPTED;
    return e.failed ? ENRICH_SOME_FAILED : ENRICH_OK;
}

const char *enrich_curl_version(void)
{
    return curl_version();
}
