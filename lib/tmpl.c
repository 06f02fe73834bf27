/* RFC 6570 URI Templates over JSON records (see tmpl.h). Parsing checks the
 * whole grammar once and cuts the text into literal and expression parts;
 * expansion walks the parts per record, reading values straight out of the
 * record's own text so numbers keep their original spelling. */
#include "tmpl.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonspan.h"
#include "utf8.h"

struct tmpl_var {
    size_t off, len; /* the name as written, in t->text */
    unsigned prefix; /* 0: no prefix modifier */
    bool explode;
    bool has_pct; /* %XX in the name: retry the lookup decoded */
    bool dotted;  /* more than one path component */
};

struct tmpl_part {
    size_t off, len;     /* literal text, or the whole "{...}" */
    char op;             /* '\0' for simple expansion, else '+', '#', '.', ... */
    size_t var0, nvars;  /* nvars == 0 marks a literal */
    size_t enc, enc_len; /* a TMPL_URI literal: its encoded text, t->encoded[enc..+enc_len) */
};

struct tmpl {
    enum tmpl_mode mode;
    char *text;
    struct tmpl_part *parts;
    size_t nparts;
    struct tmpl_var *vars;
    size_t nvars;
    size_t nexpr;
    size_t text_len;
    bool walk_only; /* tmpl_walk_only: no shortcut to a record's members */
    /* The literals of a TMPL_URI template, each pct-encoded once at parse
     * time: a literal's encoding is the same for every record. */
    struct buf encoded;
};

/* RFC 6570 Appendix A: how each operator joins and names its values. */
struct op_rules {
    const char *first;
    const char *sep;
    bool named;
    const char *ifemp;
    bool reserved; /* reserved characters and %XX triplets pass unencoded */
};

static const struct op_rules *op_rules(char op)
{
    static const struct op_rules simple = {"", ",", false, "", false};
    static const struct op_rules reserved = {"", ",", false, "", true};
    static const struct op_rules fragment = {"#", ",", false, "", true};
    static const struct op_rules label = {".", ".", false, "", false};
    static const struct op_rules path = {"/", "/", false, "", false};
    static const struct op_rules param = {";", ";", true, "", false};
    static const struct op_rules query = {"?", "&", true, "=", false};
    static const struct op_rules cont = {"&", "&", true, "=", false};

    switch (op) {
    case '+': return &reserved;
    case '#': return &fragment;
    case '.': return &label;
    case '/': return &path;
    case ';': return &param;
    case '?': return &query;
    case '&': return &cont;
    default: return &simple;
    }
}

__attribute__((format(printf, 3, 0))) static void set_error_va(struct tmpl_error *err, size_t pos,
                                                               const char *fmt, va_list ap)
{
    if (!err)
        return;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    err->pos = pos;
}

__attribute__((format(printf, 3, 4))) static void set_error(struct tmpl_error *err, size_t pos,
                                                            const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_error_va(err, pos, fmt, ap);
    va_end(ap);
}

/* A character for a message: 'c' when printable, else its byte value. */
static const char *describe_char(unsigned char c, char out[16])
{
    if (c > 0x20 && c < 0x7f)
        snprintf(out, 16, "'%c'", c);
    else
        snprintf(out, 16, "byte 0x%02X", c);
    return out;
}

