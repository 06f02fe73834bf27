/* A latency histogram in bounded memory, shaped like HdrHistogram: values
 * (microseconds, say) fall into log-linear buckets that keep two significant
 * digits, from 1 to HISTOGRAM_MAX (an hour in microseconds), in about 26 KB
 * however many values it holds. Values 0 .. 255 are counted exactly; above,
 * each power of two is cut into 128 equal buckets, so a bucket is at most
 * 1/128 of its lowest value wide and a percentile is off by less than 0.4%
 * (it is reported as the bucket's midpoint). A larger value is counted in
 * the last bucket; min, max and the sum stay exact. Pure: no clock, no I/O. */
#ifndef ENRICH_HISTOGRAM_H
#define ENRICH_HISTOGRAM_H

#include <stdint.h>

#define HISTOGRAM_MAX ((uint64_t)3600 * 1000 * 1000)

struct histogram; /* opaque */

/* An empty histogram, or NULL when out of memory. */
struct histogram *histogram_new(void);
void histogram_free(struct histogram *h);

void histogram_record(struct histogram *h, uint64_t value);

uint64_t histogram_count(const struct histogram *h);
/* Exact; 0 when empty. The sum saturates at UINT64_MAX. */
uint64_t histogram_min(const struct histogram *h);
uint64_t histogram_max(const struct histogram *h);
uint64_t histogram_sum(const struct histogram *h);

/* The value at percentile p (0 to 100): of the bucket holding the
 * ceil(p% of count)-th smallest value, its midpoint, kept within min and
 * max (so p = 100 is the max, exactly). 0 when empty. */
uint64_t histogram_percentile(const struct histogram *h, double p);

#endif
