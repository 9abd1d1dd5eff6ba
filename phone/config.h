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

/* What the checks keep while a text is read: where each end was written
 * (origins[phone][side], filled by the parser) and the names and addresses
 * taken so far. A zeroed one is empty. */
struct config_checks {
	struct config_origin (*origins)[PHONE_ENDS];
	size_t capacity;
	struct end_index names;
};

/* Room for the origins of `phones` phones: 0 or -ENOMEM (-EOVERFLOW). */
int config_checks_reserve(struct config_checks *checks, size_t phones);

/* Checks end `side` of phone `phone` of topology, just read: alone, its
 * names and addresses against every end read before it, the second end
 * against the first. The names and the presence of an address are the
 * parser's. 0, or a negative errno with the message (not yet located) in
 * report. */
int config_check_end(struct config_checks *checks, const struct topology *topology, size_t phone,
		     int side, struct report *report);

/* Once every end is read: no two phones' networks overlap. 0, or -EINVAL
 * (-ENOMEM) with the message located at the later phone's first end. */
int config_check_networks(struct config_checks *checks, const struct topology *topology,
			  struct report *report);
void config_checks_free(struct config_checks *checks);

#endif
