/* format — text in and out: error words, addresses, small /proc and /sys
 * files read whole, and printf-style formatting for the handful of
 * conversions yogurt uses: %s %c %d %i %u %x with flags '-' and '0', a width, and the length
 * modifiers l, ll and z; %% too. musl's printf brings a floating-point
 * formatter along that would cost an eighth of the 64 KiB binary.
 * The format attributes let the compiler check every call. */
#ifndef YOGURT_FORMAT_H
#define YOGURT_FORMAT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Like vsnprintf: writes at most size bytes including the NUL, returns the
 * length the whole text would have had. */
size_t format_string_list(char *buffer, size_t size, const char *format, va_list arguments)
	__attribute__((format(printf, 3, 0)));
size_t format_string(char *buffer, size_t size, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

/* Like dprintf, for texts up to 1 KiB (longer ones are cut): one write(2)
 * per call, no buffer to flush, so nothing is lost when PID 1 powers off or
 * exec()s. A negative fd discards the text (for callers that want quiet).
 * musl's stdio would cost 3 KiB of the 64 KiB binary. */
void format_print_list(int fd, const char *format, va_list arguments)
	__attribute__((format(printf, 2, 0)));
void format_print(int fd, const char *format, ...)
	__attribute__((format(printf, 2, 3)));

/* Formats the words about a failure into message (cut if need be) and
 * returns error: the one way every layer leaves its message for the top to
 * print once (report_error and bpf_object_error are macros over it). Every
 * such buffer has this one size, so that a caller passes only its address. */
#define FORMAT_ERROR_MAX 512
int format_error(char message[FORMAT_ERROR_MAX], int error, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

/* The one number parser: length bytes of text (not NUL-terminated), all
 * digits in base 10 or 16, at least one, at most maximum. 0, or -EINVAL
 * (nothing written to *value). strtoul would bring musl's scanf along. */
int format_parse_unsigned(const char *text, size_t length, unsigned base, uint64_t maximum,
			  uint64_t *value);

/* Writes text, of any length, as it is. */
void format_write(int fd, const char *text);

/* Reads a small file of /proc or /sys (one read(2) is all they need) into
 * text, at most size - 1 bytes, and ends it with a NUL. Returns its length
 * (maybe 0) or a negative errno. */
long format_read_file(const char *path, char *text, size_t size);

/* The words for an errno value, in libc's wording, for the errors yogurt
 * meets ("error N" for the rest): musl's strerror table is 2 KiB of the
 * 64 KiB binary, most of it for errors no socket or bpf(2) call returns. */
const char *error_text(int error);

/* An IPv4 (4 bytes) or IPv6 (16 bytes) address as text, IPv6 with its
 * longest run of zero groups written "::" (RFC 5952). Returns buffer. */
#define FORMAT_ADDRESS_MAX 46
const char *format_address(char buffer[FORMAT_ADDRESS_MAX], int family, const void *address);

/* ---- KTAP (ktap.c) -------------------------------------------------------
 * The binary's KTAP version 1 writer (the selftest's results, and the
 * steps of `yogurt call`): the header and plan, one "ok N name" or
 * "not ok N name" line per check, a skipped check as
 * "ok N name # SKIP reason", diagnostics as "# " lines. A writer zeroed
 * but for out writes results with no header. */

enum ktap_result { KTAP_PASS, KTAP_FAIL, KTAP_SKIP };

struct ktap_writer {
	int out;
	unsigned number, passed, failed, skipped;
};

/* "KTAP version 1" and the plan "1..plan" on out. */
void ktap_start(struct ktap_writer *ktap, int out, unsigned plan);

/* The next result line; reason (may be NULL or "") follows a failure as a
 * "# " line and a skip after "# SKIP ". */
void ktap_result(struct ktap_writer *ktap, enum ktap_result result, const char *name,
		 const char *reason);

/* A "# " diagnostic line (printf-style, one line). */
void ktap_diagnostic(const struct ktap_writer *ktap, const char *format, ...)
	__attribute__((format(printf, 2, 3)));

/* kselftest's exit code for the results so far: 1 when one failed, 4 when
 * none passed (all skipped), else 0. */
int ktap_kselftest_status(const struct ktap_writer *ktap);

#endif
