/* Where records go; see sinks.h. */
#include "sinks.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input.h"
#include "say.h"

#define MAX_KEPT ((size_t)1 << 30) /* lines kept for a failed output: one long line */

static const char *out_name(const struct sinks *s)
{
    return s->o->output_path ? s->o->output_path : "stdout";
}

static int to_stdout(const struct enrich_options *o)
{
    return !o->output_path || strcmp(o->output_path, "-") == 0;
}

static void set_trouble(struct sinks *s, enum enrich_status st)
{
    if (s->trouble == ENRICH_OK)
        s->trouble = st;
}

/* The output failed: what it means for the run. A write error is said at
 * the end, with what became of the records (sinks_report_unwritten). */
static void out_failed(struct sinks *s)
{
    if (s->out_said)
        return;
    s->out_said = 1;
    pending_settle(&s->pending, s->out.lines);
    if (s->out.error == EPIPE)
        set_trouble(s, ENRICH_BROKEN_PIPE);
    else if (s->out.error == EINTR)
        set_trouble(s, ENRICH_INTERRUPTED); /* a blocked write abandoned by a second signal */
    else
        set_trouble(s, ENRICH_ABORTED);
}

static void errors_failed(struct sinks *s)
{
    if (s->errors_said)
        return;
    s->errors_said = 1;
    say(s->o, "%s: write error: %s", s->o->errors_path, strerror(s->errors.error));
    set_trouble(s, ENRICH_ABORTED);
}

static int same_regular(const struct stat *a, const struct stat *b)
{
    return S_ISREG(a->st_mode) && S_ISREG(b->st_mode) && a->st_dev == b->st_dev &&
           a->st_ino == b->st_ino;
}

/* Refuse outputs that are inputs, or each other, before anything is opened
 * for writing (opening -o truncates it). */
static int check_files(struct sinks *s)
{
    const struct enrich_options *o = s->o;
    char what[600], why[1024];
    struct stat out, errs;
    int have_out = to_stdout(o) ? fstat(1, &out) == 0 : stat(o->output_path, &out) == 0;
    int have_errs = o->errors_path && stat(o->errors_path, &errs) == 0;
    if (have_out) {
        snprintf(what, sizeof(what), to_stdout(o) ? "standard output" : "-o %s", o->output_path);
        if (input_is_sink(o->inputs, o->ninputs, &out, what, why, sizeof(why)) < 0)
            goto refuse;
    }
    if (have_errs) {
        snprintf(what, sizeof(what), "--errors %s", o->errors_path);
        if (input_is_sink(o->inputs, o->ninputs, &errs, what, why, sizeof(why)) < 0)
            goto refuse;
    }
    if (have_out && have_errs && same_regular(&out, &errs)) {
        snprintf(why, sizeof(why), "%s: the output is also the --errors file",
                 to_stdout(o) ? "standard output" : o->output_path);
        goto refuse;
    }
    return 0;
refuse:
    say(o, "%s", why);
    return -1;
}

int sinks_open(struct sinks *s, const struct enrich_options *o, output_interrupt_fn interrupted,
               void *ctx)
{
    memset(s, 0, sizeof(*s));
    s->o = o;
    s->trouble = ENRICH_OK;
    pending_init(&s->pending, MAX_KEPT);
    if (check_files(s) < 0)
        return -1;
    if (o->errors_path) {
        struct stat st;
        int existed = stat(o->errors_path, &st) == 0;
        if (output_open(&s->errors, o->errors_path, 1, 1) < 0) {
            say(o, "%s: %s", o->errors_path, strerror(errno));
            return -1;
        }
        s->have_errors = 1;
        /* -o and --errors naming one new file: it exists now. */
        if (!existed && check_files(s) < 0) {
            unlink(o->errors_path);
            return -1;
        }
    }
    if (output_open(&s->out, o->output_path, o->checkpoint_path != NULL, o->line_buffered) < 0) {
        say(o, "%s: %s", o->output_path, strerror(errno));
        return -1;
    }
    s->out.interrupted = interrupted;
    s->out.interrupt_ctx = ctx;
    return 0;
}

int sinks_resume(struct sinks *s, unsigned long long out_len, unsigned long long errors_len)
{
    if (output_cut(&s->out, (off_t)out_len) < 0) {
        say(s->o, "%s: cannot cut back to the checkpoint's %llu bytes: %s", out_name(s), out_len,
            strerror(errno));
        return -1;
    }
    if (s->have_errors && output_cut(&s->errors, (off_t)errors_len) < 0) {
        say(s->o, "%s: cannot cut back to the checkpoint's %llu bytes: %s", s->o->errors_path,
            errors_len, strerror(errno));
        return -1;
    }
    return 0;
}

