/* Fuzz target: option values (durations, rates, sizes, numbers, --max-failures, --ok and
 * --retry-on). Each parser either refuses the text or returns a value in range. */
#include <string.h>

#include "enrich.h"
#include "fuzz.h"
#include "retry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    long ms;
    if (enrich_parse_duration(text, &ms) == 0)
        FUZZ_CHECK(ms >= 0);
    double number, per_ms;
    enrich_parse_number(text, &number);
    if (enrich_parse_rate(text, &per_ms) == 0)
        FUZZ_CHECK(per_ms > 0);
    unsigned long count;
    double percent;
    enrich_parse_max_failures(text, &count, &percent);
    size_t bytes;
    enrich_parse_size(text, &bytes);
    struct enrich_ok_set ok;
    enrich_parse_ok(text, &ok);
    struct enrich_retry_on on;
    retry_on_parse(text, &on);
    free(text);
    return 0;
}
