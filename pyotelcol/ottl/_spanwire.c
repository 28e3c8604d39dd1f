/*
 * pyotelcol.ottl._spanwire -- run a small OTTL span program directly over the
 * wire bytes of an OTLP ExportTraceServiceRequest.
 *
 * run(program: tuple, wire: bytes) -> bytes | None
 *
 *   - returns `wire` itself (identity) when no span changed,
 *   - returns new bytes (whole request, changed spans re-encoded) otherwise,
 *   - returns None ("bail") whenever the data or a situation is outside what
 *     this module models; the caller then runs the Python engine.
 *
 * TypeError / ValueError are raised only for a malformed program.
 * Plain C99 + CPython C API.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* status codes of internal functions */
#define OK 0
#define BAIL 1
#define ERR (-1) /* Python exception set */

#define MAX_DEPTH 64

/* ------------------------------------------------------------------ */
/* growable byte buffer                                                */

typedef struct {
    uint8_t *p;
    size_t len, cap;
} Buf;

static int buf_grow(Buf *b, size_t extra)
{
    size_t nc = b->cap ? b->cap : 256;
    void *np;
    if (extra > (size_t)PY_SSIZE_T_MAX - b->len) {
        PyErr_NoMemory();
        return ERR;
    }
    while (nc - b->len < extra) {
        if (nc > (size_t)PY_SSIZE_T_MAX / 2) {
            nc = (size_t)PY_SSIZE_T_MAX;
            break;
        }
        nc *= 2;
    }
    np = PyMem_Realloc(b->p, nc);
    if (np == NULL) {
        PyErr_NoMemory();
        return ERR;
    }
    b->p = (uint8_t *)np;
    b->cap = nc;
    return OK;
}

static inline int buf_reserve(Buf *b, size_t extra)
{
    if (b->cap - b->len >= extra)
        return OK;
    return buf_grow(b, extra);
}

/* caller has reserved */
static inline void put_bytes(Buf *b, const void *src, size_t n)
{
    if (n) {
        memcpy(b->p + b->len, src, n);
        b->len += n;
    }
}

static inline size_t varint_size(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static inline size_t write_varint(uint8_t *dst, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        dst[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    dst[n++] = (uint8_t)v;
    return n;
}

/* caller has reserved (10 bytes suffice) */
static inline void put_varint(Buf *b, uint64_t v)
{
    b->len += write_varint(b->p + b->len, v);
}

static inline int append(Buf *b, const void *src, size_t n)
{
    if (buf_reserve(b, n) != OK)
        return ERR;
    put_bytes(b, src, n);
    return OK;
}

/* Length-prefix fix-up: `reserve` bytes were skipped at `pos` before the
 * content was written; write the minimal varint of the content length there,
 * moving the content if the size differs. */
static int len_fix(Buf *b, size_t pos, size_t reserve)
{
    size_t content = b->len - pos - reserve;
    size_t n = varint_size((uint64_t)content);
    if (n != reserve) {
        if (n > reserve && buf_reserve(b, n - reserve) != OK)
            return ERR;
        memmove(b->p + pos + n, b->p + pos + reserve, content);
        b->len = pos + n + content;
    }
    write_varint(b->p + pos, (uint64_t)content);
    return OK;
}

/* ------------------------------------------------------------------ */
/* wire reading                                                        */

static inline int rd_varint(const uint8_t **pp, const uint8_t *end, uint64_t *out)
{
    const uint8_t *p = *pp;
    uint64_t v = 0;
    int i;
    for (i = 0; i < 10; i++) {
        uint8_t byte;
        if (p >= end)
            return BAIL;
        byte = *p++;
        if (i == 9 && byte > 1)
            return BAIL; /* overlong / overflowing varint */
        v |= (uint64_t)(byte & 0x7f) << (7 * i);
        if (!(byte & 0x80)) {
            *pp = p;
            *out = v;
            return OK;
        }
    }
    return BAIL;
}

typedef struct {
    uint32_t fn, wt;
    const uint8_t *start;  /* tag start */
    const uint8_t *tagend; /* end of tag varint */
    const uint8_t *val;    /* payload start (LEN: after length prefix) */
    size_t vlen;           /* LEN payload length */
    uint64_t v;            /* varint value / fixed value */
    const uint8_t *end;    /* end of the whole field */
} Field;

static inline uint64_t rd_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    int i;
    for (i = n - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

#if defined(__GNUC__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

/* *pp < end required */
static ALWAYS_INLINE int next_field(const uint8_t **pp, const uint8_t *end, Field *f)
{
    uint64_t tag, len;
    const uint8_t *p = *pp;
    f->start = p;
    if (p < end && *p < 0x80) {
        tag = *p++;
    } else if (rd_varint(&p, end, &tag) != OK) {
        return BAIL;
    }
    if (tag > 0xFFFFFFFFu || (tag >> 3) == 0)
        return BAIL;
    f->fn = (uint32_t)(tag >> 3);
    f->wt = (uint32_t)(tag & 7);
    f->tagend = p;
    switch (f->wt) {
    case 0:
        if (p < end && *p < 0x80) {
            f->v = *p++;
        } else if (rd_varint(&p, end, &f->v) != OK) {
            return BAIL;
        }
        f->val = f->tagend;
        f->vlen = 0;
        break;
    case 1:
        if ((size_t)(end - p) < 8)
            return BAIL;
        f->v = rd_le(p, 8);
        f->val = p;
        f->vlen = 8;
        p += 8;
        break;
    case 5:
        if ((size_t)(end - p) < 4)
            return BAIL;
        f->v = rd_le(p, 4);
        f->val = p;
        f->vlen = 4;
        p += 4;
        break;
    case 2:
        if (p < end && *p < 0x80) {
            len = *p++;
        } else if (rd_varint(&p, end, &len) != OK) {
            return BAIL;
        }
        if (len > (uint64_t)(end - p))
            return BAIL;
        f->val = p;
        f->vlen = (size_t)len;
        p += len;
        break;
    default: /* groups (3/4), 6, 7 */
        return BAIL;
    }
    f->end = p;
    *pp = p;
    return OK;
}

/* strict UTF-8 validation (no surrogates, no overlongs, <= U+10FFFF) */
static int utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c;
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (w & UINT64_C(0x8080808080808080))
                break;
            i += 8;
        }
        if (i >= n)
            break;
        c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            if (i + 1 >= n || (s[i + 1] & 0xC0) != 0x80)
                return 0;
            i += 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            uint8_t c1;
            if (i + 2 >= n)
                return 0;
            c1 = s[i + 1];
            if ((c1 & 0xC0) != 0x80 || (s[i + 2] & 0xC0) != 0x80)
                return 0;
            if (c == 0xE0 && c1 < 0xA0)
                return 0;
            if (c == 0xED && c1 >= 0xA0)
                return 0;
            i += 3;
        } else if (c >= 0xF0 && c <= 0xF4) {
            uint8_t c1;
            if (i + 3 >= n)
                return 0;
            c1 = s[i + 1];
            if ((c1 & 0xC0) != 0x80 || (s[i + 2] & 0xC0) != 0x80 || (s[i + 3] & 0xC0) != 0x80)
                return 0;
            if (c == 0xF0 && c1 < 0x90)
                return 0;
            if (c == 0xF4 && c1 >= 0x90)
                return 0;
            i += 4;
        } else {
            return 0;
        }
    }
    return 1;
}

