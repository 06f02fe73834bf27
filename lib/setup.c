/* Setting a run up and taking it down: the request templates, the checks
 * before anything is read, the checkpoint, the outputs, the queue, records,
 * timers, gate and HTTP engine sized for --capacity and the reorder window;
 * see setup.h. */
#include "setup.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdlimit.h"
#include "jsonvalid.h"
#include "say.h"

#define MAX_LINE ((size_t)1 << 30) /* 1 GiB: a 50 MB record is ordinary */
#define MAX_URL ((size_t)1 << 20)
/* The reorder window's bound in bytes: done records waiting for an earlier
 * one hold at most about this much output before input stops. */
#define WINDOW_BYTES ((size_t)64 << 20)
/* --cache: all stored responses take at most CACHE_BYTES (keys, bodies and
 * content types), and one larger than CACHE_ENTRY_BYTES is not stored. */
#define CACHE_BYTES ((size_t)256 << 20)
#define CACHE_ENTRY_BYTES ((size_t)4 << 20)

/* The files of --cacert, --capath, -E and --key are read by libcurl only
 * when a connection is made: an unreadable one would fail every record as
 * tls. Said at once instead, as a usage error. A PKCS#11 URI names no file.
 * -x is checked too; it may hold a password, so it is never quoted. */
static int check_tls_and_proxy(const struct enrich_options *o)
{
    const struct {
        const char *option, *path;
        int dir;
    } files[] = {
        {"--cacert", o->cacert, 0},
        {"--capath", o->capath, 1},
        {"--cert", o->cert, 0},
        {"--key", o->key, 0},
    };
    struct stat st;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        const char *path = files[i].path;
        int dir = files[i].dir;
        if (!path || strncasecmp(path, "pkcs11:", 7) == 0)
            continue;
        int err = stat(path, &st) < 0                          ? errno
                  : dir && !S_ISDIR(st.st_mode)                ? ENOTDIR
                  : !dir && S_ISDIR(st.st_mode)                ? EISDIR
                  : access(path, dir ? R_OK | X_OK : R_OK) < 0 ? errno
                                                               : 0;
        if (err) {
            say(o, "%s %s: %s", files[i].option, path, strerror(err));
            return -1;
        }
    }
    char why[256];
    if (o->proxy && http_proxy_check(o->proxy, why, sizeof(why)) < 0) {
        say(o, "--proxy: %s", why);
        return -1;
    }
    if (o->insecure && !o->dry_run)
        say(o, "warning: --insecure: server certificates are not verified");
    return 0;
}

int run_setup(struct run *run, output_interrupt_fn interrupted)
{
    const struct enrich_options *o = run->o;
    char err[1200];
    run->redact = (struct redact){o->redact, o->nredact};
    run->spec = request_spec_new(o->url, o->headers, o->nheaders, o->data, o->data_record,
                                 o->allow_missing, &run->redact, err, sizeof(err));
    if (!run->spec) {
        say(o, "%s", err);
        return -1;
    }
    if (input_check(o->inputs, o->ninputs, err, sizeof(err)) < 0) {
        say(o, "%s", err);
        return -1;
    }
    if (check_tls_and_proxy(o) < 0)
        return -1;
    run->check = (struct check_spec){run->spec, o->into, o->error_into};
    run->render =
        (struct render_spec){o->into,   o->error_into, o->on_error,  o->dry_run,
                             o->method, run->spec,     &run->redact, o->user || o->bearer};
    run->outcome =
        (struct outcome_spec){&o->ok, o->timeout_ms, o->attempt_timeout_ms, &run->redact};
    enum commit_start start = COMMIT_FRESH;
    if (o->checkpoint_path) {
        run->checkpointing = 1;
        start = commit_open(&run->commit, o, err, sizeof(err));
        if (start == COMMIT_REFUSED) {
            say(o, "%s", err);
            return -1;
        }
        if (start == COMMIT_DONE) {
            run->already_done = 1;
            return 0;
        }
    }
    if (sinks_open(&run->sinks, o, interrupted, run) < 0)
        return -1;
    /* With --checkpoint, -o is opened without truncating it: cut it here. */
    if (start == COMMIT_RESUME)
        return sinks_resume(&run->sinks, run->commit.loaded.out_len, run->commit.loaded.errors_len);
    if (run->checkpointing && output_cut(&run->sinks.out, 0) < 0) {
        say(o, "%s: %s", o->output_path, strerror(errno));
        return -1;
    }
    return 0;
}

/* The reorder window when --window is not given: room for what the other
 * slots complete while one slow record holds up the head. Measured on a
 * service with 5 ms mean response times and 1% at 200 ms (make bench): at
 * -c 100, a window of 400 reached a quarter of unordered throughput, 1000
 * a half, 4096 all of it. That scales with capacity. */
static size_t default_window(size_t capacity)
{
    size_t w = capacity > 1000000 / 40 ? 1000000 : 40 * capacity;
    return w < 4096 ? 4096 : w;
}

