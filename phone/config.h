/* config.h — what config.c (reading phones from text) and config_check.c
 * (checking each end as it is read) share; the public functions are in
 * phone.h. */
#ifndef YOGURT_PHONE_CONFIG_H
#define YOGURT_PHONE_CONFIG_H

#include <stddef.h>

#include "internal.h"

/* Where an end was written: "SOURCE:LINE", or "SOURCE" when line is 0 (the
 * kernel command line). */
struct config_origin {
	const char *source;
	unsigned line;
};

/* Writes "SOURCE:LINE: " and the message into report; returns -EINVAL. */
int config_error(struct report *report, const struct config_origin *origin, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

/* Checks end `index` (phone * 2 + end) of topology, just read, alone and
 * against every end read before it; origins say where each end was
 * written. The names and the presence of an address are the parser's. */
int config_check_end(const struct topology *topology, const struct config_origin (*origins)[2], size_t index,
		     struct report *report);

#endif
