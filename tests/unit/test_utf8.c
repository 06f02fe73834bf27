/* Unit tests for lib/utf8.c. Sequences are copied into exact-size heap
 * buffers with no NUL, so a read past end shows up under ASan. */
#include "utf8.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"

static char *heap_copy(const char *s, size_t n)
{
    char *p = malloc(n ? n : 1);
    if (!p) {
        perror("malloc");
        exit(2);
    }
    memcpy(p, s, n);
    return p;
}

/* Decode the n bytes at s (an exact heap copy, nothing after them). */
static size_t decode(const char *s, size_t n, uint32_t *cp)
{
    char *p = heap_copy(s, n);
    size_t len = utf8_decode(p, p + n, cp);
    free(p);
    return len;
}

#define DECODES(lit, want_cp, name)                                                                \
    do {                                                                                           \
        uint32_t cp = 0xDEAD;                                                                      \
        size_t len = decode(lit, sizeof lit - 1, &cp);                                             \
        ok(len == sizeof lit - 1 && cp == (want_cp), "decode: %s (len %zu, U+%04X)", name, len,    \
           (unsigned)cp);                                                                          \
    } while (0)

/* Invalid: returns 0 and leaves *cp alone. */
#define REJECTS(lit, name)                                                                         \
    do {                                                                                           \
        uint32_t cp = 0xDEAD;                                                                      \
        size_t len = decode(lit, sizeof lit - 1, &cp);                                             \
        ok(len == 0 && cp == 0xDEAD, "decode rejects: %s (len %zu)", name, len);                   \
    } while (0)

static void test_decode(void)
{
    DECODES("a", 'a', "ASCII");
    DECODES("\0", 0, "NUL is ASCII");
    DECODES("\x7f", 0x7F, "DEL");
    DECODES("\xc2\x80", 0x80, "U+0080, the first 2-byte");
    DECODES("\xc3\xa9", 0xE9, "U+00E9");
    DECODES("\xdf\xbf", 0x7FF, "U+07FF, the last 2-byte");
    DECODES("\xe0\xa0\x80", 0x800, "U+0800, the first 3-byte");
    DECODES("\xe2\x82\xac", 0x20AC, "U+20AC");
    DECODES("\xed\x9f\xbf", 0xD7FF, "U+D7FF, just below the surrogates");
    DECODES("\xee\x80\x80", 0xE000, "U+E000, just above the surrogates");
    DECODES("\xef\xbf\xbf", 0xFFFF, "U+FFFF, the last 3-byte");
    DECODES("\xf0\x90\x80\x80", 0x10000, "U+10000, the first 4-byte");
    DECODES("\xf0\x9f\x98\x80", 0x1F600, "U+1F600");
    DECODES("\xf4\x8f\xbf\xbf", 0x10FFFF, "U+10FFFF, the last code point");

    REJECTS("", "nothing before end");
    REJECTS("\x80", "a lone continuation byte");
    REJECTS("\xbf", "continuation byte BF");
    REJECTS("\xc0\x80", "overlong C0 80");
    REJECTS("\xc1\xbf", "overlong C1 BF");
    REJECTS("\xe0\x80\xaf", "overlong E0 80 AF");
    REJECTS("\xe0\x9f\xbf", "overlong E0 9F BF");
    REJECTS("\xf0\x80\x80\x80", "overlong F0 80 80 80");
    REJECTS("\xf0\x8f\xbf\xbf", "overlong F0 8F BF BF");
    REJECTS("\xed\xa0\x80", "surrogate U+D800");
    REJECTS("\xed\xbf\xbf", "surrogate U+DFFF");
    REJECTS("\xf4\x90\x80\x80", "U+110000, past the last");
    REJECTS("\xf5\x80\x80\x80", "lead byte F5");
    REJECTS("\xff", "byte FF");
    REJECTS("\xc3", "a 2-byte sequence cut by end");
    REJECTS("\xe2\x82", "a 3-byte sequence cut by end");
    REJECTS("\xf0\x9f\x98", "a 4-byte sequence cut by end");
    REJECTS("\xe2\x82z", "a sequence cut by ASCII");
    REJECTS("\xe2\xc3\xa9", "a sequence cut by a lead byte");
    REJECTS("\xc3\x00", "a sequence cut by NUL");

    uint32_t cp;
    const char *two = "\xc3\xa9\xc3\xa9";
    ok(utf8_decode(two, two + 4, &cp) == 2 && cp == 0xE9, "decode: reads one sequence only");
    ok(utf8_decode(two, two + 1, &cp) == 0, "decode: stops at end, not at the next byte");
}

static void test_encode(void)
{
    char out[4];
    ok(utf8_encode('A', out) == 1 && out[0] == 'A', "encode: ASCII");
    ok(utf8_encode(0xE9, out) == 2 && memcmp(out, "\xc3\xa9", 2) == 0, "encode: U+00E9");
    ok(utf8_encode(0x20AC, out) == 3 && memcmp(out, "\xe2\x82\xac", 3) == 0, "encode: U+20AC");
    ok(utf8_encode(0x1F600, out) == 4 && memcmp(out, "\xf0\x9f\x98\x80", 4) == 0,
       "encode: U+1F600");

    /* Every code point but the surrogates goes there and back; the encoded
     * surrogates are refused. */
    size_t bad = 0, surrogates_refused = 0;
    for (uint32_t c = 0; c <= 0x10FFFF; c++) {
        size_t n = utf8_encode(c, out);
        uint32_t back = 0xFFFFFFFF;
        size_t len = utf8_decode(out, out + n, &back);
        size_t want = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
        if (c >= 0xD800 && c <= 0xDFFF)
            surrogates_refused += len == 0;
        else
            bad += n != want || len != n || back != c;
    }
    ok(bad == 0, "encode/decode: every code point round-trips (%zu bad)", bad);
    ok(surrogates_refused == 0x800, "decode: all 2048 encoded surrogates refused");
}

/* Every two-byte string: a valid sequence is exactly what RFC 3629 allows. */
static void test_exhaustive_pairs(void)
{
    size_t wrong = 0;
    for (unsigned a = 0; a < 256; a++) {
        for (unsigned b = 0; b < 256; b++) {
            char s[2] = {(char)a, (char)b};
            uint32_t cp;
            size_t len = utf8_decode(s, s + 2, &cp);
            size_t want = a < 0x80 ? 1 : (a >= 0xC2 && a <= 0xDF && b >= 0x80 && b <= 0xBF) ? 2 : 0;
            wrong += len != want;
        }
    }
    ok(wrong == 0, "decode: all 65536 byte pairs classified as RFC 3629 says (%zu wrong)", wrong);
}

int main(void)
{
    test_decode();
    test_encode();
    test_exhaustive_pairs();
    return tap_done();
}
