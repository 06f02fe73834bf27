/* The library's one way to speak: a one-line message through the
 * options' message callback (cmd/ prints it on stderr). */
#ifndef ENRICH_SAY_H
#define ENRICH_SAY_H

#include "enrich.h"

/* printf-style; longer lines are cut at 1 KiB. Nothing when o->message is NULL. */
void say(const struct enrich_options *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
