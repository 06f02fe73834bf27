/* Spans of JSON text: find where values start and end, look members up and
 * decode, quote and minify strings, all on the caller's bytes and without
 * allocating. Every scan is bounded by an explicit end pointer, because the
 * input lines are not NUL-terminated and may be malformed. */
#include "jsonspan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Undo a partly written result: buf appends are atomic one by one, but our
 * functions append many pieces and promise all or nothing. */
static void out_truncate(struct buf *out, size_t len)
{
    out->len = len;
    if (out->data)
        out->data[len] = '\0';
}

const char *jspan_skip_ws(const char *p, const char *end)
{
    while (p < end && is_ws(*p))
        p++;
    return p;
}

/* p is just past an opening quote. Returns the byte after the closing quote,
 * or NULL if there is none before end. memchr finds candidate quotes fast;
 * a quote preceded by an odd run of backslashes is escaped. Each run is
 * counted once, so this stays linear. */
static const char *scan_string(const char *p, const char *end)
{
    const char *start = p;
    while (p < end) {
        const char *q = memchr(p, '"', (size_t)(end - p));
        if (!q)
            return NULL;
        size_t backslashes = 0;
        for (const char *b = q; b > start && b[-1] == '\\'; b--)
            backslashes++;
        if (backslashes % 2 == 0)
            return q + 1;
        p = q + 1;
    }
    return NULL;
}

static const char *scan_digits(const char *p, const char *end)
{
    if (p >= end || !is_digit(*p))
        return NULL;
    while (p < end && is_digit(*p))
        p++;
    return p;
}

/* The JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static const char *scan_number(const char *p, const char *end)
{
    if (p < end && *p == '-')
        p++;
    if (p < end && *p == '0')
        p++;
    else if (!(p = scan_digits(p, end)))
        return NULL;
    if (p < end && *p == '.' && !(p = scan_digits(p + 1, end)))
        return NULL;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        p = scan_digits(p, end);
    }
    return p;
}

/* p is at '{' or '['. Depth counting suffices for validated text; the
 * outermost closer is still checked so a stray mismatch is not taken as a
 * container. Returns the byte after the closer, or NULL. */
static const char *scan_container(const char *p, const char *end)
{
    char open = *p;
    size_t depth = 0;
    while (p < end) {
        char c = *p++;
        if (c == '"') {
            if (!(p = scan_string(p, end)))
                return NULL;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if ((c == '}' || c == ']') && --depth == 0) {
            return c == (open == '{' ? '}' : ']') ? p : NULL;
        }
    }
    return NULL;
}

static const char *scan_literal(const char *p, const char *end, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(end - p) < n || memcmp(p, word, n) != 0)
        return NULL;
    return p + n;
}

int jspan_value(const char *p, const char *end, struct jspan *out)
{
    p = jspan_skip_ws(p, end);
    if (p >= end)
        return -1;
    const char *e;
    enum jtype type;
    switch (*p) {
    case '"': e = scan_string(p + 1, end), type = J_STRING; break;
    case '{': e = scan_container(p, end), type = J_OBJECT; break;
    case '[': e = scan_container(p, end), type = J_ARRAY; break;
    case 't': e = scan_literal(p, end, "true"), type = J_TRUE; break;
    case 'f': e = scan_literal(p, end, "false"), type = J_FALSE; break;
    case 'n': e = scan_literal(p, end, "null"), type = J_NULL; break;
    default: e = scan_number(p, end), type = J_NUMBER; break;
    }
    if (!e)
        return -1;
    out->p = p;
    out->n = (size_t)(e - p);
    out->type = type;
    return 0;
}

int jspan_iter_begin(const struct jspan *v, struct jspan_iter *it)
{
    if (v->type != J_OBJECT && v->type != J_ARRAY)
        return -1;
    /* Tolerate whitespace around a span a caller built by hand. */
    const char *p = jspan_skip_ws(v->p, v->p + v->n);
    const char *end = v->p + v->n;
    while (end > p && is_ws(end[-1]))
        end--;
    char open = v->type == J_OBJECT ? '{' : '[';
    char close = v->type == J_OBJECT ? '}' : ']';
    if (end - p < 2 || p[0] != open || end[-1] != close)
        return -1;
    it->p = p + 1;
    it->end = end - 1; /* the closer: values never reach it */
    it->first = 1;
    return 0;
}

