/* plan.c — a modules.dep read into the order its modules are loaded in.
 * The text is whatever the initramfs holds: every read stays within its
 * length, and a line that is not depmod's format is refused by number. */
#include <errno.h>
#include <string.h>

#include "modules.h"

/* Words are separated by blanks; any control byte counts as one. */
static int is_separator(char byte)
{
	return (unsigned char)byte <= ' ';
}

/* Plans the module at text[start, end) unless it is planned already. */
static int plan_add(struct modules_plan *plan, const char *text, size_t start, size_t end)
{
	uint32_t length = (uint32_t)(end - start);

	for (size_t index = 0; index < plan->count; index++)
		if (plan->paths[index].length == length &&
		    memcmp(text + plan->paths[index].offset, text + start, length) == 0)
			return 0;
	if (length > MODULES_PATH_MAX)
		return -ENAMETOOLONG;
	if (plan->count == MODULES_MAX)
		return -E2BIG;
	plan->paths[plan->count].offset = (uint32_t)start;
	plan->paths[plan->count].length = length;
	plan->count++;
	return 0;
}

/* One line, text[start, end) without its newline: the dependencies from
 * the last (the one loaded first), then the module. */
static int plan_line(struct modules_plan *plan, const char *text, size_t start, size_t end)
{
	size_t colon = start;
	int error = 0;

	while (colon < end && text[colon] != ':' && !is_separator(text[colon]))
		colon++;
	if (colon == start || colon == end || text[colon] != ':')
		return -EINVAL;
	while (error == 0 && end > colon + 1) {
		size_t word_end;

		while (end > colon + 1 && is_separator(text[end - 1]))
			end--;
		word_end = end;
		while (end > colon + 1 && !is_separator(text[end - 1]))
			end--;
		if (end < word_end)
			error = plan_add(plan, text, end, word_end);
	}
	return error ? error : plan_add(plan, text, start, colon);
}

int modules_plan(const char *text, size_t length, struct modules_plan *plan)
{
	size_t start = 0;

	plan->count = 0;
	plan->line = 0;
	while (start < length) {
		const char *newline = memchr(text + start, '\n', length - start);
		size_t end = newline ? (size_t)(newline - text) : length;
		int error = 0;

		plan->line++;
		if (end > start && text[start] != '#')
			error = plan_line(plan, text, start, end);
		if (error)
			return error;
		start = end + 1;
	}
	return 0;
}
