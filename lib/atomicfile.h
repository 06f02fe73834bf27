/* Writing a whole file atomically: readers (node_exporter's textfile
 * collector, a cron job's next run) see the old file or the new one, never
 * half of one. The text goes to a temporary file in the same directory,
 * is synced, and is renamed over the path. */
#ifndef ENRICH_ATOMICFILE_H
#define ENRICH_ATOMICFILE_H

#include <stddef.h>

/* Replace path with data[0..len) (mode 0666 less the umask). Returns 0, or
 * -1 with the reason in why (n bytes); then no temporary file is left. */
int atomicfile_write(const char *path, const char *data, size_t len, char *why, size_t n);

#endif