/* ------------------------------------------------------------------ */
/* schema validation of everything copied: the Python engine parses the whole
 * request with upb, which rejects malformed nested messages and invalid UTF-8
 * in proto3 string fields; so must we (bail), or we would return bytes for a
 * request the engine cannot even decode.                                     */

#define V_STR (-2)
#define MAX_MSG_DEPTH 64
enum { M_RESOURCE, M_SCOPE, M_KV, M_ANY, M_ARRAY, M_KVLIST, M_ENTITYREF, M_SPAN, M_EVENT, M_LINK, M_STATUS,
       M_RSPANS, M_SSPANS, M__COUNT };

typedef struct {
    uint32_t fn;
    int kind; /* V_STR or a message type */
} FD;

static const FD fd_resource[] = {{1, M_KV}, {3, M_ENTITYREF}};
static const FD fd_scope[] = {{1, V_STR}, {2, V_STR}, {3, M_KV}};
static const FD fd_kv[] = {{1, V_STR}, {2, M_ANY}};
static const FD fd_any[] = {{1, V_STR}, {5, M_ARRAY}, {6, M_KVLIST}};
static const FD fd_array[] = {{1, M_ANY}};
static const FD fd_kvlist[] = {{1, M_KV}};
static const FD fd_entityref[] = {{1, V_STR}, {2, V_STR}, {3, V_STR}, {4, V_STR}};
static const FD fd_span[] = {{3, V_STR}, {5, V_STR}, {9, M_KV}, {11, M_EVENT}, {13, M_LINK}, {15, M_STATUS}};
static const FD fd_event[] = {{2, V_STR}, {3, M_KV}};
static const FD fd_link[] = {{3, V_STR}, {4, M_KV}};
static const FD fd_status[] = {{2, V_STR}};
static const FD fd_rspans[] = {{1, M_RESOURCE}, {3, V_STR}}; /* 2 handled by the walker */
static const FD fd_sspans[] = {{1, M_SCOPE}, {3, V_STR}};   /* 2 handled by the walker */

static const struct {
    const FD *f;
    size_t n;
} schema[M__COUNT] = {
    {fd_resource, 2}, {fd_scope, 3}, {fd_kv, 2},    {fd_any, 3},   {fd_array, 1},  {fd_kvlist, 1}, {fd_entityref, 4},
    {fd_span, 6},     {fd_event, 2}, {fd_link, 2},  {fd_status, 1}, {fd_rspans, 2}, {fd_sspans, 2},
};

static int validate_msg(int type, const uint8_t *p, size_t n, int depth);

/* validate one already wire-checked field `f` of a message of type `type` */
static int validate_field(int type, const Field *f, int depth)
{
    size_t i;
    for (i = 0; i < schema[type].n; i++) {
        const FD *d = &schema[type].f[i];
        if (d->fn != f->fn)
            continue;
        if (f->wt != 2)
            return BAIL; /* known LEN field with another wire type: not modelled */
        if (d->kind == V_STR)
            return utf8_valid(f->val, f->vlen) ? OK : BAIL;
        return validate_msg(d->kind, f->val, f->vlen, depth + 1);
    }
    return OK; /* unknown or scalar field: wire format already checked */
}

static int validate_msg(int type, const uint8_t *p, size_t n, int depth)
{
    const uint8_t *end = p + n;
    Field f;
    if (depth > MAX_MSG_DEPTH)
        return BAIL;
    while (p < end) {
        if (next_field(&p, end, &f) != OK)
            return BAIL;
        if (validate_field(type, &f, depth) != OK)
            return BAIL;
    }
    return OK;
}

/* ------------------------------------------------------------------ */
/* program                                                             */

enum { E_CSTR, E_CINT, E_ATTR, E_NAME, E_KIND, E_STATUS, E_CONCAT };
enum { A_SET_ATTR, A_SET_NAME, A_SET_STATUS, A_DEL_ATTR, A_REPLACE };
enum { T_NIL = 0, T_STR, T_INT, T_OTHER };

typedef struct {
    int kind;
    const char *s; /* const str / concat separator */
    Py_ssize_t slen;
    int64_t i;        /* const int */
    Py_ssize_t key;   /* attr key index */
    Py_ssize_t first; /* concat: first part node */
    Py_ssize_t n;     /* concat: number of parts */
} Node;

typedef struct {
    int has_cond;
    int op;
    Py_ssize_t cexpr;
    int ctype; /* T_STR / T_INT */
    const char *cs;
    Py_ssize_t cslen;
    int64_t ci;
    int act;
    Py_ssize_t key;
    Py_ssize_t expr;
    PyObject *subn; /* borrowed (kept alive by program) */
    PyObject *repl; /* borrowed */
} Stmt;

typedef struct {
    const char *s;
    Py_ssize_t len;
} Key;

/* runtime value; p == NULL and t == T_STR means the bytes are in the arena at off */
typedef struct {
    int t;
    int64_t i;
    const uint8_t *p;
    size_t off;
    size_t len;
} Val;

typedef struct {
    const uint8_t *kv; /* original KeyValue payload (NULL for appended entries) */
    size_t kvlen;
    const uint8_t *key;
    size_t keylen;
    Py_ssize_t pk; /* program key index or -1 */
    int unknown;   /* KeyValue has fields other than 1 and 2 */
    int rewritten;
    int deleted;
    int checked; /* UTF-8 of v checked */
    Val v;
} Attr;

typedef struct {
    /* program */
    Node *nodes;
    Py_ssize_t nnodes, capnodes;
    Stmt *stmts;
    Py_ssize_t nstmts;
    Key *keys;
    Py_ssize_t nkeys, capkeys;
    /* per-span scratch, reused */
    Attr *attrs;
    size_t nattrs, capattrs;
    Py_ssize_t *slot;
    Val *vstack;
    size_t vtop, vcap;
    Buf arena;
    Buf out;
    /* output is started lazily at the first changed span: until then it is,
     * by construction, identical to the input, so nothing is written */
    const uint8_t *wire;
    size_t wirelen;
    int started;
    /* current span state */
    const uint8_t *span;
    size_t spanlen;
    int had_name, name_changed, name_checked;
    Val name;
    int64_t kind;
    int had_status, status_changed;
    const uint8_t *status;
    size_t statuslen;
    int64_t code;
    int changed;
} Ctx;

