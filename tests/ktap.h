/* ktap.h — the KTAP of every test program, host and VM: a numbered
 * "ok N name" / "not ok N name" line per check (written by the binary's own
 * writer, format/ktap.c: link it too), the reason of a failure below it as
 * "# " comments, which may span lines. The tally is the caller's. */
#ifndef YOGURT_TESTS_KTAP_H
#define YOGURT_TESTS_KTAP_H

struct ktap {
	int number;		/* checks so far */
	int failed;
};

/* One result line for name; reason (printf-style, may be NULL) is formatted
 * only on failure, each of its lines a comment, since quoted output may
 * hold KTAP lines of its own. Returns ok. */
int ktap_check(struct ktap *ktap, int ok, const char *name, const char *reason, ...)
	__attribute__((format(printf, 4, 5)));

/* A "# " comment line (printf-style). */
void ktap_comment(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* 0 when nothing failed, else 1: the test program's exit status. */
int ktap_exit_status(const struct ktap *ktap);

#endif
