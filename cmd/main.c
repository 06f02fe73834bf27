/* enrich: wiring only. Parse options, set up signals, run the library, turn
 * its status into an exit status. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "enrich.h"
#include "options.h"

static int signal_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
    int saved = errno;
    unsigned char b = (unsigned char)sig;
    if (write(signal_pipe[1], &b, 1) < 0) {
        /* The pipe is full of signals already: nothing more to say. */
    }
    errno = saved;
}

/* A closed 0, 1 or 2 would be taken by the next descriptor opened (the
 * signal pipe read as input, records written into a socket): hold each on
 * /dev/null first. Returns a bit per descriptor that was closed, or -1. */
static int hold_std_fds(void)
{
    int closed = 0;
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
            continue;
        int null = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
        if (null != fd)
            return -1;
        closed |= 1 << fd;
    }
    return closed;
}

static int setup_signals(void)
{
    /* EPIPE is handled where writes happen; a signal would kill us mid-record.
     * SIGXFSZ too: a file size limit is a write error like a full disk. */
    signal(SIGPIPE, SIG_IGN);
    signal(SIGXFSZ, SIG_IGN);
    if (pipe2(signal_pipe, O_NONBLOCK | O_CLOEXEC) < 0)
        return -1;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    return sigaction(SIGINT, &sa, NULL) | sigaction(SIGTERM, &sa, NULL);
}

static void print_message(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "enrich: %s\n", line);
}

int main(int argc, char **argv)
{
    int closed = hold_std_fds();
    if (closed < 0)
        return 3;
    struct enrich_options o;
    enrich_options_init(&o);
        enum cli_result cli = cli_parse(argc, argv, &o);
    /* The command's words make a checkpoint's fingerprint. */
    o.argv = (const char *const *)argv + 1;
    o.argc = argc > 0 ? (size_t)argc - 1 : 0;
    if (cli != CLI_RUN) {
        cli_free(&o);
        return cli == CLI_DONE ? 0 : 2;
    }
    if ((closed & 2) && (!o.output_path || strcmp(o.output_path, "-") == 0)) {
        fputs("enrich: standard output is closed: nowhere to write (use -o FILE)\n", stderr);
        cli_free(&o);
        return 2;
    }
    if (setup_signals() < 0) {
        perror("enrich: signals");
        return 3;
    }
    if (!o.output_path && isatty(1))
        o.line_buffered = 1;
    /* The library never guesses whether a status line fits: that is ours. */
    if (o.progress == ENRICH_PROGRESS_ALWAYS || (o.progress == ENRICH_PROGRESS_TTY && isatty(2)))
        o.progress_fd = 2;
    o.stats_fd = 2;
    o.signal_fd = signal_pipe[0];
    o.message = print_message;
    int sig = 0;
    enum enrich_status st = enrich_run(&o, &sig);
    cli_free(&o);
    switch (st) {
    case ENRICH_OK: return 0;
    case ENRICH_SOME_FAILED: return 1;
    case ENRICH_USAGE: return 2;
    case ENRICH_ABORTED: return 3;
    case ENRICH_BROKEN_PIPE: return 141;
    case ENRICH_INTERRUPTED: return 128 + sig;
    }
    return 3;
}
