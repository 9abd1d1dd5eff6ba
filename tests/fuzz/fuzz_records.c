/* fuzz_records.c — libFuzzer target for the records' parser
 * (phone/records.c): any bytes, from a heap copy of exactly their length.
 * Every end it accepts must have a name the namespace layer takes and
 * terminated names; it never counts more lines than the text has. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "phone/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct owned owned;
	char *text = malloc(size ? size : 1);
	size_t newlines = 0;

	if (!text)
		return 0;
	memcpy(text, data, size);
	memset(&owned, 0, sizeof(owned));
	if (owned_parse(&owned, text, size) == 0) {
		for (size_t index = 0; index < size; index++)
			newlines += text[index] == '\n';
		if (owned.lines + owned.broken > newlines || owned.count > owned.lines)
			abort();
		for (size_t index = 0; index < owned.count; index++) {
			const struct owned_end *end = &owned.ends[index];

			if (!memchr(end->netns, 0, sizeof(end->netns)) ||
			    netns_check_name(end->netns) < 0 ||
			    !memchr(end->host_device, 0, sizeof(end->host_device)))
				abort();
		}
	}
	memory_arena_free(&owned.arena);
	free(text);
	return 0;
}
