/* config.h — what config.c (reading phones from text) and config_check.c
 * (validating a topology) share; the public functions are in phone.h. */
#ifndef YOGURT_PHONE_CONFIG_H
#define YOGURT_PHONE_CONFIG_H

#include <stdarg.h>
#include <stddef.h>

#include "phone.h"

/* Where an end was written, so that a check can point at it:
 * "SOURCE:LINE", or "SOURCE" when line is 0 (the kernel command line). */
struct config_origin {
	const char *source;
	unsigned line;
};

/* topology_check, naming each end by its origin (origins[phone][end]);
 * origins NULL: by its number ("phone 1 end 2"). */
int topology_check_at(const struct topology *topology, const struct config_origin (*origins)[2],
		      struct report *report);

/* Writes "SOURCE:LINE: " (or "SOURCE: " when line is 0) and the message
 * into report. Returns -EINVAL. */
int config_report(struct report *report, const char *source, unsigned line, const char *format, va_list arguments)
	__attribute__((format(printf, 4, 0)));

/* NULL if name (length bytes, not NUL-terminated) is a good namespace or
 * phone name (device 0) or device name (device 1); else the rule it
 * breaks, for a message. */
const char *config_name_problem(const char *name, size_t length, int device);

/* text (length bytes) as it can appear in a one-line message: control bytes
 * as '?', cut with "..." when long. Returns buffer. */
#define CONFIG_QUOTE_MAX 84
const char *config_quote(char buffer[CONFIG_QUOTE_MAX], const char *text, size_t length);

#endif