static bool is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool is_hex(unsigned char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int hex_value(unsigned char c)
{
    return is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* RFC 3986's character classes, one table lookup a byte for encode. */
enum { UNRESERVED = 1, RESERVED = 2 };
static const unsigned char uri_class[256] = {
    ['A' ... 'Z'] = UNRESERVED, ['a' ... 'z'] = UNRESERVED, ['0' ... '9'] = UNRESERVED,
    ['-'] = UNRESERVED,         ['.'] = UNRESERVED,         ['_'] = UNRESERVED,
    ['~'] = UNRESERVED,         [':'] = RESERVED,           ['/'] = RESERVED,
    ['?'] = RESERVED,           ['#'] = RESERVED,           ['['] = RESERVED,
    [']'] = RESERVED,           ['@'] = RESERVED,           ['!'] = RESERVED,
    ['$'] = RESERVED,           ['&'] = RESERVED,           ['\''] = RESERVED,
    ['('] = RESERVED,           [')'] = RESERVED,           ['*'] = RESERVED,
    ['+'] = RESERVED,           [','] = RESERVED,           [';'] = RESERVED,
    ['='] = RESERVED,
};

/* Append p[0..n), pct-encoding (uppercase hex) each byte outside the allowed
 * set (unreserved, plus reserved characters and %XX triplets when reserved).
 * Runs of allowed bytes are appended whole: a value that needs no encoding
 * (the common case: an id, a word) is one scan and one append. */
static int encode(struct buf *out, const char *p, size_t n, bool reserved)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char allowed = reserved ? UNRESERVED | RESERVED : UNRESERVED;
    size_t run = 0, i = 0;
    for (;;) {
        while (i < n && (uri_class[(unsigned char)p[i]] & allowed))
            i++;
        if (i == n)
            break;
        unsigned char c = (unsigned char)p[i];
        if (reserved && c == '%' && i + 2 < n && is_hex(p[i + 1]) && is_hex(p[i + 2])) {
            i += 3;
            continue;
        }
        char triplet[3] = {'%', hex[c >> 4], hex[c & 15]};
        if (buf_append(out, p + run, i - run) < 0 || buf_append(out, triplet, 3) < 0)
            return -1;
        run = ++i;
    }
    return buf_append(out, p + run, n - run);
}

/* ---- parsing ----------------------------------------------------------- */

struct parser {
    struct tmpl *t;
    const char *s, *end; /* the template's text and its NUL */
    struct tmpl_error *err;
};

/* RFC 6570 literals may hold non-ASCII only as ucschar or iprivate. */
static bool ucs_allowed(uint32_t cp)
{
    if (cp < 0xA0 || (cp > 0xD7FF && cp < 0xE000))
        return false;
    if (cp <= 0xFDCF) /* ucschar up to D7FF, iprivate E000-F8FF, ucschar F900-FDCF */
        return true;
    if (cp < 0xFDF0)
        return false;
    if (cp <= 0xFFEF)
        return true;
    if (cp < 0x10000 || (cp & 0xFFFF) > 0xFFFD)
        return false;
    return cp < 0xE0000 || cp >= 0xE1000;
}

/* Bytes taken by the literal character at s (end is the template's NUL), or
 * 0 if RFC 6570 forbids it. One exception: RFC 6570's grammar leaves out
 * "'", but its own test suite expands '{var}', URLs may hold it (an RFC 3986
 * sub-delim), and common implementations accept it, so we do too. */
static size_t literal_char_len(const char *s, const char *end)
{
    unsigned char c = (unsigned char)s[0];
    if (c >= 0x80) {
        uint32_t cp;
        size_t n = utf8_decode(s, end, &cp);
        return n && ucs_allowed(cp) ? n : 0;
    }
    if (c == '%')
        return is_hex(s[1]) && is_hex(s[2]) ? 3 : 0;
    if (c <= 0x20 || c == 0x7F || strchr("\"<>\\^`{|}", c))
        return 0;
    return 1;
}

__attribute__((format(printf, 3, 4))) static int parse_fail(struct parser *p, size_t pos,
                                                            const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_error_va(p->err, pos, fmt, ap);
    va_end(ap);
    return -1;
}

static int parse_fail_char(struct parser *p, size_t i, const char *what)
{
    char desc[16];
    return parse_fail(p, i, "%s %s", what, describe_char((unsigned char)p->s[i], desc));
}

static int parse_literal(struct parser *p, size_t *pos)
{
    size_t start = *pos, i = start;
    while (p->s[i] && p->s[i] != '{') {
        size_t n = p->t->mode == TMPL_RAW ? 1 : literal_char_len(p->s + i, p->end);
        if (n == 0 && p->s[i] == '}')
            return parse_fail(p, i, "unmatched '}'");
        if (n == 0 && p->s[i] == '%')
            return parse_fail(p, i, "'%%' not followed by two hex digits");
        if (n == 0)
            return parse_fail_char(p, i, "character not allowed in a URI template:");
        i += n;
    }
    struct tmpl *t = p->t;
    struct tmpl_part part = {.off = start, .len = i - start, .enc = t->encoded.len};
    /* Parsing let only URI characters and UTF-8 through; the UTF-8 gets encoded. */
    if (t->mode == TMPL_URI && encode(&t->encoded, p->s + start, i - start, true) < 0)
        return parse_fail(p, start, "out of memory");
    part.enc_len = t->encoded.len - part.enc;
    t->parts[t->nparts++] = part;
    *pos = i;
    return 0;
}

/* Whether c may end a variable name (the caller reports an unclosed '{'). */
static bool ends_varname(enum tmpl_mode mode, char c)
{
    if (mode == TMPL_RAW)
        return c == '}' || c == '\0';
    return c == '}' || c == '\0' || c == ',' || c == ':' || c == '*';
}

/* A '-' in a name is the commonest slip ({user-id}): say how to write it,
 * with the expression respelled as an example when it is short enough. */
static int parse_fail_dash(struct parser *p, size_t i)
{
    static const char msg[] = "invalid character in variable name: '-' (write it as %2D";
    size_t open = i, close = i;
    while (open > 0 && p->s[open] != '{')
        open--;
    while (p->s[close] && p->s[close] != '}')
        close++;
    char example[96];
    size_t n = 0;
    for (size_t k = open; p->s[close] && k <= close && n + 4 < sizeof(example); k++) {
        if (p->s[k] == '-')
            n += (size_t)snprintf(example + n, sizeof(example) - n, "%%2D");
        else
            example[n++] = p->s[k];
    }
    example[n] = '\0';
    if (p->s[close] && n > 0 && example[n - 1] == '}')
        return parse_fail(p, i, "%s, as in %s)", msg, example);
    return parse_fail(p, i, "%s)", msg);
}

/* varname = varchar *( ["."] varchar ), varchar = ALPHA / DIGIT / "_" / pct-encoded */
static int parse_varname(struct parser *p, size_t *pos, struct tmpl_var *v)
{
    const char *s = p->s;
    size_t i = *pos;
    for (;;) {
        unsigned char c = (unsigned char)s[i];
        if (is_alpha(c) || is_digit(c) || c == '_') {
            i++;
        } else if (c == '%') {
            if (!is_hex(s[i + 1]) || !is_hex(s[i + 2]))
                return parse_fail(p, i, "bad percent-encoding in variable name");
            v->has_pct = true;
            i += 3;
        } else if (c == '.' && i == *pos) {
            return parse_fail(p, i, "variable name starts with '.'");
        } else if (c == '.') {
            v->dotted = true;
            if (s[i + 1] == '.')
                return parse_fail(p, i, "'..' in variable name");
            i++;
            if (ends_varname(p->t->mode, s[i]))
                return parse_fail(p, i - 1, "variable name ends with '.'");
        } else {
            break;
        }
    }
    if (s[i] == '-')
        return parse_fail_dash(p, i);
    if (!ends_varname(p->t->mode, s[i]))
        return parse_fail_char(p, i, "invalid character in variable name:");
    if (i == *pos)
        return parse_fail(p, i, "empty variable name");
    v->off = *pos;
    v->len = i - *pos;
    *pos = i;
    return 0;
}

/* prefix = ":" max-length (1..9999, no leading zero); explode = "*" */
static int parse_modifier(struct parser *p, size_t *pos, struct tmpl_var *v)
{
    const char *s = p->s;
    size_t i = *pos;
    if (s[i] == ':') {
        size_t digits = ++i;
        if (s[i] < '1' || s[i] > '9')
            return parse_fail(p, i, "prefix length must be 1 to 9999");
        while (is_digit(s[i])) {
            if (i - digits == 4)
                return parse_fail(p, digits, "prefix length must be 1 to 9999");
            v->prefix = v->prefix * 10 + (unsigned)(s[i++] - '0');
        }
        if (s[i] == '*')
            return parse_fail(p, i, "prefix and explode cannot be combined");
    } else if (s[i] == '*') {
        v->explode = true;
        if (s[++i] == ':')
            return parse_fail(p, i, "prefix and explode cannot be combined");
    }
    *pos = i;
    return 0;
}

static int parse_varspec(struct parser *p, size_t *pos)
{
    struct tmpl_var *v = &p->t->vars[p->t->nvars];
    *v = (struct tmpl_var){0};
    if (parse_varname(p, pos, v) < 0)
        return -1;
    if (p->t->mode == TMPL_URI && parse_modifier(p, pos, v) < 0)
        return -1;
    p->t->nvars++;
    return 0;
}

/* expression = "{" [ operator ] variable-list "}" */
static int parse_expression(struct parser *p, size_t *pos)
{
    const char *s = p->s;
    size_t start = *pos, i = start + 1;
    char op = '\0';
    if (p->t->mode == TMPL_URI && s[i] && strchr("+#./;?&", s[i]))
        op = s[i++];
    else if (p->t->mode == TMPL_URI && s[i] && strchr("=,!@|", s[i]))
        return parse_fail(p, i, "reserved operator '%c'", s[i]);
    if (s[i] == '}')
        return parse_fail(p, start, "empty expression");
    size_t var0 = p->t->nvars;
    for (;;) {
        if (s[i] == '\0')
            return parse_fail(p, start, "unclosed '{'");
        if (parse_varspec(p, &i) < 0)
            return -1;
        if (s[i] == '}')
            break;
        if (s[i] == ',' && p->t->mode == TMPL_URI)
            i++;
        else if (s[i] != '\0')
            return parse_fail_char(p, i, "invalid character in expression:");
    }
    p->t->parts[p->t->nparts++] = (struct tmpl_part){
        .off = start, .len = i + 1 - start, .op = op, .var0 = var0, .nvars = p->t->nvars - var0};
    p->t->nexpr++;
    *pos = i + 1;
    return 0;
}

/* Size the arrays from an upper bound so parsing never reallocates. */
static struct tmpl *tmpl_alloc(const char *text, enum tmpl_mode mode)
{
    size_t braces = 0, commas = 0;
    for (const char *c = text; *c; c++) {
        braces += *c == '{';
        commas += *c == ',';
    }
    struct tmpl *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->mode = mode;
    t->text = strdup(text);
    t->text_len = strlen(text);
    /* Encoding turns a byte into at most three. */
    buf_init(&t->encoded, 3 * t->text_len + 1);
    t->parts = calloc(2 * braces + 1, sizeof *t->parts);
    t->vars = calloc(braces + commas + 1, sizeof *t->vars);
    if (!t->text || !t->parts || !t->vars) {
        tmpl_free(t);
        return NULL;
    }
    return t;
}

struct tmpl *tmpl_parse(const char *text, enum tmpl_mode mode, struct tmpl_error *err)
{
    set_error(err, 0, "%s", "");
    struct tmpl *t = tmpl_alloc(text, mode);
    if (!t) {
        set_error(err, 0, "out of memory");
        return NULL;
    }
    struct parser p = {t, t->text, t->text + t->text_len, err};
    size_t i = 0;
    while (t->text[i]) {
        int r = t->text[i] == '{' ? parse_expression(&p, &i) : parse_literal(&p, &i);
        if (r < 0) {
            tmpl_free(t);
            return NULL;
        }
    }
    return t;
}

void tmpl_free(struct tmpl *t)
{
    if (!t)
        return;
    free(t->text);
    buf_free(&t->encoded);
    free(t->parts);
    free(t->vars);
    free(t);
}

const char *tmpl_text(const struct tmpl *t)
{
    return t->text;
}

size_t tmpl_expressions(const struct tmpl *t)
{
    return t->nexpr;
}

/* ---- expansion --------------------------------------------------------- */

struct expander {
    const struct tmpl *t;
    struct jspan root;
    int plain; /* the record has no backslash: 1, has one: 0, not looked yet: -1 */
    int allow_missing;
    struct buf *out;
    struct buf scratch; /* decoded strings, minified containers, decoded names */
    struct tmpl_error *err;
};

static enum tmpl_status no_memory(struct expander *x, const struct tmpl_part *part)
{
    set_error(x->err, part->off, "expansion longer than %zu bytes, or out of memory", x->out->max);
    return TMPL_NOMEM;
}

/* The record was validated before; this only guards against reading garbage. */
static enum tmpl_status malformed(struct expander *x, const struct tmpl_part *part)
{
    set_error(x->err, part->off, "record is not valid JSON");
    return TMPL_BAD_VALUE;
}

static enum tmpl_status missing(struct expander *x, const struct tmpl_part *part,
                                const struct tmpl_var *v)
{
    set_error(x->err, part->off, "missing field '%.*s'", (int)v->len, x->t->text + v->off);
    return TMPL_MISSING;
}

/* Bytes in the first `chars` characters of p[0..n); never splits a sequence.
 * A byte that does not decode counts as one character, and continuation bytes
 * left over after a character stay with it (values are not checked for
 * UTF-8, and this is how they have always been cut). */
static size_t utf8_prefix(const char *p, size_t n, unsigned chars)
{
    size_t i = 0;
    for (; i < n && chars > 0; chars--) {
        uint32_t cp;
        size_t len = utf8_decode(p + i, p + n, &cp);
        i += len ? len : 1;
        while (i < n && ((unsigned char)p[i] & 0xC0) == 0x80)
            i++;
    }
    return i;
}

static int pct_decode(const char *s, size_t n, struct buf *out)
{
    buf_reset(out);
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%' && i + 2 < n && is_hex(s[i + 1]) && is_hex(s[i + 2])) {
            c = (char)(hex_value(s[i + 1]) << 4 | hex_value(s[i + 2]));
            i += 2;
        }
        if (buf_putc(out, c) < 0)
            return -1;
    }
    return 0;
}