static void ctx_free(Ctx *c)
{
    PyMem_Free(c->nodes);
    PyMem_Free(c->stmts);
    PyMem_Free(c->keys);
    PyMem_Free(c->attrs);
    PyMem_Free(c->slot);
    PyMem_Free(c->vstack);
}

/* Output and arena buffers are cached across calls (one set; a re-entrant
 * call, e.g. from inside a subn callback, allocates its own). The GIL is held
 * throughout, so a plain flag suffices. */
static Buf cache_out, cache_arena;
static int cache_busy;
#define CACHE_MAX_BYTES ((size_t)32 << 20)

static void release_bufs(Ctx *c, int cached)
{
    if (cached) {
        if (c->out.cap > CACHE_MAX_BYTES) {
            PyMem_Free(c->out.p);
            c->out.p = NULL;
            c->out.cap = 0;
        }
        if (c->arena.cap > CACHE_MAX_BYTES) {
            PyMem_Free(c->arena.p);
            c->arena.p = NULL;
            c->arena.cap = 0;
        }
        c->out.len = c->arena.len = 0;
        cache_out = c->out;
        cache_arena = c->arena;
        cache_busy = 0;
    } else {
        PyMem_Free(c->arena.p);
        PyMem_Free(c->out.p);
    }
}

static int is_tag(PyObject *o, const char *s)
{
    return PyUnicode_Check(o) && PyUnicode_CompareWithASCIIString(o, s) == 0;
}

static Py_ssize_t new_nodes(Ctx *c, Py_ssize_t n)
{
    Py_ssize_t first = c->nnodes;
    if (n > PY_SSIZE_T_MAX / 2 - c->nnodes) {
        PyErr_NoMemory();
        return -1;
    }
    if (c->nnodes + n > c->capnodes) {
        Py_ssize_t nc = c->capnodes ? c->capnodes : 16;
        void *np;
        while (nc < c->nnodes + n)
            nc *= 2;
        np = PyMem_Realloc(c->nodes, (size_t)nc * sizeof(Node));
        if (!np) {
            PyErr_NoMemory();
            return -1;
        }
        c->nodes = (Node *)np;
        c->capnodes = nc;
    }
    memset(c->nodes + first, 0, (size_t)n * sizeof(Node));
    c->nnodes += n;
    return first;
}

static int get_str(PyObject *o, const char **s, Py_ssize_t *len, const char *what)
{
    if (!PyUnicode_Check(o)) {
        PyErr_Format(PyExc_TypeError, "_spanwire: %s must be str", what);
        return ERR;
    }
    *s = PyUnicode_AsUTF8AndSize(o, len);
    if (*s == NULL) {
        /* e.g. lone surrogates: a malformed program */
        PyErr_Clear();
        PyErr_Format(PyExc_ValueError, "_spanwire: %s is not encodable as UTF-8", what);
        return ERR;
    }
    return OK;
}

static int get_int64(PyObject *o, int64_t *out, const char *what)
{
    long long v;
    int overflow = 0;
    if (!PyLong_Check(o) || PyBool_Check(o)) {
        PyErr_Format(PyExc_TypeError, "_spanwire: %s must be int", what);
        return ERR;
    }
    v = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (v == -1 && PyErr_Occurred())
        return ERR;
    if (overflow) {
        PyErr_Format(PyExc_ValueError, "_spanwire: %s out of int64 range", what);
        return ERR;
    }
    *out = (int64_t)v;
    return OK;
}

static Py_ssize_t intern_key(Ctx *c, PyObject *o)
{
    const char *s;
    Py_ssize_t len, i;
    if (get_str(o, &s, &len, "attribute key") != OK)
        return -1;
    for (i = 0; i < c->nkeys; i++)
        if (c->keys[i].len == len && memcmp(c->keys[i].s, s, (size_t)len) == 0)
            return i;
    if (c->nkeys == c->capkeys) {
        Py_ssize_t nc = c->capkeys ? c->capkeys * 2 : 8;
        void *np = PyMem_Realloc(c->keys, (size_t)nc * sizeof(Key));
        if (!np) {
            PyErr_NoMemory();
            return -1;
        }
        c->keys = (Key *)np;
        c->capkeys = nc;
    }
    c->keys[c->nkeys].s = s;
    c->keys[c->nkeys].len = len;
    return c->nkeys++;
}

static int bad(const char *msg)
{
    PyErr_Format(PyExc_TypeError, "_spanwire: malformed program: %s", msg);
    return ERR;
}

/* parse expression object `o` into the already allocated node `idx` */
static int parse_expr(Ctx *c, PyObject *o, Py_ssize_t idx, int depth)
{
    PyObject *tag;
    Py_ssize_t n;
    if (depth > MAX_DEPTH) {
        PyErr_SetString(PyExc_ValueError, "_spanwire: expression nested too deeply");
        return ERR;
    }
    if (!PyTuple_Check(o) || PyTuple_GET_SIZE(o) < 1)
        return bad("value_expr must be a non-empty tuple");
    n = PyTuple_GET_SIZE(o);
    tag = PyTuple_GET_ITEM(o, 0);
    if (is_tag(tag, "const")) {
        PyObject *v;
        if (n != 2)
            return bad("('const', obj) expected");
        v = PyTuple_GET_ITEM(o, 1);
        if (PyUnicode_Check(v)) {
            const char *s;
            Py_ssize_t l;
            if (get_str(v, &s, &l, "const") != OK)
                return ERR;
            c->nodes[idx].kind = E_CSTR;
            c->nodes[idx].s = s;
            c->nodes[idx].slen = l;
        } else {
            int64_t i;
            if (get_int64(v, &i, "const") != OK)
                return ERR;
            c->nodes[idx].kind = E_CINT;
            c->nodes[idx].i = i;
        }
    } else if (is_tag(tag, "attr")) {
        Py_ssize_t k;
        if (n != 2)
            return bad("('attr', key) expected");
        k = intern_key(c, PyTuple_GET_ITEM(o, 1));
        if (k < 0)
            return ERR;
        c->nodes[idx].kind = E_ATTR;
        c->nodes[idx].key = k;
    } else if (is_tag(tag, "name")) {
        if (n != 1)
            return bad("('name',) expected");
        c->nodes[idx].kind = E_NAME;
    } else if (is_tag(tag, "kind")) {
        if (n != 1)
            return bad("('kind',) expected");
        c->nodes[idx].kind = E_KIND;
    } else if (is_tag(tag, "status_code")) {
        if (n != 1)
            return bad("('status_code',) expected");
        c->nodes[idx].kind = E_STATUS;
    } else if (is_tag(tag, "concat")) {
        PyObject *parts;
        const char *s;
        Py_ssize_t l, np, first, i;
        if (n != 3)
            return bad("('concat', sep, parts) expected");
        if (get_str(PyTuple_GET_ITEM(o, 1), &s, &l, "concat separator") != OK)
            return ERR;
        parts = PyTuple_GET_ITEM(o, 2);
        if (!PyTuple_Check(parts))
            return bad("concat parts must be a tuple");
        np = PyTuple_GET_SIZE(parts);
        first = new_nodes(c, np);
        if (first < 0)
            return ERR;
        /* c->nodes may have moved: index only */
        c->nodes[idx].kind = E_CONCAT;
        c->nodes[idx].s = s;
        c->nodes[idx].slen = l;
        c->nodes[idx].first = first;
        c->nodes[idx].n = np;
        for (i = 0; i < np; i++)
            if (parse_expr(c, PyTuple_GET_ITEM(parts, i), first + i, depth + 1) != OK)
                return ERR;
    } else {
        return bad("unknown value_expr");
    }
    return OK;
}

