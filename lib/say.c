/* Messages; see say.h. */
#include "say.h"

#include <stdarg.h>
#include <stdio.h>

void say(const struct enrich_options *o, const char *fmt, ...)
{
    if (!o->message)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    o->message(o->message_ctx, line);
}
