/*
 * json.h - the one JSON writer of the harness drivers (conc-stress --json,
 * conc-bench --json).  A streaming writer: it keeps the nesting and the
 * commas, the caller names keys and values.  Nesting deeper than
 * H_JSON_DEPTH, or a key outside an object, is a caller bug: the writer
 * then sets `error` and writes nothing more.
 *
 *   h_json j; h_json_init(&j, f);
 *   h_json_begin_object(&j);
 *   h_json_key(&j, "name"); h_json_string(&j, "ring");
 *   h_json_key(&j, "ops"); h_json_u64(&j, 42);
 *   h_json_end(&j);
 *   h_json_finish(&j);   (a newline; -1 if anything went wrong)
 */
#ifndef CONC_HARNESS_JSON_H
#define CONC_HARNESS_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define H_JSON_DEPTH 16

typedef struct h_json {
    FILE *f;
    int depth;
    bool error;
    bool pretty;                  /* newline + 2-space indent per level */
    bool need_comma[H_JSON_DEPTH];
    char kind[H_JSON_DEPTH];      /* '{' or '[' */
    bool after_key;
} h_json;

void h_json_init(h_json *j, FILE *f, bool pretty);
void h_json_begin_object(h_json *j);
void h_json_begin_array(h_json *j);
void h_json_end(h_json *j);                 /* closes the innermost */
void h_json_key(h_json *j, const char *key);
void h_json_string(h_json *j, const char *s); /* NULL writes null */
void h_json_u64(h_json *j, uint64_t v);
void h_json_i64(h_json *j, int64_t v);
void h_json_double(h_json *j, double v);      /* non-finite writes null */
void h_json_bool(h_json *j, bool v);
void h_json_null(h_json *j);
/* Shorthands: key then value. */
void h_json_kstring(h_json *j, const char *key, const char *s);
void h_json_ku64(h_json *j, const char *key, uint64_t v);
void h_json_ki64(h_json *j, const char *key, int64_t v);
void h_json_kdouble(h_json *j, const char *key, double v);
void h_json_kbool(h_json *j, const char *key, bool v);
/* Ends the document with a newline and flushes; 0, or -1 if the nesting
 * was wrong or a write failed. */
int h_json_finish(h_json *j);

/* A JSON string literal of s (quotes and escapes) on f. */
void h_json_write_str(FILE *f, const char *s);

#ifdef __cplusplus
}
#endif

#endif /* CONC_HARNESS_JSON_H */
