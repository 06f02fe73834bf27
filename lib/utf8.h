/* UTF-8 encoding and decoding, by RFC 3629's rules: the one place that knows
 * which byte sequences are UTF-8. Pure functions on the caller's bytes; no
 * allocation. */
#ifndef ENRICH_UTF8_H
#define ENRICH_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decode the sequence at p, reading no further than end. Returns its length
 * (1 for ASCII, NUL included, up to 4) and sets *cp to its code point; or
 * returns 0, *cp untouched, when the bytes at p are not valid UTF-8: p at
 * end, a continuation byte, a lead byte C0, C1 or F5 to FF, a sequence cut
 * short by end or by a byte that is not a continuation, an overlong form, a
 * UTF-16 surrogate (U+D800 to U+DFFF) or a code point past U+10FFFF. */
size_t utf8_decode(const char *p, const char *end, uint32_t *cp);

/* Encode cp (at most U+10FFFF; surrogates are not checked for) into out.
 * Returns the number of bytes written, 1 to 4. */
size_t utf8_encode(uint32_t cp, char out[4]);

#endif
