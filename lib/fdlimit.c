/* The open-file limit and the connections it allows; see fdlimit.h. */
#include "fdlimit.h"

#include <dirent.h>
#include <stdint.h>
#include <sys/resource.h>

size_t fdlimit_connections(unsigned long long nofile, size_t open_now)
{
    if (nofile == FDLIMIT_NONE || nofile >= SIZE_MAX)
        return SIZE_MAX;
    unsigned long long left = nofile > open_now ? nofile - open_now : 0;
    unsigned long long reserve = left >= 2 * FDLIMIT_RESERVE ? FDLIMIT_RESERVE : left / 2;
    return left - reserve > 0 ? (size_t)(left - reserve) : 1;
}

unsigned long long fdlimit_raise(void)
{
    struct rlimit lim;
    if (getrlimit(RLIMIT_NOFILE, &lim) < 0)
        return FDLIMIT_NONE;
    if (lim.rlim_cur != lim.rlim_max) {
        struct rlimit raised = {.rlim_cur = lim.rlim_max, .rlim_max = lim.rlim_max};
        /* Refused when the hard limit is infinite yet the kernel caps open
         * files (Linux: fs.nr_open): keep the soft limit then. */
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
            lim.rlim_cur = lim.rlim_max;
    }
    return lim.rlim_cur == RLIM_INFINITY ? FDLIMIT_NONE : (unsigned long long)lim.rlim_cur;
}

size_t fdlimit_open_count(void)
{
    DIR *dir = opendir("/proc/self/fd");
    if (!dir)
        return 0;
    size_t n = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)))
        if (entry->d_name[0] != '.')
            n++;
    closedir(dir);
    return n > 0 ? n - 1 : 0; /* the directory's own descriptor is listed too */
}
