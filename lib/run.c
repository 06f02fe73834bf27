/* The run's shared helpers; see run.h. */
#include "run.h"

#include <time.h>

long long run_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void run_stop(struct run *run, enum enrich_status st)
{
    if (!run->finished)
        run->status = st;
    run->finished = 1;
}

int run_record_done(const void *ctx, size_t slot)
{
    const struct run *run = ctx;
    return run->records[slot].state == REC_DONE;
}