static Py_ssize_t parse_new_expr(Ctx *c, PyObject *o)
{
    Py_ssize_t idx = new_nodes(c, 1);
    if (idx < 0)
        return -1;
    if (parse_expr(c, o, idx, 0) != OK)
        return -1;
    return idx;
}

static int parse_program(Ctx *c, PyObject *prog)
{
    Py_ssize_t n, i;
    if (!PyTuple_Check(prog))
        return bad("program must be a tuple");
    n = PyTuple_GET_SIZE(prog);
    c->stmts = (Stmt *)PyMem_Calloc(n ? (size_t)n : 1, sizeof(Stmt));
    if (!c->stmts) {
        PyErr_NoMemory();
        return ERR;
    }
    c->nstmts = n;
    for (i = 0; i < n; i++) {
        PyObject *st = PyTuple_GET_ITEM(prog, i), *cond, *act, *tag;
        Stmt *s = &c->stmts[i];
        Py_ssize_t an;
        if (!PyTuple_Check(st) || PyTuple_GET_SIZE(st) != 2)
            return bad("statement must be a (cond, action) tuple");
        cond = PyTuple_GET_ITEM(st, 0);
        act = PyTuple_GET_ITEM(st, 1);
        if (cond == Py_None) {
            s->has_cond = 0;
        } else {
            PyObject *opo, *k;
            int64_t op;
            if (!PyTuple_Check(cond) || PyTuple_GET_SIZE(cond) != 4 || !is_tag(PyTuple_GET_ITEM(cond, 0), "cmp"))
                return bad("cond must be None or ('cmp', op, value_expr, const)");
            opo = PyTuple_GET_ITEM(cond, 1);
            if (get_int64(opo, &op, "cmp op") != OK)
                return ERR;
            if (op < 0 || op > 5) {
                PyErr_SetString(PyExc_ValueError, "_spanwire: cmp op must be in 0..5");
                return ERR;
            }
            s->has_cond = 1;
            s->op = (int)op;
            s->cexpr = parse_new_expr(c, PyTuple_GET_ITEM(cond, 2));
            if (s->cexpr < 0)
                return ERR;
            k = PyTuple_GET_ITEM(cond, 3);
            if (PyUnicode_Check(k)) {
                s->ctype = T_STR;
                if (get_str(k, &s->cs, &s->cslen, "cmp const") != OK)
                    return ERR;
            } else {
                s->ctype = T_INT;
                if (get_int64(k, &s->ci, "cmp const") != OK)
                    return ERR;
            }
        }
        if (!PyTuple_Check(act) || PyTuple_GET_SIZE(act) < 1)
            return bad("action must be a non-empty tuple");
        an = PyTuple_GET_SIZE(act);
        tag = PyTuple_GET_ITEM(act, 0);
        if (is_tag(tag, "set_attr")) {
            if (an != 3)
                return bad("('set_attr', key, value_expr) expected");
            s->act = A_SET_ATTR;
            s->key = intern_key(c, PyTuple_GET_ITEM(act, 1));
            if (s->key < 0)
                return ERR;
            s->expr = parse_new_expr(c, PyTuple_GET_ITEM(act, 2));
            if (s->expr < 0)
                return ERR;
        } else if (is_tag(tag, "set_name")) {
            if (an != 2)
                return bad("('set_name', value_expr) expected");
            s->act = A_SET_NAME;
            s->expr = parse_new_expr(c, PyTuple_GET_ITEM(act, 1));
            if (s->expr < 0)
                return ERR;
        } else if (is_tag(tag, "set_status_code")) {
            if (an != 2)
                return bad("('set_status_code', value_expr) expected");
            s->act = A_SET_STATUS;
            s->expr = parse_new_expr(c, PyTuple_GET_ITEM(act, 1));
            if (s->expr < 0)
                return ERR;
        } else if (is_tag(tag, "delete_attr")) {
            if (an != 2)
                return bad("('delete_attr', key) expected");
            s->act = A_DEL_ATTR;
            s->key = intern_key(c, PyTuple_GET_ITEM(act, 1));
            if (s->key < 0)
                return ERR;
        } else if (is_tag(tag, "replace_attr")) {
            if (an != 4)
                return bad("('replace_attr', key, subn, repl) expected");
            s->act = A_REPLACE;
            s->key = intern_key(c, PyTuple_GET_ITEM(act, 1));
            if (s->key < 0)
                return ERR;
            s->subn = PyTuple_GET_ITEM(act, 2);
            if (!PyCallable_Check(s->subn))
                return bad("replace_attr subn must be callable");
            s->repl = PyTuple_GET_ITEM(act, 3);
            if (!PyUnicode_Check(s->repl))
                return bad("replace_attr repl must be str");
        } else {
            return bad("unknown action");
        }
    }
    if (c->nkeys) {
        c->slot = (Py_ssize_t *)PyMem_Malloc((size_t)c->nkeys * sizeof(Py_ssize_t));
        if (!c->slot) {
            PyErr_NoMemory();
            return ERR;
        }
    }
    return OK;
}

/* ------------------------------------------------------------------ */
/* span evaluation                                                     */

