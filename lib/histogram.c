/* The log-linear latency histogram; see histogram.h. */
#include "histogram.h"

#include <math.h>
#include <stdlib.h>

/* 2 significant digits: 256 exact values below 256, then 128 buckets for
 * each power of two up to 2^32 (past HISTOGRAM_MAX, about 2^31.7). */
#define SUB_BITS 7
#define SUB_HALF (1u << SUB_BITS) /* 128 */
#define LINEAR (2u * SUB_HALF)    /* 256 values counted exactly */
#define TOP_BIT 32                /* values below 2^32 */
#define BUCKETS (LINEAR + (TOP_BIT - SUB_BITS - 1) * SUB_HALF)

struct histogram {
    uint64_t count, min, max, sum;
    uint64_t counts[BUCKETS];
};

struct histogram *histogram_new(void)
{
    return calloc(1, sizeof(struct histogram));
}

void histogram_free(struct histogram *h)
{
    free(h);
}

static int top_bit(uint64_t v)
{
    return 63 - __builtin_clzll(v);
}

static size_t index_of(uint64_t v)
{
    if (v > HISTOGRAM_MAX)
        v = HISTOGRAM_MAX;
    if (v < LINEAR)
        return (size_t)v;
    int b = top_bit(v);       /* 8 .. 31 */
    int shift = b - SUB_BITS; /* the bucket width is 2^shift */
    return LINEAR + (size_t)(b - SUB_BITS - 1) * SUB_HALF + (size_t)((v >> shift) - SUB_HALF);
}

/* The lowest value of bucket i and its width. */
static void bucket_range(size_t i, uint64_t *low, uint64_t *width)
{
    if (i < LINEAR) {
        *low = i, *width = 1;
        return;
    }
    size_t octave = (i - LINEAR) / SUB_HALF; /* 0 for [256, 512) */
    size_t sub = (i - LINEAR) % SUB_HALF;
    int shift = (int)octave + 1;
    *low = (uint64_t)(SUB_HALF + sub) << shift;
    *width = (uint64_t)1 << shift;
}

void histogram_record(struct histogram *h, uint64_t value)
{
    h->counts[index_of(value)]++;
    if (h->count == 0 || value < h->min)
        h->min = value;
    if (value > h->max)
        h->max = value;
    h->sum = h->sum > UINT64_MAX - value ? UINT64_MAX : h->sum + value;
    h->count++;
}

uint64_t histogram_count(const struct histogram *h)
{
    return h->count;
}

uint64_t histogram_min(const struct histogram *h)
{
    return h->min;
}

uint64_t histogram_max(const struct histogram *h)
{
    return h->max;
}

uint64_t histogram_sum(const struct histogram *h)
{
    return h->sum;
}

uint64_t histogram_percentile(const struct histogram *h, double p)
{
    if (h->count == 0)
        return 0;
    if (p < 0)
        p = 0;
    if (p > 100)
        p = 100;
    uint64_t rank = (uint64_t)ceil(p / 100.0 * (double)h->count);
    if (rank < 1)
        rank = 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < BUCKETS; i++) {
        seen += h->counts[i];
        if (seen < rank)
            continue;
        uint64_t low, width;
        bucket_range(i, &low, &width);
        uint64_t v = low + width / 2;
        if (v < h->min)
            v = h->min;
        if (v > h->max || rank == h->count)
            v = h->max;
        return v;
    }
    return h->max;
}