/* The fallback for names with %XX: the template's dots still separate path
 * components, and each component is decoded on its own, so "a%2Eb" names the
 * key "a.b" rather than a path. */
static int lookup_decoded(struct expander *x, const char *name, size_t len, struct jspan *val)
{
    struct jspan cur = x->root;
    struct jspan_path_iter it;
    const char *comp;
    size_t n;
    jspan_path_begin(&it, name, len);
    while (jspan_path_next(&it, &comp, &n)) {
        struct jspan next;
        /* Unlike jspan_walk, jspan_step would find an empty key; the parser
         * lets no component be empty, so the decoded key never is. */
        if (pct_decode(comp, n, &x->scratch) < 0)
            return -1;
        int r = jspan_step(&cur, x->scratch.data, x->scratch.len, &next);
        if (r != 1)
            return r;
        cur = next;
    }
    *val = cur;
    return 1;
}

/* A top-level member of a record with no backslash, found without walking
 * the members (what jspan_member costs: every member's key and value read).
 * In valid JSON without escapes every '"' opens or closes a string, so the
 * text "name" is a string whose text is name (it cannot start at a closing
 * quote: a name, letters, digits, '_' and '%', never follows one), and it
 * is a key when a ':' follows. No such key at all: the member is absent.
 * The last such key belongs to the record's own object, and is its last
 * member of that name, when no '{' or '[' comes before it. Returns 1 found,
 * 0 absent, -1 malformed, -2 when only the walk can tell. */
