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

/* Nesting for jspan_validate: one bit a level, 1 for an object, 0 for an
 * array. The first NEST_LOCAL levels live on the C stack; text nested deeper
 * (never seen in practice, and valid JSON) gets one allocation for as many
 * levels as it has bytes, freed before returning: a run's ordinary records
 * allocate nothing, however many there are. */
#define NEST_LOCAL 4096

struct nest {
    uint64_t local[NEST_LOCAL / 64];
    uint64_t *bits;
    size_t cap; /* levels bits can hold */
    size_t depth;
};

static int nest_push(struct nest *s, int object, size_t n)
{
    if (s->depth == s->cap) {
        /* Each level takes at least one byte of the text: n levels will do. */
        size_t words = n / 64 + 1;
        uint64_t *bits = malloc(words * sizeof(*bits));
        if (!bits)
            return -1;
        memcpy(bits, s->local, sizeof(s->local));
        s->bits = bits;
        s->cap = words * 64;
    }
    uint64_t bit = (uint64_t)1 << (s->depth % 64);
    if (object)
        s->bits[s->depth / 64] |= bit;
    else
        s->bits[s->depth / 64] &= ~bit;
    s->depth++;
    return 0;
}

static int nest_top_is_object(const struct nest *s)
{
    size_t i = s->depth - 1;
    return (s->bits[i / 64] >> (i % 64)) & 1;
}

/* Inside a string (p just past the quote): raw control characters and bad
 * escapes are errors; a lone surrogate escape is not (RFC 8259 allows it).
 * With check_utf8, a byte sequence that is not UTF-8 sets *utf8_bad and the
 * scan goes on. Returns the byte after the closing quote, or NULL with *bad
 * at the offending byte. */
static const char *check_string(const char *p, const char *end, int check_utf8, int *utf8_bad,
                                const char **bad)
{
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            p++;
            continue;
        }
        if (c == '"')
            return p + 1;
        if (c < 0x20) {
            *bad = p;
            return NULL;
        }
        if (c >= 0x80) {
            uint32_t cp;
            size_t len = check_utf8 ? utf8_decode(p, end, &cp) : 1;
            if (!len) {
                *utf8_bad = 1;
                len = 1;
            }
            p += len;
            continue;
        }
        /* A backslash. */
        if (p + 1 >= end || !memchr("\"\\/bfnrtu", p[1], 9)) {
            *bad = p;
            return NULL;
        }
        if (p[1] == 'u') {
            for (int i = 2; i < 6; i++)
                if (p + i >= end || hex_value(p[i]) < 0) {
                    *bad = p;
                    return NULL;
                }
            p += 6;
        } else {
            p += 2;
        }
    }
    *bad = end;
    return NULL;
}

static int number_char(char c)
{
    return is_digit(c) || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-';
}

/* One scalar value at p (not whitespace): its end, or NULL with *bad set. A
 * malformed number or literal is reported at its first byte. */
static const char *check_scalar(const char *p, const char *end, int check_utf8, int *utf8_bad,
                                enum jtype *type, const char **bad)
{
    const char *e = NULL;
    switch (*p) {
    case '"': *type = J_STRING; return check_string(p + 1, end, check_utf8, utf8_bad, bad);
    case 't': e = scan_literal(p, end, "true"), *type = J_TRUE; break;
    case 'f': e = scan_literal(p, end, "false"), *type = J_FALSE; break;
    case 'n': e = scan_literal(p, end, "null"), *type = J_NULL; break;
    default:
        if (*p == '-' || is_digit(*p)) {
            e = scan_number(p, end), *type = J_NUMBER;
            if (e && e < end && number_char(*e))
                e = NULL; /* 01, 1.e5, 1-2: one bad number, not two values */
        }
        break;
    }
    if (!e)
        *bad = p;
    return e;
}

int jspan_validate(const char *text, size_t n, int check_utf8, struct jspan_check *out)
{
    const char *p = text, *end = text + n, *bad = NULL;
    struct nest nest;
    nest.bits = nest.local;
    nest.cap = NEST_LOCAL;
    nest.depth = 0;
    memset(out, 0, sizeof(*out));
    int rc = -1;
    p = jspan_skip_ws(p, end);
    out->lead = (size_t)(p - text);
    if (p < end)
        out->type = *p == '{' ? J_OBJECT : *p == '[' ? J_ARRAY : J_NONE;
    const char *ws; /* where the whitespace skipped last began */
value:
    ws = p, p = jspan_skip_ws(p, end);
    out->spaced |= p != ws;
    if (p >= end) {
        bad = end;
        goto done;
    }
    if (*p == '{' || *p == '[') {
        int object = *p == '{';
        if (nest_push(&nest, object, n) < 0) {
            rc = -2;
            goto done;
        }
        ws = ++p, p = jspan_skip_ws(p, end);
        out->spaced |= p != ws;
        if (p < end && *p == (object ? '}' : ']')) {
            nest.depth--;
            p++;
            goto after;
        }
        if (object)
            goto key;
        goto value;
    } else {
        enum jtype type;
        if (!(p = check_scalar(p, end, check_utf8, &out->utf8_bad, &type, &bad)))
            goto done;
        if (out->type == J_NONE)
            out->type = type;
        goto after;
    }
key:
    if (p >= end || *p != '"') {
        bad = p;
        goto done;
    }
    if (!(p = check_string(p + 1, end, check_utf8, &out->utf8_bad, &bad)))
        goto done;
    ws = p, p = jspan_skip_ws(p, end);
    out->spaced |= p != ws;
    if (p >= end || *p != ':') {
        bad = p;
        goto done;
    }
    p++;
    goto value;
after:
    if (nest.depth == 0) {
        out->len = (size_t)(p - text) - out->lead;
        p = jspan_skip_ws(p, end);
        if (p < end)
            bad = p;
        else
            rc = 0;
        goto done;
    }
    ws = p, p = jspan_skip_ws(p, end);
    out->spaced |= p != ws;
    if (p < end && *p == ',') {
        ws = ++p, p = jspan_skip_ws(p, end);
        out->spaced |= p != ws;
        if (nest_top_is_object(&nest))
            goto key;
        goto value;
    }
    if (p < end && *p == (nest_top_is_object(&nest) ? '}' : ']')) {
        nest.depth--;
        p++;
        goto after;
    }
    bad = p;
done:
    if (nest.bits != nest.local)
        free(nest.bits);
    if (rc == -1) {
        /* Text that ends too soon is reported at its last byte. */
        if (bad >= end && n > 0)
            bad = end - 1;
        out->error_at = (size_t)(bad - text);
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
