/* How many connections the limit on open files allows. Every connection is
 * a descriptor: past the limit, socket() fails and a request that could have
 * waited for a connection fails instead. The arithmetic is pure (unit
 * tested); fdlimit_raise and fdlimit_open_count ask the system. */
#ifndef ENRICH_FDLIMIT_H
#define ENRICH_FDLIMIT_H

#include <stddef.h>

/* No limit on open files, or none that could be read. */
#define FDLIMIT_NONE ((unsigned long long)-1)

/* Descriptors kept for what opens after the start: libcurl's wakeup pair and
 * resolver pipes, the next input file, with room to spare. */
#define FDLIMIT_RESERVE 32

/* The most connections to hold open at once under a limit of nofile open
 * files, open_now of them already in use: what is left less FDLIMIT_RESERVE,
 * or half of it when too little is left for that; at least 1. SIZE_MAX for
 * FDLIMIT_NONE. */
size_t fdlimit_connections(unsigned long long nofile, size_t open_now);

/* Raise the soft limit on open files (RLIMIT_NOFILE) to the hard limit, as
 * the process may without privileges. Returns the soft limit in force
 * afterwards (the old one if raising failed), or FDLIMIT_NONE. */
unsigned long long fdlimit_raise(void);

/* How many descriptors the process has open (descriptors it inherited
 * count), or 0 when the system does not say (no /proc). */
size_t fdlimit_open_count(void);

#endif