static int lookup_plain(const struct jspan *root, const char *name, size_t len, struct jspan *val)
{
    const char *begin = root->p + 1, *end = root->p + root->n - 1, *key = NULL, *colon = NULL;
    for (const char *q = begin; (q = jspan_find_quoted(q, end, name, len)) != NULL; q++) {
        const char *after = jspan_skip_ws(q + len + 2, end);
        if (after < end && *after == ':')
            key = q, colon = after;
    }
    if (!key)
        return 0;
    size_t before = (size_t)(key - begin);
    if (memchr(begin, '{', before) || memchr(begin, '[', before))
        return -2;
    return jspan_value(colon + 1, end, val) < 0 ? -1 : 1;
}

/* 1 found (maybe null), 0 absent, -1 malformed record or out of memory. */
static int lookup(struct expander *x, const struct tmpl_var *v, struct jspan *val)
{
    const char *name = x->t->text + v->off;
    int r = -2;
    if (!v->dotted && x->root.type == J_OBJECT && !x->t->walk_only) {
        if (x->plain < 0)
            x->plain = !memchr(x->root.p, '\\', x->root.n);
        if (x->plain)
            r = lookup_plain(&x->root, name, v->len, val);
    }
    if (r == -2)
        r = jspan_path(&x->root, name, v->len, val);
    if (r != 0 || !v->has_pct)
        return r;
    return lookup_decoded(x, name, v->len, val);
}

