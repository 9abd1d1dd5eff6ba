/* fuzz_modules.c — libFuzzer target for modules_plan, the modules.dep reader
 * of PID 1 (modules/plan.c).
 *
 * The input is parsed from a heap copy of exactly its length (no NUL after
 * it), so AddressSanitizer sees any read past the text. Whatever it plans
 * must be loadable as it stands: at most MODULES_MAX paths, each inside the
 * text, 1 to MODULES_PATH_MAX bytes with no blank, control byte or NUL,
 * none twice; a refusal names a line of the text. tests/host/run.sh builds
 * it with the Makefile's FUZZ_CFLAGS.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "modules/modules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct modules_plan plan;
	char *copy = malloc(size ? size : 1);
	size_t lines = 1;
	int error;

	memcpy(copy, data, size);
	for (size_t index = 0; index < size; index++)
		lines += copy[index] == '\n';
	error = modules_plan(copy, size, &plan);
	if (error && error != -EINVAL && error != -E2BIG && error != -ENAMETOOLONG)
		abort();
	if (error && (plan.line == 0 || plan.line > lines))
		abort();
	if (plan.count > MODULES_MAX)
		abort();
	for (size_t index = 0; error == 0 && index < plan.count; index++) {
		const struct modules_path *path = &plan.paths[index];

		if (path->length == 0 || path->length > MODULES_PATH_MAX ||
		    path->offset > size || path->length > size - path->offset)
			abort();
		for (uint32_t byte = 0; byte < path->length; byte++)
			if ((unsigned char)copy[path->offset + byte] <= ' ')
				abort();
		for (size_t other = 0; other < index; other++)
			if (plan.paths[other].length == path->length &&
			    memcmp(copy + plan.paths[other].offset, copy + path->offset,
				   path->length) == 0)
				abort();
	}
	free(copy);
	return 0;
}