static inline const uint8_t *vptr(Ctx *c, const Val *v)
{
    return v->p ? v->p : c->arena.p + v->off;
}

static Attr *new_attr(Ctx *c)
{
    Attr *a;
    if (c->nattrs == c->capattrs) {
        size_t nc = c->capattrs ? c->capattrs * 2 : 16;
        void *np = PyMem_Realloc(c->attrs, nc * sizeof(Attr));
        if (!np) {
            PyErr_NoMemory();
            return NULL;
        }
        c->attrs = (Attr *)np;
        c->capattrs = nc;
    }
    a = &c->attrs[c->nattrs++];
    a->kv = NULL;
    a->kvlen = 0;
    a->key = NULL;
    a->keylen = 0;
    a->pk = -1;
    a->unknown = a->rewritten = a->deleted = a->checked = 0;
    a->v.t = T_NIL;
    a->v.p = NULL;
    a->v.off = 0;
    a->v.len = 0;
    a->v.i = 0;
    return a;
}

/* classify an AnyValue payload */
static int parse_anyvalue(const uint8_t *p, size_t n, Val *v, int depth)
{
    const uint8_t *end = p + n;
    Field f;
    int count = 0;
    v->t = T_NIL;
    v->p = NULL;
    v->len = 0;
    v->i = 0;
    v->off = 0;
    while (p < end) {
        if (next_field(&p, end, &f) != OK)
            return BAIL;
        count++;
        if (f.fn == 1 && f.wt == 2) {
            if (!utf8_valid(f.val, f.vlen))
                return BAIL;
            v->t = T_STR;
            v->p = f.val;
            v->len = f.vlen;
        } else if (f.fn == 1 || f.fn == 5 || f.fn == 6) {
            if (validate_field(M_ANY, &f, depth) != OK)
                return BAIL;
            v->t = T_OTHER;
        } else if (f.fn == 3 && f.wt == 0) {
            v->t = T_INT;
            v->i = (int64_t)f.v;
        } else {
            v->t = T_OTHER;
        }
    }
    if (count > 1)
        v->t = T_OTHER;
    if (v->t == T_STR && v->p == NULL)
        v->p = (const uint8_t *)""; /* never NULL for original strings */
    return OK;
}

static int index_kv(Ctx *c, const uint8_t *p, size_t n)
{
    const uint8_t *end = p + n, *key = NULL, *val = NULL;
    size_t keylen = 0, vallen = 0;
    int has_key = 0, has_val = 0, unknown = 0;
    Py_ssize_t k, pk = -1;
    Attr *a;
    Field f;
    while (p < end) {
        if (next_field(&p, end, &f) != OK)
            return BAIL;
        if (f.fn == 1) {
            if (f.wt != 2 || has_key || !utf8_valid(f.val, f.vlen))
                return BAIL;
            has_key = 1;
            key = f.val;
            keylen = f.vlen;
        } else if (f.fn == 2) {
            if (f.wt != 2 || has_val)
                return BAIL;
            has_val = 1;
            val = f.val;
            vallen = f.vlen;
        } else {
            unknown = 1;
        }
    }
    for (k = 0; k < c->nkeys; k++) {
        if ((size_t)c->keys[k].len == keylen && memcmp(c->keys[k].s, key ? (const void *)key : "", keylen) == 0) {
            pk = k;
            break;
        }
    }
    a = new_attr(c);
    if (!a)
        return ERR;
    a->kv = end - n;
    a->kvlen = n;
    a->key = key ? key : (const uint8_t *)"";
    a->keylen = keylen;
    a->pk = pk;
    a->unknown = unknown;
    a->checked = 1; /* key and value validated above (UTF-8, nesting) */
    if (has_val) {
        /* validates the AnyValue (UTF-8, nested messages) and classifies it */
        if (parse_anyvalue(val, vallen, &a->v, 6) != OK)
            return BAIL;
    }
    if (pk >= 0) {
        if (c->slot[pk] >= 0)
            return BAIL; /* program key occurs twice */
        c->slot[pk] = (Py_ssize_t)(c->nattrs - 1);
    }
    return OK;
}

static int parse_status(Ctx *c, const uint8_t *p, size_t n)
{
    const uint8_t *end = p + n;
    int has_code = 0;
    Field f;
    c->code = 0;
    while (p < end) {
        if (next_field(&p, end, &f) != OK)
            return BAIL;
        if (f.fn == 3) {
            int64_t v = (int64_t)f.v;
            if (f.wt != 0 || has_code)
                return BAIL;
            if (v < INT32_MIN || v > INT32_MAX)
                return BAIL;
            has_code = 1;
            c->code = v;
        } else if (f.fn == 2 && (f.wt != 2 || !utf8_valid(f.val, f.vlen))) {
            return BAIL;
        }
    }
    return OK;
}

static int push_vals(Ctx *c, size_t n)
{
    if (c->vcap - c->vtop < n) {
        size_t nc = c->vcap ? c->vcap : 16;
        void *np;
        while (nc - c->vtop < n)
            nc *= 2;
        np = PyMem_Realloc(c->vstack, nc * sizeof(Val));
        if (!np) {
            PyErr_NoMemory();
            return ERR;
        }
        c->vstack = (Val *)np;
        c->vcap = nc;
    }
    c->vtop += n;
    return OK;
}

static size_t fmt_int(char *buf, int64_t v)
{
    char tmp[24];
    size_t n = 0, i = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + (u % 10));
        u /= 10;
    } while (u);
    if (v < 0)
        buf[i++] = '-';
    while (n)
        buf[i++] = tmp[--n];
    return i;
}