/* Next element (key->type J_NONE) or member of an array or object. */
static int next_item(struct jspan_iter *it, enum jtype type, struct jspan *key, struct jspan *val)
{
    if (type == J_OBJECT)
        return jspan_next_member(it, key, val);
    key->type = J_NONE;
    return jspan_next_elem(it, val);
}

/* RFC 6570 calls null, and lists or associative arrays without a defined
 * member, undefined. Returns 1 defined, 0 undefined, -1 malformed. */
static int is_defined(const struct jspan *v)
{
    if (v->type == J_NULL)
        return 0;
    if (v->type != J_ARRAY && v->type != J_OBJECT)
        return 1;
    struct jspan_iter it;
    struct jspan key, item;
    int r;
    if (jspan_iter_begin(v, &it) < 0)
        return -1;
    while ((r = next_item(&it, v->type, &key, &item)) == 1)
        if (item.type != J_NULL)
            return 1;
    return r;
}

/* The text a value stands for: a string's decoded bytes, a number's or a
 * literal's own text, a nested container minified. May use x->scratch. */
static int value_text(struct expander *x, const struct jspan *v, const char **p, size_t *n)
{
    switch (v->type) {
    case J_STRING:
        if (!memchr(v->p, '\\', v->n)) { /* nothing to decode: point into the record */
            *p = v->p + 1;
            *n = v->n - 2;
            return 0;
        }
        buf_reset(&x->scratch);
        if (jspan_string_decode(v, &x->scratch) < 0)
            return -1;
        break;
    case J_ARRAY:
    case J_OBJECT:
        buf_reset(&x->scratch);
        if (jspan_minify(v->p, v->n, &x->scratch) < 0)
            return -1;
        break;
    default:
        *p = v->p;
        *n = v->n;
        return 0;
    }
    *p = x->scratch.data ? x->scratch.data : "";
    *n = x->scratch.len;
    return 0;
}