int sinks_sync(struct sinks *s)
{
    if (sinks_flush(s) < 0)
        return -1;
    if (output_sync(&s->out) < 0) {
        out_failed(s);
        return -1;
    }
    if (s->have_errors && (output_flush(&s->errors) < 0 || output_sync(&s->errors) < 0)) {
        errors_failed(s);
        return -1;
    }
    return 0;
}

/* Copy r's line to --errors now if it is due there (r->to_errors). */
static void copy_failed(struct sinks *s, struct record *r)
{
    if (!r->to_errors)
        return;
    r->to_errors = 0;
    r->copied = 1;
    if (output_line(&s->errors, r->line.data, r->line.len) < 0)
        errors_failed(s);
}

/* r's line went to the output's buffer: remember it until it is written. */
static int track(struct sinks *s, struct record *r)
{
    int keep = s->have_errors && !r->copied && !r->uncopyable;
    if (pending_add(&s->pending, r->input, r->lineno, r->fail.kind != FAIL_NONE,
                    keep ? r->line.data : NULL, r->line.len) < 0) {
        say(s->o, "%s:%lu: out of memory", r->input, r->lineno);
        set_trouble(s, ENRICH_ABORTED);
        return -1;
    }
    pending_settle(&s->pending, s->out.lines);
    return 0;
}

int sinks_write(struct sinks *s, struct record *r)
{
    copy_failed(s, r);
    if (!r->emit)
        return 0;
    if (output_line(&s->out, r->out.data, r->out.len) < 0) {
        out_failed(s);
        return -1;
    }
    return track(s, r);
}

int sinks_flush(struct sinks *s)
{
    if (output_flush(&s->out) < 0) {
        out_failed(s);
        return -1;
    }
    pending_settle(&s->pending, 0);
    return 0;
}

/* Copy what was not written to --errors; returns how many of those records
 * were not reported on their own (as failures) already. */
static unsigned long save_unwritten(struct sinks *s, struct record *const *held, size_t count)
{
    unsigned long n = 0;
    int out_lost = s->out.error != 0;
    for (size_t i = 0; out_lost && i < pending_count(&s->pending); i++) {
        const char *line;
        size_t len;
        const struct pending_entry *p = pending_get(&s->pending, i, &line, &len);
        n += !p->reported;
        if (line && output_line(&s->errors, line, len) < 0)
            errors_failed(s);
    }
    for (size_t i = 0; i < count; i++) {
        struct record *r = held[i];
        n += r->fail.kind == FAIL_NONE;
        r->to_errors = s->have_errors && !r->copied && !r->uncopyable;
        copy_failed(s, r);
    }
    return n;
}

void sinks_report_unwritten(struct sinks *s, struct record *const *held, size_t count)
{
    unsigned long n = save_unwritten(s, held, count);
    char saved[512] = "";
    if (n && s->have_errors && !s->errors.error)
        snprintf(saved, sizeof(saved), "%lu unwritten record%s appended to %s for a replay", n,
                 n == 1 ? "" : "s", s->o->errors_path);
    else if (n)
        snprintf(saved, sizeof(saved), "%lu record%s not written (--errors FILE keeps them)", n,
                 n == 1 ? "" : "s");
    int error = s->out.error;
    if (!error || error == EPIPE || error == EINTR) {
        if (n)
            say(s->o, "stopped early: %s", saved);
        return;
    }
    char ends[256];
    if (s->pending.last_input)
        snprintf(ends, sizeof(ends), "the output ends after %s:%lu", s->pending.last_input,
                 s->pending.last_lineno);
    else
        snprintf(ends, sizeof(ends), "no record was written");
    say(s->o, "%s: write error: %s; %s%s%s", out_name(s), strerror(error), ends, n ? "; " : "",
        saved);
}

void sinks_close(struct sinks *s, int run_ok)
{
    if (output_close(&s->out) < 0 && run_ok) {
        /* Everything was written, but closing failed (NFS, a quota). */
        say(s->o, "%s: write error: %s", out_name(s), strerror(s->out.error));
        set_trouble(s, ENRICH_ABORTED);
    }
    if (s->have_errors && output_close(&s->errors) < 0)
        errors_failed(s);
    s->have_errors = 0;
    pending_free(&s->pending);
}
