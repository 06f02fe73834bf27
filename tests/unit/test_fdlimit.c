/* The connections an open-file limit allows. */
#include "fdlimit.h"

#include <stdint.h>
#include <sys/resource.h>

#include "tap.h"

static void connections(unsigned long long nofile, size_t open_now, size_t want)
{
    size_t got = fdlimit_connections(nofile, open_now);
    ok(got == want, "%llu open files, %zu open: %zu connections (got %zu)", nofile, open_now, want,
       got);
}

int main(void)
{
    connections(20000, 0, 20000 - FDLIMIT_RESERVE);
    connections(1024, 4, 1020 - FDLIMIT_RESERVE);
    connections(64, 0, 64 - FDLIMIT_RESERVE);
    connections(64, 5, 30); /* too little left for the whole reserve: half of it */
    connections(20, 0, 10);
    connections(64, 50, 7);
    connections(64, 63, 1);
    connections(64, 64, 1);
    connections(64, 100, 1); /* inherited past the limit: still try one */
    connections(0, 0, 1);
    connections(FDLIMIT_NONE, 10, SIZE_MAX);

    size_t before = fdlimit_open_count();
    FILE *f = fopen("/dev/null", "r");
    ok(before >= 3 && fdlimit_open_count() == before + 1,
       "fdlimit_open_count counts the standard streams and one more file (%zu)", before);
    if (f)
        fclose(f);

    /* Lower the soft limit (as ulimit -Sn would) and raise it again. */
    struct rlimit lim;
    getrlimit(RLIMIT_NOFILE, &lim);
    if (lim.rlim_max != RLIM_INFINITY && lim.rlim_max > 64) {
        struct rlimit low = {.rlim_cur = 64, .rlim_max = lim.rlim_max};
        ok(setrlimit(RLIMIT_NOFILE, &low) == 0, "soft limit lowered to 64");
        ok(fdlimit_raise() == (unsigned long long)lim.rlim_max,
           "fdlimit_raise returns the hard limit, %llu", (unsigned long long)lim.rlim_max);
        getrlimit(RLIMIT_NOFILE, &low);
        ok(low.rlim_cur == lim.rlim_max, "the soft limit is the hard one now");
    } else {
        ok(fdlimit_raise() > 0, "fdlimit_raise reads a limit (hard limit %llu: nothing to raise)",
           (unsigned long long)lim.rlim_max);
    }
    return tap_done();
}