/* Step past the separator before the next item. Returns 1 if there is an
 * item, 0 at the end, -1 on malformed text. */
static int iter_advance(struct jspan_iter *it)
{
    it->p = jspan_skip_ws(it->p, it->end);
    if (it->p >= it->end)
        return 0;
    if (!it->first) {
        if (*it->p != ',')
            return -1;
        it->p++;
    }
    it->first = 0;
    return 1;
}

int jspan_next_member(struct jspan_iter *it, struct jspan *key, struct jspan *value)
{
    int r = iter_advance(it);
    if (r <= 0)
        return r;
    if (jspan_value(it->p, it->end, key) < 0 || key->type != J_STRING)
        return -1;
    const char *p = jspan_skip_ws(key->p + key->n, it->end);
    if (p >= it->end || *p != ':')
        return -1;
    if (jspan_value(p + 1, it->end, value) < 0)
        return -1;
    it->p = value->p + value->n;
    return 1;
}

int jspan_next_elem(struct jspan_iter *it, struct jspan *value)
{
    int r = iter_advance(it);
    if (r <= 0)
        return r;
    if (jspan_value(it->p, it->end, value) < 0)
        return -1;
    it->p = value->p + value->n;
    return 1;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Read "uXXXX" at p (the byte after a backslash). Returns the code unit or -1. */
static long read_u_escape(const char *p, const char *end)
{
    if (end - p < 5 || *p != 'u')
        return -1;
    long v = 0;
    for (int i = 1; i <= 4; i++) {
        int h = hex_value(p[i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* The code point of the \u escape at p (p at 'u'), joining a surrogate pair
 * and turning a lone surrogate into U+FFFD. Sets *next past what it used.
 * Returns -1 on a malformed escape. */
static long decode_u(const char *p, const char *end, const char **next)
{
    long cp = read_u_escape(p, end);
    if (cp < 0)
        return -1;
    *next = p + 5;
    if (cp >= 0xDC00 && cp <= 0xDFFF)
        return 0xFFFD;
    if (cp < 0xD800 || cp > 0xDBFF)
        return cp;
    if (end - *next >= 6 && (*next)[0] == '\\') {
        long lo = read_u_escape(*next + 1, end);
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
            *next += 6;
            return 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
    }
    return 0xFFFD;
}

/* Decode the escape at p (p at the backslash) into bytes[0..*len), setting
 * *next past it. Returns 0, -1 when malformed. */
static int decode_escape(const char *p, const char *end, char bytes[4], size_t *len,
                         const char **next)
{
    if (end - p < 2)
        return -1;
    static const char from[] = "\"\\/bfnrt";
    static const char to[] = "\"\\/\b\f\n\r\t";
    const char *hit = memchr(from, p[1], sizeof from - 1);
    if (hit) {
        bytes[0] = to[hit - from];
        *len = 1;
        *next = p + 2;
        return 0;
    }
    long cp = decode_u(p + 1, end, next);
    if (cp < 0)
        return -1;
    *len = utf8_encode((uint32_t)cp, bytes);
    return 0;
}

/* The bytes between a string span's quotes, or -1 if s is not a string. */
static int string_inner(const struct jspan *s, const char **p, const char **end)
{
    if (s->type != J_STRING || s->n < 2 || s->p[0] != '"' || s->p[s->n - 1] != '"')
        return -1;
    *p = s->p + 1;
    *end = s->p + s->n - 1;
    return 0;
}

int jspan_string_decode(const struct jspan *s, struct buf *out)
{
    const char *p, *end;
    if (string_inner(s, &p, &end) < 0)
        return -1;
    size_t entry = out->len;
    while (p < end) {
        const char *bs = memchr(p, '\\', (size_t)(end - p));
        const char *run_end = bs ? bs : end;
        if (buf_append(out, p, (size_t)(run_end - p)) < 0)
            goto fail;
        if (!bs)
            break;
        char bytes[4];
        size_t len;
        if (decode_escape(bs, end, bytes, &len, &p) < 0 || buf_append(out, bytes, len) < 0)
            goto fail;
    }
    return 0;
fail:
    out_truncate(out, entry);
    return -1;
}

/* Compare a key containing escapes against name, one decoded unit at a
 * time, so no scratch buffer is needed. */
static int key_equals_slow(const char *p, const char *end, const char *name, size_t n)
{
    size_t pos = 0;
    while (p < end) {
        char bytes[4];
        size_t len = 1;
        if (*p != '\\') {
            bytes[0] = *p++;
        } else if (decode_escape(p, end, bytes, &len, &p) < 0) {
            return 0;
        }
        if (len > n - pos || memcmp(name + pos, bytes, len) != 0)
            return 0;
        pos += len;
    }
    return pos == n;
}

int jspan_key_equals(const struct jspan *key, const char *name, size_t n)
{
    const char *p, *end;
    if (string_inner(key, &p, &end) < 0)
        return 0;
    size_t raw = (size_t)(end - p);
    if (!memchr(p, '\\', raw))
        return raw == n && memcmp(p, name, n) == 0;
    /* An escape never decodes to more bytes than it takes, so a key whose raw
     * text is shorter than the name cannot match. */
    if (raw < n)
        return 0;
    return key_equals_slow(p, end, name, n);
}

int jspan_member(const struct jspan *obj, const char *name, size_t n, struct jspan *key,
                 struct jspan *value)
{
    struct jspan_iter it;
    if (obj->type != J_OBJECT)
        return 0;
    if (jspan_iter_begin(obj, &it) < 0)
        return -1;
    struct jspan k, v;
    int found = 0, r;
    /* No early exit: with duplicate keys the last one is the one that counts. */
    while ((r = jspan_next_member(&it, &k, &v)) == 1) {
        if (!jspan_key_equals(&k, name, n))
            continue;
        found = 1;
        if (key)
            *key = k;
        if (value)
            *value = v;
    }
    return r < 0 ? -1 : found;
}

/* Parse an all-digit component as an array index. Returns 0, -1 when the
 * component is empty, not all digits, or the index does not fit. */
static int parse_index(const char *s, size_t n, size_t *index)
{
    size_t v = 0;
    if (n == 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return -1;
        size_t d = (size_t)(s[i] - '0');
        if (v > (SIZE_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *index = v;
    return 0;
}

static int array_elem(const struct jspan *arr, size_t index, struct jspan *out)
{
    struct jspan_iter it;
    if (jspan_iter_begin(arr, &it) < 0)
        return -1;
    struct jspan v;
    int r;
    for (size_t i = 0; (r = jspan_next_elem(&it, &v)) == 1; i++) {
        if (i == index) {
            *out = v;
            return 1;
        }
    }
    return r;
}

void jspan_path_begin(struct jspan_path_iter *it, const char *path, size_t n)
{
    it->next = path;
    it->end = path + n;
    it->more = 1;
}

int jspan_path_next(struct jspan_path_iter *it, const char **comp, size_t *n)
{
    if (!it->more)
        return 0;
    /* memchr wants a valid pointer even for 0 bytes; an empty path's may not be. */
    size_t left = (size_t)(it->end - it->next);
    const char *dot = left ? memchr(it->next, '.', left) : NULL;
    *comp = it->next;
    *n = dot ? (size_t)(dot - it->next) : left;
    it->next = dot ? dot + 1 : it->end;
    it->more = dot != NULL;
    return 1;
}

int jspan_step(const struct jspan *cur, const char *comp, size_t n, struct jspan *out)
{
    size_t index;
    if (cur->type == J_OBJECT)
        return jspan_member(cur, comp, n, NULL, out);
    if (cur->type == J_ARRAY && parse_index(comp, n, &index) == 0)
        return array_elem(cur, index, out);
    return 0;
}

/* One step of a walk; an empty component names nothing. */
static int walk_step(const struct jspan *cur, const char *comp, size_t n, enum jspan_walk_mode mode,
                     struct jspan *out)
{
    if (n == 0)
        return 0;
    if (mode == JSPAN_WALK_OBJECTS)
        return jspan_member(cur, comp, n, NULL, out);
    return jspan_step(cur, comp, n, out);
}

int jspan_walk(const struct jspan *root, const char *path, size_t n, enum jspan_walk_mode mode,
               struct jspan_reach *reach)
{
    struct jspan_path_iter it;
    const char *comp, *end = path + n;
    size_t len;
    reach->value = *root;
    jspan_path_begin(&it, path, n);
    while (jspan_path_next(&it, &comp, &len)) {
        struct jspan next;
        int r = walk_step(&reach->value, comp, len, mode, &next);
        if (r <= 0) {
            reach->rest = comp;
            reach->rest_n = (size_t)(end - comp);
            return r;
        }
        reach->value = next;
    }
    reach->rest = end;
    reach->rest_n = 0;
    return 1;
}

int jspan_path(const struct jspan *root, const char *path, size_t n, struct jspan *out)
{
    struct jspan_reach reach;
    int r = jspan_walk(root, path, n, JSPAN_WALK_INDEX, &reach);
    if (r == 1)
        *out = reach.value;
    return r;
}

int jspan_minify(const char *p, size_t n, struct buf *out)
{
    const char *end = p + n;
    size_t entry = out->len;
    while (p < end) {
        p = jspan_skip_ws(p, end);
        const char *run = p;
        /* Copy up to the next whitespace, carrying whole strings along. */
        while (p < end && !is_ws(*p)) {
            if (*p++ == '"' && !(p = scan_string(p, end)))
                goto fail;
        }
        if (buf_append(out, run, (size_t)(p - run)) < 0)
            goto fail;
    }
    return 0;
fail:
    out_truncate(out, entry);
    return -1;
}

/* The escape for a byte that cannot appear raw in a JSON string. */
static int quote_escape(unsigned char c, struct buf *out)
{
    switch (c) {
    case '"': return buf_append(out, "\\\"", 2);
    case '\\': return buf_append(out, "\\\\", 2);
    case '\b': return buf_append(out, "\\b", 2);
    case '\f': return buf_append(out, "\\f", 2);
    case '\n': return buf_append(out, "\\n", 2);
    case '\r': return buf_append(out, "\\r", 2);
    case '\t': return buf_append(out, "\\t", 2);
    default: return buf_printf(out, "\\u%04x", (unsigned)c);
    }
}

/* How many bytes at p go out as they are: 1 for plain ASCII, 2 to 4 for a
 * valid UTF-8 sequence, 0 when the byte needs escaping or replacing. */
static size_t quote_passthrough(const unsigned char *p, const unsigned char *end)
{
    uint32_t cp;
    if (*p < 0x20 || *p == '"' || *p == '\\')
        return 0;
    return *p < 0x80 ? 1 : utf8_decode((const char *)p, (const char *)end, &cp);
}

int jspan_quote(const char *text, size_t n, struct buf *out)
{
    const unsigned char *p = (const unsigned char *)text, *end = p + n;
    size_t entry = out->len;
    if (buf_putc(out, '"') < 0)
        return -1;
    while (p < end) {
        const unsigned char *run = p;
        size_t len;
        while (p < end && (len = quote_passthrough(p, end)) > 0)
            p += len;
        if (buf_append(out, run, (size_t)(p - run)) < 0)
            goto fail;
        if (p == end)
            break;
        int r = *p >= 0x80 ? buf_append(out, "\\ufffd", 6) : quote_escape(*p, out);
        if (r < 0)
            goto fail;
        p++;
    }
    if (buf_putc(out, '"') < 0)
        goto fail;
    return 0;
fail:
    out_truncate(out, entry);
    return -1;
}

/* jspan_validate looks each byte up in one table that holds all it may ask
 * of a byte, one bit a question, so that no byte costs more than one load
 * however many cases it is tested for. */
enum {
    JV_STOP = 0x01,  /* ends a run of plain string bytes: '"', '\\', controls */
    JV_HIGH = 0x02,  /* not ASCII: a string's UTF-8, checked when asked */
    JV_WS = 0x04,    /* JSON's whitespace */
    JV_NUM = 0x08,   /* may go on a number: 0-9 . e E + - */
    JV_ESC = 0x10,   /* may follow a backslash */
    JV_HEX = 0x20,   /* a hex digit */
    JV_DIGIT = 0x40, /* a decimal digit */
};

#define JV_IS_STOP(c) ((c) < 0x20 || (c) == '"' || (c) == '\\')
#define JV_IS_WS(c) ((c) == ' ' || (c) == '\t' || (c) == '\n' || (c) == '\r')
#define JV_IS_DIGIT(c) ((c) >= '0' && (c) <= '9')
#define JV_IS_NUM(c)                                                                               \
    (JV_IS_DIGIT(c) || (c) == '.' || (c) == 'e' || (c) == 'E' || (c) == '+' || (c) == '-')
#define JV_IS_ESC(c)                                                                               \
    ((c) == '"' || (c) == '\\' || (c) == '/' || (c) == 'b' || (c) == 'f' || (c) == 'n' ||          \
     (c) == 'r' || (c) == 't' || (c) == 'u')
#define JV_IS_HEX(c) (JV_IS_DIGIT(c) || ((c) >= 'a' && (c) <= 'f') || ((c) >= 'A' && (c) <= 'F'))
#define JV_CLASS(c)                                                                                \
    ((JV_IS_STOP(c) ? JV_STOP : 0) | ((c) >= 0x80 ? JV_HIGH : 0) | (JV_IS_WS(c) ? JV_WS : 0) |     \
     (JV_IS_NUM(c) ? JV_NUM : 0) | (JV_IS_ESC(c) ? JV_ESC : 0) | (JV_IS_HEX(c) ? JV_HEX : 0) |     \
     (JV_IS_DIGIT(c) ? JV_DIGIT : 0))
#define JV_ROW(r)                                                                                  \
    JV_CLASS(r), JV_CLASS(r + 1), JV_CLASS(r + 2), JV_CLASS(r + 3), JV_CLASS(r + 4),               \
        JV_CLASS(r + 5), JV_CLASS(r + 6), JV_CLASS(r + 7), JV_CLASS(r + 8), JV_CLASS(r + 9),       \
        JV_CLASS(r + 10), JV_CLASS(r + 11), JV_CLASS(r + 12), JV_CLASS(r + 13), JV_CLASS(r + 14),  \
        JV_CLASS(r + 15)

static const unsigned char jv_class[256] = {
    JV_ROW(0x00), JV_ROW(0x10), JV_ROW(0x20), JV_ROW(0x30), JV_ROW(0x40), JV_ROW(0x50),
    JV_ROW(0x60), JV_ROW(0x70), JV_ROW(0x80), JV_ROW(0x90), JV_ROW(0xa0), JV_ROW(0xb0),
    JV_ROW(0xc0), JV_ROW(0xd0), JV_ROW(0xe0), JV_ROW(0xf0),
};

static inline int jv_is(const unsigned char *p, const unsigned char *end, unsigned bits)
{
    return p < end && (jv_class[*p] & bits);
}

static inline const unsigned char *jv_skip_ws(const unsigned char *p, const unsigned char *end)
{
    while (jv_is(p, end, JV_WS))
        p++;
    return p;
}

/* Skip whitespace between tokens, setting *spaced if there was any. */
static inline const unsigned char *jv_skip_spaced(const unsigned char *p, const unsigned char *end,
                                                  int *spaced)
{
    if (!jv_is(p, end, JV_WS))
        return p;
    *spaced = 1;
    do
        p++;
    while (jv_is(p, end, JV_WS));
    return p;
}

/* Plain string bytes from p: the first byte at or after p whose class is in
 * stop, or end. Four bytes a step while four are left. */
static inline const unsigned char *jv_plain(const unsigned char *p, const unsigned char *end,
                                            unsigned stop)
{
    while (end - p >= 4) {
        if (jv_class[p[0]] & stop)
            return p;
        if (jv_class[p[1]] & stop)
            return p + 1;
        if (jv_class[p[2]] & stop)
            return p + 2;
        if (jv_class[p[3]] & stop)
            return p + 3;
        p += 4;
    }
    while (p < end && !(jv_class[*p] & stop))
        p++;
    return p;
}

/* The rest of a string from p, where jv_plain stopped short of the closing
 * quote: escapes, bytes that are not ASCII and errors. Raw control
 * characters and bad escapes are errors; a lone surrogate escape is not
 * (RFC 8259 allows it). *stop and *utf8_bad are jspan_validate's. Returns
 * the byte after the closing quote, or NULL with *bad at the offending byte. */
static const unsigned char *jv_string_rest(const unsigned char *p, const unsigned char *end,
                                           unsigned *stop, int *utf8_bad, const unsigned char **bad)
{
    for (; p < end; p = jv_plain(p, end, *stop)) {
        if (*p == '"')
            return p + 1;
        if (*p == '\\') {
            if (end - p < 2 || !(jv_class[p[1]] & JV_ESC))
                break;
            if (p[1] != 'u') {
                p += 2;
                continue;
            }
            if (end - p < 6 ||
                !(jv_class[p[2]] & jv_class[p[3]] & jv_class[p[4]] & jv_class[p[5]] & JV_HEX))
                break;
            p += 6;
            continue;
        }
        if (*p < 0x20)
            break;
        /* Not ASCII, and UTF-8 is checked. Once a sequence is not UTF-8 the
         * rest is only scanned: a valid sequence never holds a quote, a
         * backslash or a control byte, so the scan ends where decoding would. */
        uint32_t cp;
        size_t len = utf8_decode((const char *)p, (const char *)end, &cp);
        if (!len) {
            *utf8_bad = 1;
            *stop = JV_STOP;
            len = 1;
        }
        p += len;
    }
    *bad = p;
    return NULL;
}

/* A number at p (at '-' or a digit): the byte after it, or NULL when it
 * breaks -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? or runs on into a
 * byte that could go on a number (01, 1.e5, 1-2: one bad number, not two
 * values). */
static inline const unsigned char *jv_number(const unsigned char *p, const unsigned char *end)
{
    if (*p == '-')
        p++;
    if (p < end && *p == '0') {
        p++;
    } else {
        if (!jv_is(p, end, JV_DIGIT))
            return NULL;
        do
            p++;
        while (jv_is(p, end, JV_DIGIT));
    }
    /* Most numbers are integers followed by a comma or a closer. */
    if (!jv_is(p, end, JV_NUM))
        return p;
    if (*p == '.') {
        if (!jv_is(++p, end, JV_DIGIT))
            return NULL;
        do
            p++;
        while (jv_is(p, end, JV_DIGIT));
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (!jv_is(p, end, JV_DIGIT))
            return NULL;
        do
            p++;
        while (jv_is(p, end, JV_DIGIT));
    }
    return jv_is(p, end, JV_NUM) ? NULL : p;
}

/* Past the digits from p, when a byte that is not a digit is sure to come
 * before the end. Each byte is read only once the one before it was a digit. */
static inline const unsigned char *jv_digits_unbounded(const unsigned char *p)
{
    for (;; p += 4) {
        if (!(jv_class[p[0]] & JV_DIGIT))
            return p;
        if (!(jv_class[p[1]] & JV_DIGIT))
            return p + 1;
        if (!(jv_class[p[2]] & JV_DIGIT))
            return p + 2;
        if (!(jv_class[p[3]] & JV_DIGIT))
            return p + 3;
    }
}

/* jv_number without bound checks, for a text whose last byte cannot go on a
 * number: every byte it steps over can, so it stops before that one. */
static inline const unsigned char *jv_number_unbounded(const unsigned char *p)
{
    if (*p == '-')
        p++;
    if (*p == '0') {
        p++;
    } else {
        if (!(jv_class[*p] & JV_DIGIT))
            return NULL;
        p = jv_digits_unbounded(p + 1);
    }
    if (!(jv_class[*p] & JV_NUM))
        return p;
    if (*p == '.') {
        if (!(jv_class[*++p] & JV_DIGIT))
            return NULL;
        p = jv_digits_unbounded(p + 1);
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!(jv_class[*p] & JV_DIGIT))
            return NULL;
        p = jv_digits_unbounded(p + 1);
    }
    return jv_class[*p] & JV_NUM ? NULL : p;
}

/* Nesting for jspan_validate: one bit a level, 1 for an object, 0 for an
 * array. The first NEST_LOCAL levels live on the C stack; text nested deeper
 * (never seen in practice, and valid JSON) gets one allocation for as many
 * levels as it has bytes, freed before returning: a run's ordinary records
 * allocate nothing, however many there are. */
#define NEST_LOCAL 4096

/* Room for all the levels of an n-byte text (each level takes at least one
 * byte, so it is never outgrown), the NEST_LOCAL ones copied from local.
 * NULL when out of memory. */
static uint64_t *nest_grow(const uint64_t *local, size_t n)
{
    uint64_t *bits = malloc((n / 64 + 1) * sizeof(*bits));
    if (bits)
        memcpy(bits, local, NEST_LOCAL / 8);
    return bits;
}

/* The type of a valid scalar, from its first byte. */
static enum jtype jv_scalar_type(unsigned char c)
{
    switch (c) {
    case '"': return J_STRING;
    case 't': return J_TRUE;
    case 'f': return J_FALSE;
    case 'n': return J_NULL;
    default: return J_NUMBER;
    }
}

/* One pass over the text, a state a label: value (a value is due), key (an
 * object's key is due), close and after (a value has ended). Whitespace is
 * looked for only where the expected byte is not found. All but the rare
 * paths are inline, so the state stays in registers. */
int jspan_validate(const char *text, size_t n, int check_utf8, struct jspan_check *out)
{
    const unsigned char *start = (const unsigned char *)text, *end = start + n;
    const unsigned char *p, *bad = NULL;
    uint64_t local[NEST_LOCAL / 64], *bits = local;
    size_t depth = 0;
    int object = 0; /* the innermost open container is an object */
    unsigned stop = check_utf8 ? JV_STOP | JV_HIGH : JV_STOP;
    int spaced = 0, utf8_bad = 0, rc = -1;
    size_t lead, len = 0;
    enum jtype type = J_NONE;

    p = jv_skip_ws(start, end);
    lead = (size_t)(p - start);
    if (p < end)
        type = *p == '{' ? J_OBJECT : *p == '[' ? J_ARRAY : J_NONE;
value:
    if (p >= end) {
        bad = end;
        goto done;
    }
    if (*p == '"') {
        p = jv_plain(p + 1, end, stop);
        if (p < end && *p == '"')
            p++;
        else if (!(p = jv_string_rest(p, end, &stop, &utf8_bad, &bad)))
            goto done;
        goto after;
    }
    if (*p == '-' || (jv_class[*p] & JV_DIGIT)) {
        /* When the text's last byte cannot go on a number (a record's is a
         * closer), the number needs no bound checks. */
        const unsigned char *e =
            jv_class[end[-1]] & JV_NUM ? jv_number(p, end) : jv_number_unbounded(p);
        if (!e)
            goto bad_scalar;
        p = e;
        goto after;
    }
    switch (*p) {
    case '{':
    case '[':
        object = *p == '{';
        if (depth == NEST_LOCAL && bits == local && !(bits = nest_grow(local, n))) {
            bits = local;
            rc = -2;
            goto done;
        }
        if (object)
            bits[depth / 64] |= (uint64_t)1 << (depth % 64);
        else
            bits[depth / 64] &= ~((uint64_t)1 << (depth % 64));
        depth++;
        p = jv_skip_spaced(p + 1, end, &spaced);
        if (p < end && *p == (object ? '}' : ']')) {
            p++;
            goto close;
        }
        if (object)
            goto key;
        goto value;
    case 't':
        if (end - p < 4 || memcmp(p, "true", 4) != 0)
            goto bad_scalar;
        p += 4;
        goto after;
    case 'f':
        if (end - p < 5 || memcmp(p, "false", 5) != 0)
            goto bad_scalar;
        p += 5;
        goto after;
    case 'n':
        if (end - p < 4 || memcmp(p, "null", 4) != 0)
            goto bad_scalar;
        p += 4;
        goto after;
    case ' ':
    case '\t':
    case '\n':
    case '\r': p = jv_skip_spaced(p, end, &spaced); goto value;
    default: goto bad_scalar;
    }
bad_scalar:
    /* A malformed number or literal is reported at its first byte. */
    bad = p;
    goto done;
key:
    if (p >= end || *p != '"') {
        if (jv_is(p, end, JV_WS)) {
            p = jv_skip_spaced(p, end, &spaced);
            goto key;
        }
        bad = p;
        goto done;
    }
    p = jv_plain(p + 1, end, stop);
    if (p < end && *p == '"')
        p++;
    else if (!(p = jv_string_rest(p, end, &stop, &utf8_bad, &bad)))
        goto done;
    if (p >= end || *p != ':') {
        p = jv_skip_spaced(p, end, &spaced);
        if (p >= end || *p != ':') {
            bad = p;
            goto done;
        }
    }
    p++;
    goto value;
close:
    /* p is past a closer that matched the innermost container. */
    if (--depth > 0)
        object = (bits[(depth - 1) / 64] >> ((depth - 1) % 64)) & 1;
after:
    if (depth == 0) {
        len = (size_t)(p - start) - lead;
        if (type == J_NONE)
            type = jv_scalar_type(start[lead]);
        p = jv_skip_ws(p, end);
        if (p < end)
            bad = p;
        else
            rc = 0;
        goto done;
    }
    if (p < end && *p == ',') {
        p++;
        if (object)
            goto key;
        goto value;
    }
    if (p < end && *p == (object ? '}' : ']')) {
        p++;
        goto close;
    }
    if (jv_is(p, end, JV_WS)) {
        p = jv_skip_spaced(p, end, &spaced);
        goto after;
    }
    bad = p;
done:
    if (bits != local)
        free(bits);
    memset(out, 0, sizeof(*out));
    out->type = type;
    out->lead = lead;
    out->len = len;
    out->spaced = spaced;
    out->utf8_bad = utf8_bad;
    if (rc == -1) {
        /* Text that ends too soon is reported at its last byte. */
        if (bad >= end && n > 0)
            bad = end - 1;
        out->error_at = (size_t)(bad - start);
    }
    return rc;
}

int jspan_utf8_valid(const char *p, size_t n)
{
    const char *end = p + n;
    while (p < end) {
        uint32_t cp;
        /* ASCII inline: response bodies are mostly ASCII. */
        size_t len = (unsigned char)*p < 0x80 ? 1 : utf8_decode(p, end, &cp);
        if (!len)
            return 0;
        p += len;
    }
    return 1;
}

/* The first "name" (name[0..len) in quotes) in p[0..end), or NULL; len > 0.
 * memchr finds candidates by the name's first byte, rarer in JSON than quotes. */
const char *jspan_find_quoted(const char *p, const char *end, const char *name, size_t len)
{
    if (p >= end)
        return NULL;
    for (const char *q = p + 1; end - q > (ptrdiff_t)len; q++) {
        q = memchr(q, name[0], (size_t)(end - q) - len);
        if (!q)
            return NULL;
        if (q[-1] == '"' && q[len] == '"' && memcmp(q + 1, name + 1, len - 1) == 0)
            return q - 1;
    }
    return NULL;
}