static int append_name(struct expander *x, const struct tmpl_var *v)
{
    return buf_append(x->out, x->t->text + v->off, v->len);
}

static enum tmpl_status expand_string(struct expander *x, const struct tmpl_part *part,
                                      const struct op_rules *rules, const struct tmpl_var *v,
                                      const struct jspan *val)
{
    const char *p;
    size_t n;
    if (value_text(x, val, &p, &n) < 0)
        return no_memory(x, part);
    if (rules->named && (append_name(x, v) < 0 || buf_puts(x->out, n ? "=" : rules->ifemp) < 0))
        return no_memory(x, part);
    if (v->prefix)
        n = utf8_prefix(p, n, v->prefix);
    return encode(x->out, p, n, rules->reserved) < 0 ? no_memory(x, part) : TMPL_OK;
}

/* One list element or object member. The "key" in front of the value is the
 * member's name, or for an exploded named list the variable's name. */
static int expand_item(struct expander *x, const struct op_rules *rules, const struct tmpl_var *v,
                       const struct jspan *key, const struct jspan *item)
{
    const char *p;
    size_t n;
    bool keyed = key->type != J_NONE || (v->explode && rules->named);
    if (key->type != J_NONE) {
        if (value_text(x, key, &p, &n) < 0 || encode(x->out, p, n, rules->reserved) < 0)
            return -1;
    } else if (keyed && append_name(x, v) < 0) {
        return -1;
    }
    if (value_text(x, item, &p, &n) < 0)
        return -1;
    const char *joint = !keyed                   ? ""
                        : !v->explode            ? ","
                        : rules->named && n == 0 ? rules->ifemp
                                                 : "=";
    if (buf_puts(x->out, joint) < 0)
        return -1;
    return encode(x->out, p, n, rules->reserved);
}