static int eval(Ctx *c, Py_ssize_t ni, Val *out)
{
    const Node *nd = &c->nodes[ni];
    switch (nd->kind) {
    case E_CSTR:
        out->t = T_STR;
        out->p = (const uint8_t *)nd->s;
        out->len = (size_t)nd->slen;
        return OK;
    case E_CINT:
        out->t = T_INT;
        out->i = nd->i;
        return OK;
    case E_ATTR: {
        Py_ssize_t idx = c->slot[nd->key];
        Attr *a;
        if (idx < 0) {
            out->t = T_NIL;
            return OK;
        }
        a = &c->attrs[idx];
        if (a->v.t == T_OTHER)
            return BAIL;
        if (a->v.t == T_STR && !a->checked) {
            if (!utf8_valid(vptr(c, &a->v), a->v.len))
                return BAIL;
            a->checked = 1;
        }
        *out = a->v;
        return OK;
    }
    case E_NAME:
        if (!c->name_checked) {
            if (!utf8_valid(vptr(c, &c->name), c->name.len))
                return BAIL;
            c->name_checked = 1;
        }
        *out = c->name;
        return OK;
    case E_KIND:
        out->t = T_INT;
        out->i = c->kind;
        return OK;
    case E_STATUS:
        out->t = T_INT;
        out->i = c->code;
        return OK;
    case E_CONCAT: {
        size_t base = c->vtop, total = 0, i, n = (size_t)nd->n, seplen = (size_t)nd->slen, start;
        const char *sep = nd->s;
        Py_ssize_t first = nd->first;
        int r;
        if (push_vals(c, n) != OK)
            return ERR;
        for (i = 0; i < n; i++) {
            Val v;
            r = eval(c, first + (Py_ssize_t)i, &v);
            if (r != OK)
                return r; /* vtop restored by caller at span reset */
            c->vstack[base + i] = v;
            if (v.t == T_STR)
                total += v.len;
            else if (v.t == T_INT)
                total += 20;
            else
                total += 5;
        }
        if (n > 1)
            total += seplen * (n - 1);
        if (buf_reserve(&c->arena, total) != OK)
            return ERR;
        start = c->arena.len;
        for (i = 0; i < n; i++) {
            const Val *v = &c->vstack[base + i];
            if (i)
                put_bytes(&c->arena, sep, seplen);
            if (v->t == T_STR)
                put_bytes(&c->arena, vptr(c, v), v->len);
            else if (v->t == T_INT)
                c->arena.len += fmt_int((char *)c->arena.p + c->arena.len, v->i);
            else
                put_bytes(&c->arena, "<nil>", 5);
        }
        c->vtop = base;
        out->t = T_STR;
        out->p = NULL;
        out->off = start;
        out->len = c->arena.len - start;
        return OK;
    }
    }
    return BAIL;
}

static int cond_true(Ctx *c, const Stmt *s, int *res)
{
    Val v;
    int r = eval(c, s->cexpr, &v), cmp;
    if (r != OK)
        return r;
    if (v.t == T_STR && s->ctype == T_STR) {
        size_t a = v.len, b = (size_t)s->cslen, m = a < b ? a : b;
        cmp = m ? memcmp(vptr(c, &v), s->cs, m) : 0;
        if (cmp == 0)
            cmp = a < b ? -1 : (a > b ? 1 : 0);
    } else if (v.t == T_INT && s->ctype == T_INT) {
        cmp = v.i < s->ci ? -1 : (v.i > s->ci ? 1 : 0);
    } else {
        *res = (s->op == 1);
        return OK;
    }
    switch (s->op) {
    case 0: *res = cmp == 0; break;
    case 1: *res = cmp != 0; break;
    case 2: *res = cmp < 0; break;
    case 3: *res = cmp <= 0; break;
    case 4: *res = cmp > 0; break;
    default: *res = cmp >= 0; break;
    }
    return OK;
}

static int set_attr(Ctx *c, Py_ssize_t key, const Val *v)
{
    Py_ssize_t idx = c->slot[key];
    Attr *a;
    if (idx >= 0) {
        a = &c->attrs[idx];
        if (a->unknown)
            return BAIL;
    } else {
        a = new_attr(c);
        if (!a)
            return ERR;
        a->key = (const uint8_t *)c->keys[key].s;
        a->keylen = (size_t)c->keys[key].len;
        a->pk = key;
        c->slot[key] = (Py_ssize_t)(c->nattrs - 1);
    }
    a->v = *v;
    a->rewritten = 1;
    a->checked = 1;
    c->changed = 1;
    return OK;
}

static int do_replace(Ctx *c, const Stmt *s)
{
    Py_ssize_t idx = c->slot[s->key];
    Attr *a;
    PyObject *text, *res, *upd, *cnt;
    const char *u;
    Py_ssize_t ulen;
    int nz, r;
    if (idx < 0)
        return OK;
    a = &c->attrs[idx];
    if (a->v.t != T_STR)
        return OK;
    if (a->v.len > (size_t)PY_SSIZE_T_MAX)
        return BAIL;
    text = PyUnicode_DecodeUTF8((const char *)vptr(c, &a->v), (Py_ssize_t)a->v.len, NULL);
    if (!text) {
        if (PyErr_ExceptionMatches(PyExc_MemoryError))
            return ERR;
        PyErr_Clear();
        return BAIL;
    }
    res = PyObject_CallFunctionObjArgs(s->subn, s->repl, text, NULL);
    if (!res) {
        Py_DECREF(text);
        PyErr_Clear();
        return BAIL;
    }
    if (!PyTuple_Check(res) || PyTuple_GET_SIZE(res) != 2) {
        r = BAIL;
        goto done;
    }
    upd = PyTuple_GET_ITEM(res, 0);
    cnt = PyTuple_GET_ITEM(res, 1);
    if (!PyUnicode_Check(upd) || !PyLong_Check(cnt)) {
        r = BAIL;
        goto done;
    }
    nz = PyObject_IsTrue(cnt);
    if (nz < 0) {
        PyErr_Clear();
        r = BAIL;
        goto done;
    }
    r = OK;
    if (!nz)
        goto done;
    {
        int cmp = PyUnicode_Compare(upd, text);
        if (cmp == -1 && PyErr_Occurred()) {
            PyErr_Clear();
            r = BAIL;
            goto done;
        }
        if (cmp == 0)
            goto done;
    }
    u = PyUnicode_AsUTF8AndSize(upd, &ulen);
    if (!u) {
        PyErr_Clear();
        r = BAIL;
        goto done;
    }
    if (a->unknown) {
        r = BAIL;
        goto done;
    }
    {
        Val v;
        size_t off = c->arena.len;
        if (append(&c->arena, u, (size_t)ulen) != OK) {
            r = ERR;
            goto done;
        }
        v.t = T_STR;
        v.i = 0;
        v.p = NULL;
        v.off = off;
        v.len = (size_t)ulen;
        r = set_attr(c, s->key, &v);
    }
done:
    Py_DECREF(res);
    Py_DECREF(text);
    return r;
}