/* The gate's question: where does the record in slot go? */
static int host_of(void *ctx, size_t slot, char *key, size_t n)
{
    const struct run *run = ctx;
    return hostpause_key(run->records[slot].req.url.data, key, n);
}

int run_allocate(struct run *run)
{
    const struct enrich_options *o = run->o;
    /* The most a response adds to a record: its body (at most
     * --max-response-size bytes) as JSON text, plus room for the member's
     * name and path or an error object. */
    size_t max_body = json_response_value_max(o->max_response_size) + MAX_URL;
    run->max_line = MAX_LINE;
    run->max_url = MAX_URL;
    run->max_out = MAX_LINE + max_body;
    input_init(&run->input, o->inputs, o->ninputs, MAX_LINE);
    if (run->commit.resuming)
        input_resume(&run->input, run->commit.loaded.resume.input, run->commit.loaded.resume.offset,
                     run->commit.loaded.resume.lineno);
    int ordered = !o->unordered || o->dry_run;
    /* Unordered, a done record leaves at once: no window to hold it in. A
     * dry run's records are done as they are read, in order: none either. */
    size_t window = !ordered || o->dry_run ? 0
                    : o->window_set        ? o->window
                                           : default_window(o->capacity);
    run->slots = o->capacity + window;
    run->window_bytes_max = WINDOW_BYTES;
    run->gate_timer = run->slots;
    run->rng = (uint64_t)run_now() ^ ((uint64_t)getpid() << 32);
    run->queue = queue_new(run->slots, ordered);
    run->records = calloc(run->slots, sizeof(*run->records));
    run->progress_timer = run->slots + 1;
    run->timers = timers_new(run->slots + 2);
    run->starting = calloc(run->slots, sizeof(*run->starting));
    run->gate = gate_new(run->slots, o->rate_per_ms, (double)o->burst, run_now(), host_of, run);
    if (!run->queue || !run->records || !run->timers || !run->starting || !run->gate ||
        stats_init(&run->stats) < 0)
        return -1;
    run->progress.fd = o->progress_fd;
    run->output_is_tty = isatty(run->sinks.out.fd);
    if (run->progress.fd >= 0)
        timers_set(run->timers, run->progress_timer, run_now());
    buf_init(&run->scratch, max_body + MAX_LINE);
    buf_init(&run->msg, MAX_URL);
    if (o->dry_run)
        return 0;
    /* Every connection is a descriptor: use what the hard limit allows, and
     * past it let requests wait for a connection rather than fail. The
     * smaller of that bound and --max-connections wins; only the limit's
     * needs a word, since the user did not ask for it. */
    unsigned long long nofile = fdlimit_raise();
    size_t open_now = fdlimit_open_count();
    size_t connections = fdlimit_connections(nofile, open_now); /* SIZE_MAX: no limit */
    size_t bound = connections;
    if (o->max_connections > 0 && o->max_connections < connections)
        bound = o->max_connections;
    else if (connections < o->capacity)
        say(o,
            "--capacity %zu is more than the open-file limit of %llu allows (%zu open already): "
            "at most %zu connections at once, other requests wait for one",
            o->capacity, nofile, open_now, connections);
    if (o->cache > 0) {
        struct cache_config cc = {o->cache, run->slots, o->cache_ttl_ms, CACHE_BYTES,
                                  CACHE_ENTRY_BYTES};
        if (!(run->cache = cache_new(&cc)))
            return -1;
    }
    size_t n;
    const char *const *fixed = request_spec_static_headers(run->spec, &n);
    struct http_config cfg = {
        .transfers = o->capacity,
        .max_connections = bound == SIZE_MAX ? 0 : bound,
        .max_host_connections = o->max_host_connections,
        .http2_prior_knowledge = o->http2_prior_knowledge,
        .method = o->method,
        .connect_timeout_ms = o->connect_timeout_ms,
        .follow_redirects = o->follow_redirects,
        .max_body = o->max_response_size,
        .headers = fixed,
        .nheaders = fixed ? n : 0,
        .user_agent = "enrich/" ENRICH_VERSION,
        /* credentials */
        .user = o->user,
        .bearer = o->bearer,
        .netrc_file = o->netrc_file,
        /* TLS and proxies */
        .cacert = o->cacert,
        .capath = o->capath,
        .insecure = o->insecure,
        .cert = o->cert,
        .cert_password = o->cert_password,
        .key = o->key,
        .proxy = o->proxy,
        .noproxy = o->noproxy,
    };
    run->http = http_new(&cfg);
    return run->http ? 0 : -1;
}

void run_teardown(struct run *run)
{
    if (run->checkpointing)
        commit_close(&run->commit);
    http_free(run->http);
    cache_free(run->cache);
    for (size_t i = 0; run->records && i < run->slots; i++)
        record_free(&run->records[i]);
    free(run->records);
    free(run->starting);
    gate_free(run->gate);
    queue_free(run->queue);
    timers_free(run->timers);
    request_spec_free(run->spec);
    buf_free(&run->scratch);
    buf_free(&run->msg);
    input_close(&run->input);
    stats_free(&run->stats);
}
