/* Writing every byte to a descriptor, through short writes and EINTR: for
 * the small texts written at once (the status line, statistics). */
#ifndef ENRICH_WRITEALL_H
#define ENRICH_WRITEALL_H

#include <stddef.h>

/* Returns 0, or -1 with errno set (some bytes may have been written). */
int write_all(int fd, const void *p, size_t n);

#endif