static int run_stmts(Ctx *c)
{
    Py_ssize_t i;
    int r;
    for (i = 0; i < c->nstmts; i++) {
        const Stmt *s = &c->stmts[i];
        Val v;
        if (s->has_cond) {
            int ok = 0;
            r = cond_true(c, s, &ok);
            if (r != OK)
                return r;
            if (!ok)
                continue;
        }
        switch (s->act) {
        case A_SET_ATTR:
            r = eval(c, s->expr, &v);
            if (r != OK)
                return r;
            if (v.t != T_STR && v.t != T_INT)
                return BAIL;
            r = set_attr(c, s->key, &v);
            if (r != OK)
                return r;
            break;
        case A_SET_NAME:
            r = eval(c, s->expr, &v);
            if (r != OK)
                return r;
            if (v.t == T_STR) {
                c->name = v;
                c->name_changed = 1;
                c->name_checked = 1;
                c->changed = 1;
            }
            break;
        case A_SET_STATUS:
            r = eval(c, s->expr, &v);
            if (r != OK)
                return r;
            if (v.t == T_INT) {
                if (v.i < INT32_MIN || v.i > INT32_MAX)
                    return BAIL;
                c->code = v.i;
                c->status_changed = 1;
                c->changed = 1;
            }
            break;
        case A_DEL_ATTR: {
            Py_ssize_t idx = c->slot[s->key];
            if (idx >= 0) {
                c->attrs[idx].deleted = 1;
                c->slot[s->key] = -1;
                c->changed = 1;
            }
            break;
        }
        case A_REPLACE:
            r = do_replace(c, s);
            if (r != OK)
                return r;
            break;
        }
    }
    return OK;
}

/* ------------------------------------------------------------------ */
/* span output                                                         */

static int emit_attrs(Ctx *c)
{
    Buf *o = &c->out;
    size_t i;
    for (i = 0; i < c->nattrs; i++) {
        const Attr *a = &c->attrs[i];
        if (a->deleted)
            continue;
        if (!a->rewritten) {
            if (buf_reserve(o, 11 + a->kvlen) != OK)
                return ERR;
            o->p[o->len++] = 0x4a;
            put_varint(o, (uint64_t)a->kvlen);
            put_bytes(o, a->kv, a->kvlen);
        } else {
            size_t anylen, kvlen;
            if (a->v.t == T_STR)
                anylen = 1 + varint_size((uint64_t)a->v.len) + a->v.len;
            else
                anylen = 1 + varint_size((uint64_t)a->v.i);
            kvlen = 1 + varint_size((uint64_t)a->keylen) + a->keylen + 1 + varint_size((uint64_t)anylen) + anylen;
            if (buf_reserve(o, 11 + kvlen) != OK)
                return ERR;
            o->p[o->len++] = 0x4a;
            put_varint(o, (uint64_t)kvlen);
            o->p[o->len++] = 0x0a;
            put_varint(o, (uint64_t)a->keylen);
            put_bytes(o, a->key, a->keylen);
            o->p[o->len++] = 0x12;
            put_varint(o, (uint64_t)anylen);
            if (a->v.t == T_STR) {
                o->p[o->len++] = 0x0a;
                put_varint(o, (uint64_t)a->v.len);
                put_bytes(o, vptr(c, &a->v), a->v.len);
            } else {
                o->p[o->len++] = 0x18;
                put_varint(o, (uint64_t)a->v.i);
            }
        }
    }
    return OK;
}

static int emit_name(Ctx *c)
{
    Buf *o = &c->out;
    if (c->name.len == 0)
        return OK;
    if (buf_reserve(o, 11 + c->name.len) != OK)
        return ERR;
    o->p[o->len++] = 0x2a;
    put_varint(o, (uint64_t)c->name.len);
    put_bytes(o, vptr(c, &c->name), c->name.len);
    return OK;
}

static int emit_status(Ctx *c)
{
    Buf *o = &c->out;
    size_t pos;
    if (buf_reserve(o, 2) != OK)
        return ERR;
    o->p[o->len++] = 0x7a;
    pos = o->len;
    o->len += 1;
    if (c->had_status) {
        const uint8_t *p = c->status, *end = c->status + c->statuslen;
        Field f;
        while (p < end) {
            if (next_field(&p, end, &f) != OK)
                return BAIL; /* cannot happen: validated */
            if (f.fn == 3)
                continue;
            if (append(o, f.start, (size_t)(f.end - f.start)) != OK)
                return ERR;
        }
    }
    if (c->code != 0) {
        if (buf_reserve(o, 11) != OK)
            return ERR;
        o->p[o->len++] = 0x18;
        put_varint(o, (uint64_t)c->code);
    }
    return len_fix(o, pos, 1);
}

/* emit the changed span (field whose tag bytes are [tag, tagend), original
 * length prefix size lsize) */
static int emit_span(Ctx *c, const Field *sf)
{
    Buf *o = &c->out;
    const uint8_t *p = c->span, *end = c->span + c->spanlen;
    size_t taglen = (size_t)(sf->tagend - sf->start);
    size_t lsize = (size_t)(sf->val - sf->tagend);
    size_t pos;
    int attrs_done = 0, r;
    Field f;
    if (buf_reserve(o, taglen + lsize) != OK)
        return ERR;
    put_bytes(o, sf->start, taglen);
    pos = o->len;
    o->len += lsize;
    while (p < end) {
        if (next_field(&p, end, &f) != OK)
            return BAIL; /* cannot happen: validated */
        if (f.fn == 5 && c->name_changed) {
            if (emit_name(c) != OK)
                return ERR;
        } else if (f.fn == 9) {
            if (!attrs_done) {
                attrs_done = 1;
                if (emit_attrs(c) != OK)
                    return ERR;
            }
        } else if (f.fn == 15 && c->status_changed) {
            r = emit_status(c);
            if (r != OK)
                return r;
        } else {
            if (append(o, f.start, (size_t)(f.end - f.start)) != OK)
                return ERR;
        }
    }
    if (c->name_changed && !c->had_name && emit_name(c) != OK)
        return ERR;
    if (!attrs_done && emit_attrs(c) != OK)
        return ERR;
    if (c->status_changed && !c->had_status) {
        r = emit_status(c);
        if (r != OK)
            return r;
    }
    return len_fix(o, pos, lsize);
}

/* ------------------------------------------------------------------ */
/* walking                                                             */

