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

/* Puts "SOURCE:LINE: " before the message in report: the errors of the
 * parser and of the checks are located once, by the reader of the lines.
 * Returns error. */
int config_locate(struct report *report, const struct config_origin *origin, int error);

/* Checks end `side` of phone `phone` of topology, just read, alone and
 * against every end read before it; origins[phone][side] say where each end
 * was written. The names and the presence of an address are the parser's.
 * 0, or -EINVAL with the message (not yet located) in report. */
int config_check_end(const struct topology *topology, const struct config_origin (*origins)[2],
		     size_t phone, int side, struct report *report);

#endif
