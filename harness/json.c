/*
 * json.c - the streaming JSON writer (json.h).
 */
#include "json.h"

#include <inttypes.h>
#include <math.h>

void h_json_write_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c == '\t')
            fputs("\\t", f);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

void h_json_init(h_json *j, FILE *f, bool pretty)
{
    j->f = f;
    j->depth = 0;
    j->error = false;
    j->pretty = pretty;
    j->after_key = false;
    for (int i = 0; i < H_JSON_DEPTH; i++) {
        j->need_comma[i] = false;
        j->kind[i] = 0;
    }
}

static void newline(h_json *j)
{
    if (!j->pretty)
        return;
    fputc('\n', j->f);
    for (int i = 0; i < j->depth; i++)
        fputs("  ", j->f);
}

/* Before any value: the comma and indent, unless it follows its key. */
static bool value_start(h_json *j)
{
    if (j->error)
        return false;
    if (j->after_key) {
        j->after_key = false;
        return true;
    }
    if (j->depth > 0) {
        if (j->kind[j->depth - 1] == '{') { /* a value needs a key here */
            j->error = true;
            return false;
        }
        if (j->need_comma[j->depth - 1])
            fputc(',', j->f);
        j->need_comma[j->depth - 1] = true;
        newline(j);
    }
    return true;
}

static void begin(h_json *j, char kind)
{
    if (!value_start(j))
        return;
    if (j->depth >= H_JSON_DEPTH) {
        j->error = true;
        return;
    }
    fputc(kind, j->f);
    j->kind[j->depth] = kind;
    j->need_comma[j->depth] = false;
    j->depth++;
}

void h_json_begin_object(h_json *j) { begin(j, '{'); }
void h_json_begin_array(h_json *j) { begin(j, '['); }

void h_json_end(h_json *j)
{
    if (j->error || j->depth == 0 || j->after_key) {
        j->error = true;
        return;
    }
    j->depth--;
    bool had = j->need_comma[j->depth];
    if (had)
        newline(j);
    fputc(j->kind[j->depth] == '{' ? '}' : ']', j->f);
}

void h_json_key(h_json *j, const char *key)
{
    if (j->error)
        return;
    if (j->depth == 0 || j->kind[j->depth - 1] != '{' || j->after_key) {
        j->error = true;
        return;
    }
    if (j->need_comma[j->depth - 1])
        fputc(',', j->f);
    j->need_comma[j->depth - 1] = true;
    newline(j);
    h_json_write_str(j->f, key);
    fputs(j->pretty ? ": " : ":", j->f);
    j->after_key = true;
}

void h_json_string(h_json *j, const char *s)
{
    if (!value_start(j))
        return;
    if (s)
        h_json_write_str(j->f, s);
    else
        fputs("null", j->f);
}

void h_json_u64(h_json *j, uint64_t v)
{
    if (value_start(j))
        fprintf(j->f, "%" PRIu64, v);
}

void h_json_i64(h_json *j, int64_t v)
{
    if (value_start(j))
        fprintf(j->f, "%" PRId64, v);
}

void h_json_double(h_json *j, double v)
{
    if (!value_start(j))
        return;
    if (isfinite(v))
        fprintf(j->f, "%.10g", v);
    else
        fputs("null", j->f);
}

void h_json_bool(h_json *j, bool v)
{
    if (value_start(j))
        fputs(v ? "true" : "false", j->f);
}

void h_json_null(h_json *j)
{
    if (value_start(j))
        fputs("null", j->f);
}

void h_json_kstring(h_json *j, const char *key, const char *s)
{
    h_json_key(j, key);
    h_json_string(j, s);
}

void h_json_ku64(h_json *j, const char *key, uint64_t v)
{
    h_json_key(j, key);
    h_json_u64(j, v);
}

void h_json_ki64(h_json *j, const char *key, int64_t v)
{
    h_json_key(j, key);
    h_json_i64(j, v);
}

void h_json_kdouble(h_json *j, const char *key, double v)
{
    h_json_key(j, key);
    h_json_double(j, v);
}

void h_json_kbool(h_json *j, const char *key, bool v)
{
    h_json_key(j, key);
    h_json_bool(j, v);
}

int h_json_finish(h_json *j)
{
    if (j->depth != 0 || j->after_key)
        j->error = true;
    fputc('\n', j->f);
    if (fflush(j->f) != 0 || ferror(j->f))
        j->error = true;
    return j->error ? -1 : 0;
}