static int do_span(Ctx *c, const Field *sf, int *any)
{
    const uint8_t *p = sf->val, *end = sf->val + sf->vlen;
    Py_ssize_t k;
    int had_kind = 0, r;
    Field f;
    c->span = sf->val;
    c->spanlen = sf->vlen;
    c->nattrs = 0;
    c->arena.len = 0;
    c->vtop = 0;
    for (k = 0; k < c->nkeys; k++)
        c->slot[k] = -1;
    c->had_name = c->name_changed = c->name_checked = 0;
    c->name.t = T_STR;
    c->name.p = (const uint8_t *)"";
    c->name.len = 0;
    c->name.i = 0;
    c->name.off = 0;
    c->kind = 0;
    c->had_status = c->status_changed = 0;
    c->status = NULL;
    c->statuslen = 0;
    c->code = 0;
    c->changed = 0;
    while (p < end) {
        if (next_field(&p, end, &f) != OK)
            return BAIL;
        switch (f.fn) {
        case 3:
            if (f.wt != 2 || !utf8_valid(f.val, f.vlen))
                return BAIL;
            break;
        case 11:
        case 13:
            if (validate_field(M_SPAN, &f, 4) != OK)
                return BAIL;
            break;
        case 5:
            if (f.wt != 2 || c->had_name || !utf8_valid(f.val, f.vlen))
                return BAIL;
            c->had_name = 1;
            c->name.p = f.val;
            c->name.len = f.vlen;
            break;
        case 6: {
            int64_t v = (int64_t)f.v;
            if (f.wt != 0 || had_kind)
                return BAIL;
            if (v < INT32_MIN || v > INT32_MAX)
                return BAIL;
            had_kind = 1;
            c->kind = v;
            break;
        }
        case 9:
            if (f.wt != 2)
                return BAIL;
            r = index_kv(c, f.val, f.vlen);
            if (r != OK)
                return r;
            break;
        case 15:
            if (f.wt != 2 || c->had_status)
                return BAIL;
            c->had_status = 1;
            c->status = f.val;
            c->statuslen = f.vlen;
            r = parse_status(c, f.val, f.vlen);
            if (r != OK)
                return r;
            break;
        default:
            break;
        }
    }
    c->name_checked = 1; /* validated above */
    r = run_stmts(c);
    if (r != OK)
        return r;
    if (!c->changed)
        return c->started ? append(&c->out, sf->start, (size_t)(sf->end - sf->start)) : OK;
    if (!c->started) {
        /* everything before this span is unchanged: copy it; the reserved
         * length prefixes of the enclosing messages are then at the same
         * offsets as in the input (see do_nested) */
        size_t pre = (size_t)(sf->start - c->wire);
        if (buf_reserve(&c->out, c->wirelen + 64) != OK)
            return ERR;
        put_bytes(&c->out, c->wire, pre);
        c->started = 1;
    }
    *any = 1;
    return emit_span(c, sf);
}

/* walk a message whose field `fn_child` (LEN) holds children processed by
 * `child`; everything else is copied. The message itself is the field `mf`. */
typedef int (*child_fn)(Ctx *, const Field *, int *);

static int do_nested(Ctx *c, const Field *mf, int type, int depth, uint32_t fn_child, child_fn child, int *any)
{
    Buf *o = &c->out;
    const uint8_t *p = mf->val, *end = mf->val + mf->vlen;
    size_t taglen = (size_t)(mf->tagend - mf->start);
    size_t lsize = (size_t)(mf->val - mf->tagend);
    size_t pos;
    int r;
    Field f;
    if (c->started) {
        if (buf_reserve(o, taglen + lsize) != OK)
            return ERR;
        put_bytes(o, mf->start, taglen);
        pos = o->len;
        o->len += lsize;
    } else {
        pos = (size_t)(mf->tagend - c->wire);
    }
    while (p < end) {
        if (next_field(&p, end, &f) != OK)
            return BAIL;
        if (f.fn == fn_child) {
            if (f.wt != 2)
                return BAIL;
            r = child(c, &f, any);
            if (r != OK)
                return r;
        } else {
            if (validate_field(type, &f, depth) != OK)
                return BAIL;
            if (c->started && append(o, f.start, (size_t)(f.end - f.start)) != OK)
                return ERR;
        }
    }
    return c->started ? len_fix(o, pos, lsize) : OK;
}

static int do_scope(Ctx *c, const Field *f, int *any)
{
    return do_nested(c, f, M_SSPANS, 3, 2, do_span, any);
}

static int do_resource(Ctx *c, const Field *f, int *any)
{
    return do_nested(c, f, M_RSPANS, 2, 2, do_scope, any);
}

static int do_request(Ctx *c, const uint8_t *p, size_t n, int *any)
{
    const uint8_t *end = p + n;
    int r;
    Field f;
    while (p < end) {
        if (next_field(&p, end, &f) != OK)
            return BAIL;
        if (f.fn == 1) {
            if (f.wt != 2)
                return BAIL;
            r = do_resource(c, &f, any);
            if (r != OK)
                return r;
        } else if (c->started && append(&c->out, f.start, (size_t)(f.end - f.start)) != OK) {
            return ERR;
        }
    }
    return OK;
}

/* ------------------------------------------------------------------ */

static PyObject *spanwire_run(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    Ctx c;
    PyObject *prog, *wire, *res = NULL;
    const uint8_t *data;
    size_t n;
    int any = 0, r, cached = 0;
    (void)self;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "run() takes exactly 2 arguments (program, wire)");
        return NULL;
    }
    prog = args[0];
    wire = args[1];
    if (!PyBytes_Check(wire)) {
        PyErr_SetString(PyExc_TypeError, "run(): wire must be bytes");
        return NULL;
    }
    memset(&c, 0, sizeof(c));
    if (!cache_busy) {
        cache_busy = 1;
        cached = 1;
        c.out = cache_out;
        c.arena = cache_arena;
        memset(&cache_out, 0, sizeof(cache_out));
        memset(&cache_arena, 0, sizeof(cache_arena));
    }
    if (parse_program(&c, prog) != OK)
        goto out;
    data = (const uint8_t *)PyBytes_AS_STRING(wire);
    n = (size_t)PyBytes_GET_SIZE(wire);
    c.wire = data;
    c.wirelen = n;
    if (buf_reserve(&c.arena, 1024) != OK)
        goto out;
    r = do_request(&c, data, n, &any);
    if (r == ERR)
        goto out;
    if (r == BAIL) {
        if (PyErr_Occurred())
            PyErr_Clear();
        res = Py_None;
        Py_INCREF(res);
        goto out;
    }
    if (!any) {
        res = wire;
        Py_INCREF(res);
        goto out;
    }
    res = PyBytes_FromStringAndSize((const char *)c.out.p, (Py_ssize_t)c.out.len);
out:
    ctx_free(&c);
    release_bufs(&c, cached);
    return res;
}

static PyMethodDef methods[] = {
    {"run", (PyCFunction)(void (*)(void))spanwire_run, METH_FASTCALL,
     "run(program, wire) -> bytes | None\n\n"
     "Run a compiled OTTL span program over the wire bytes of an\n"
     "ExportTraceServiceRequest. Returns `wire` itself when no span changed,\n"
     "new bytes when some span changed, None when the caller must fall back."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef moddef = {
    PyModuleDef_HEAD_INIT, "pyotelcol.ottl._spanwire",
    "Run a small OTTL span program directly over OTLP trace wire bytes.", -1, methods,
    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__spanwire(void)
{
    return PyModule_Create(&moddef);
}
