/*
 * replay_main.c - main() for the plain (replay) and AFL++ builds of a fuzz
 * target; libFuzzer brings its own main.
 *
 *   TARGET [--broken] [--expect-violation] [PATH...]
 *
 * Each PATH is a file, or a directory whose regular files (not starting with
 * '.') are replayed in name order.  With no PATH the input is read from
 * standard input; under AFL++ (afl-clang-fast defines __AFL_FUZZ_TESTCASE_LEN)
 * it comes from AFL's shared-memory test case in a persistent loop.
 *
 * Exit status: 0 when every input passed; abort() (from fuzz_fail) at the
 * first violated property.  --broken lets fuzz_concurrent pick the
 * deliberately broken queue; --expect-violation turns the expectation
 * around: fuzz_fail then exits 0 ("caught"), and running every input without
 * a violation exits 1.  A crash or a sanitizer report fails either way, so a
 * test built on --expect-violation passes only when a checker caught the
 * fault.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#ifdef __AFL_FUZZ_TESTCASE_LEN
__AFL_FUZZ_INIT();
#endif

static int replay_buffer(const uint8_t *data, size_t size)
{
    /* A private copy, exactly `size` bytes long, so that ASan sees an
     * over-read of the input as it would under libFuzzer. */
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy) {
        fprintf(stderr, "replay: out of memory\n");
        exit(2);
    }
    if (size)
        memcpy(copy, data, size);
    LLVMFuzzerTestOneInput(copy, size);
    free(copy);
    return 1;
}

static int read_stream(FILE *f, uint8_t **out, size_t *len)
{
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    if (!buf)
        return -1;
    for (;;) {
        if (n == cap) {
            uint8_t *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                return -1;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        free(buf);
        return -1;
    }
    *out = buf;
    *len = n;
    return 0;
}

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(2);
    }
    uint8_t *buf;
    size_t len;
    if (read_stream(f, &buf, &len) != 0) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        exit(2);
    }
    fclose(f);
    replay_buffer(buf, len);
    free(buf);
    return 1;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replay every regular file of a directory, in name order; returns how many. */
static int replay_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        perror(dir);
        exit(2);
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **nn = realloc(names, cap * sizeof *names);
            if (!nn)
                exit(2);
            names = nn;
        }
        size_t l = strlen(dir) + strlen(e->d_name) + 2;
        names[n] = malloc(l);
        if (!names[n])
            exit(2);
        snprintf(names[n], l, "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, cmp_names);
    int count = 0;
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode))
            count += replay_file(names[i]);
        free(names[i]);
    }
    free(names);
    return count;
}

int main(int argc, char **argv)
{
    int paths = 0, count = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--broken") == 0) {
            fuzz_set_broken_allowed(true);
        } else if (strcmp(argv[i], "--expect-violation") == 0) {
            fuzz_expect_violation = true;
        } else if (strcmp(argv[i], "--help") == 0) {
            printf("usage: %s [--broken] [--expect-violation] [FILE|DIR...]\n",
                   argv[0]);
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1] == '-') {
            fprintf(stderr, "%s: unknown option %s\n", argv[0], argv[i]);
            return 2;
        }
    }
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1] == '-')
            continue;
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            perror(argv[i]);
            return 2;
        }
        count += S_ISDIR(st.st_mode) ? replay_dir(argv[i]) : replay_file(argv[i]);
        paths++;
    }
    if (paths == 0) {
#ifdef __AFL_FUZZ_TESTCASE_LEN
        __AFL_INIT();
        const unsigned char *buf = __AFL_FUZZ_TESTCASE_BUF;
        while (__AFL_LOOP(10000)) {
            LLVMFuzzerTestOneInput(buf, (size_t)__AFL_FUZZ_TESTCASE_LEN);
            count++;
        }
        return 0;
#else
        uint8_t *buf;
        size_t len;
        if (read_stream(stdin, &buf, &len) != 0) {
            fprintf(stderr, "%s: cannot read standard input\n", argv[0]);
            return 2;
        }
        count += replay_buffer(buf, len);
        free(buf);
#endif
    }
    if (fuzz_expect_violation) {
        fprintf(stderr, "%s: expected a violation; %d inputs ran clean\n",
                argv[0], count);
        return 1;
    }
    printf("%s: %d inputs replayed, every property held\n", argv[0], count);
    return count > 0 ? 0 : 1;
}
