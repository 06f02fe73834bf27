/* Where records go: the output (standard output or -o FILE) and the
 * --errors file, which every failed line is copied to, in output order.
 *
 * Both are opened here, after checking that neither is an input nor the
 * other (by device and inode, as cat does). A record leaves through
 * sinks_write; records whose line is in the output's buffer and not yet
 * written are remembered (pending.h), so that a run that stops early can
 * still account for every record it read: sinks_save_unwritten copies them,
 * and the records still held, to --errors in input order, and
 * sinks_report_unwritten says where the output ends. */
#ifndef ENRICH_SINKS_H
#define ENRICH_SINKS_H

#include <stddef.h>

#include "enrich.h"
#include "output.h"
#include "pending.h"
#include "record.h"

struct sinks {
    const struct enrich_options *o; /* borrowed: paths, messages */

    struct output out;
    struct output errors;
    int have_errors;
    int out_said, errors_said;  /* a failing output is reported once */
    enum enrich_status trouble; /* what a failed output means for the run, or ENRICH_OK */
    struct pending pending;     /* records in out's buffer, not yet written */
};

/* Check and open both. interrupted: the output's hook for a blocked write
 * hit by a signal (see output.h). Returns 0, or -1 after saying why (a
 * usage error: nothing was read or truncated; a new --errors file is
 * removed again). */
int sinks_open(struct sinks *s, const struct enrich_options *o, output_interrupt_fn interrupted,
               void *ctx);
/* Resuming from a checkpoint: cut the output and --errors back to the
 * lengths it committed (the output is then written on, not truncated).
 * Returns 0, or -1 after saying why. */
int sinks_resume(struct sinks *s, unsigned long long out_len, unsigned long long errors_len);
/* Flush both and make them durable (for a checkpoint). Returns 0 or -1
 * (trouble set). */
int sinks_sync(struct sinks *s);
/* Flush and close both; a close that fails on a run that was otherwise fine
 * is reported and sets trouble. */
void sinks_close(struct sinks *s, int run_ok);

/* r leaves: its line goes to --errors if r->to_errors, then r->out to the
 * output if r->emit. Returns 0, or -1 when the output failed: r was not
 * written and must stay held (trouble says what it means for the run). */
int sinks_write(struct sinks *s, struct record *r);
/* Write what the output holds. Returns 0 or -1 (trouble set). */
int sinks_flush(struct sinks *s);

/* A run that stopped early: copy to --errors, in input order, the records in
 * the output's lost buffer and the held records (held[0..n), oldest first)
 * that are not there already, and say in one line what became of them (and,
 * after a write error, where the output ends). */
void sinks_report_unwritten(struct sinks *s, struct record *const *held, size_t n);

#endif
