/* ktap.h — KTAP lines for the host test programs (each a single file with
 * its own main, so the counters live here as statics). */
#ifndef YOGURT_TESTS_KTAP_H
#define YOGURT_TESTS_KTAP_H

#include <stdarg.h>
#include <stdio.h>

static int test_number;
static int tests_failed;

/* One KTAP line; the reason (printf-style) is only formatted on failure. */
static int expect(int condition, const char *description, const char *reason, ...)
{
	va_list arguments;

	test_number++;
	if (condition) {
		printf("ok %d - %s\n", test_number, description);
		return 1;
	}
	tests_failed++;
	printf("not ok %d - %s\n# ", test_number, description);
	va_start(arguments, reason);
	vprintf(reason, arguments);
	va_end(arguments);
	printf("\n");
	return 0;
}

#endif