static enum tmpl_status expand_composite(struct expander *x, const struct tmpl_part *part,
                                         const struct op_rules *rules, const struct tmpl_var *v,
                                         const struct jspan *val)
{
    const char *sep = v->explode ? rules->sep : ",";
    if (rules->named && !v->explode && (append_name(x, v) < 0 || buf_puts(x->out, "=") < 0))
        return no_memory(x, part);
    struct jspan_iter it;
    struct jspan key, item;
    bool first = true;
    int r;
    if (jspan_iter_begin(val, &it) < 0)
        return malformed(x, part);
    while ((r = next_item(&it, val->type, &key, &item)) == 1) {
        if (item.type == J_NULL)
            continue;
        if ((!first && buf_puts(x->out, sep) < 0) || expand_item(x, rules, v, &key, &item) < 0)
            return no_memory(x, part);
        first = false;
    }
    return r < 0 ? malformed(x, part) : TMPL_OK;
}

/* Find a variable's value and check it can be expanded: TMPL_OK (val set),
 * TMPL_MISSING (undefined; err set only if that fails the record), or an error. */
static enum tmpl_status resolve(struct expander *x, const struct tmpl_part *part,
                                const struct tmpl_var *v, struct jspan *val)
{
    int r = lookup(x, v, val);
    if (r == 1)
        r = is_defined(val);
    if (r < 0)
        return malformed(x, part);
    if (r == 0)
        return x->allow_missing ? TMPL_MISSING : missing(x, part, v);
    if (v->prefix && (val->type == J_ARRAY || val->type == J_OBJECT)) {
        set_error(x->err, part->off, "prefix modifier on '%.*s', whose value is %s", (int)v->len,
                  x->t->text + v->off, val->type == J_ARRAY ? "a list" : "an object");
        return TMPL_BAD_VALUE;
    }
    return TMPL_OK;
}

static enum tmpl_status expand_uri(struct expander *x, const struct tmpl_part *part)
{
    const struct op_rules *rules = op_rules(part->op);
    bool first = true;
    for (size_t k = 0; k < part->nvars; k++) {
        const struct tmpl_var *v = &x->t->vars[part->var0 + k];
        struct jspan val;
        enum tmpl_status st = resolve(x, part, v, &val);
        if (st == TMPL_MISSING && x->allow_missing)
            continue;
        if (st != TMPL_OK)
            return st;
        const char *lead = first ? rules->first : rules->sep;
        if (*lead && buf_puts(x->out, lead) < 0)
            return no_memory(x, part);
        first = false;
        if (val.type == J_ARRAY || val.type == J_OBJECT)
            st = expand_composite(x, part, rules, v, &val);
        else
            st = expand_string(x, part, rules, v, &val);
        if (st != TMPL_OK)
            return st;
    }
    return TMPL_OK;
}

/* Header values: the value's own text, nothing encoded; [] and {} are values. */
static enum tmpl_status expand_raw(struct expander *x, const struct tmpl_part *part)
{
    const struct tmpl_var *v = &x->t->vars[part->var0];
    struct jspan val;
    int r = lookup(x, v, &val);
    if (r < 0)
        return malformed(x, part);
    if (r == 0 || val.type == J_NULL)
        return x->allow_missing ? TMPL_OK : missing(x, part, v);
    if (val.type == J_STRING)
        r = jspan_string_decode(&val, x->out);
    else if (val.type == J_ARRAY || val.type == J_OBJECT)
        r = jspan_minify(val.p, val.n, x->out);
    else
        r = buf_append(x->out, val.p, val.n);
    return r < 0 ? no_memory(x, part) : TMPL_OK;
}

static enum tmpl_status expand_part(struct expander *x, const struct tmpl_part *part)
{
    if (part->nvars > 0)
        return x->t->mode == TMPL_RAW ? expand_raw(x, part) : expand_uri(x, part);
    /* A URI literal was encoded when the template was parsed. */
    int r = x->t->mode == TMPL_RAW
                ? buf_append(x->out, x->t->text + part->off, part->len)
                : buf_append(x->out, x->t->encoded.data + part->enc, part->enc_len);
    return r < 0 ? no_memory(x, part) : TMPL_OK;
}

/* The record's value: its text without the whitespace around it. A valid
 * object is told by its brackets alone, without scanning it to its end. */
static int record_root(const struct tmpl *t, const char *rec, size_t n, struct jspan *root)
{
    if (t->walk_only)
        return jspan_value(rec, rec + n, root);
    const char *p = jspan_skip_ws(rec, rec + n), *end = rec + n;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
        end--;
    if (end - p < 2 || *p != '{' || end[-1] != '}')
        return jspan_value(rec, rec + n, root);
    *root = (struct jspan){p, (size_t)(end - p), J_OBJECT};
    return 0;
}

enum tmpl_status tmpl_expand(const struct tmpl *t, const char *rec, size_t n, int allow_missing,
                             struct buf *out, struct tmpl_error *err)
{
    struct expander x = {
        .t = t, .plain = -1, .allow_missing = allow_missing, .out = out, .err = err};
    if (record_root(t, rec, n, &x.root) < 0) {
        set_error(err, 0, "record is not valid JSON");
        return TMPL_BAD_VALUE;
    }
    /* A decoded string or name is never longer than the text it came from. */
    buf_init(&x.scratch, n + t->text_len + 1);
    enum tmpl_status st = TMPL_OK;
    for (size_t k = 0; k < t->nparts && st == TMPL_OK; k++)
        st = expand_part(&x, &t->parts[k]);
    buf_free(&x.scratch);
    return st;
}

int tmpl_single_value(const struct tmpl *t, const char *rec, size_t n, struct jspan *out,
                      struct tmpl_error *err)
{
    if (t->nparts != 1 || t->parts[0].nvars != 1 || t->mode != TMPL_RAW) {
        set_error(err, 0, "not a single {path}");
        return -1;
    }
    struct expander x = {.t = t, .plain = -1, .err = err};
    if (record_root(t, rec, n, &x.root) < 0) {
        set_error(err, 0, "record is not valid JSON");
        return -1;
    }
    /* Decoded names (the %XX fallback) are never longer than the template. */
    buf_init(&x.scratch, t->text_len + 1);
    const struct tmpl_var *v = &t->vars[t->parts[0].var0];
    int r = lookup(&x, v, out);
    buf_free(&x.scratch);
    if (r == 0)
        missing(&x, &t->parts[0], v);
    else if (r < 0)
        set_error(err, 0, "record is not valid JSON, or out of memory");
    return r;
}

int tmpl_is_single(const struct tmpl *t)
{
    return t->mode == TMPL_RAW && t->nparts == 1 && t->parts[0].nvars == 1;
}

void tmpl_walk_only(struct tmpl *t, int on)
{
    t->walk_only = on;
}
