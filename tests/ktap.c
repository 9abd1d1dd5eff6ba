/* ktap.c — see ktap.h. */
#include <stdarg.h>
#include <stdio.h>

#include "ktap.h"

static void print_comment_lines(const char *text)
{
	printf("# ");
	for (const char *c = text; *c; c++)
		printf(*c == '\n' ? "\n# " : "%c", *c);
	printf("\n");
}

int ktap_check(struct ktap *ktap, int ok, const char *name, const char *reason, ...)
{
	ktap->number++;
	ktap->failed += !ok;
	printf("%sok %d - %s\n", ok ? "" : "not ", ktap->number, name);
	if (!ok && reason) {
		static char message[8192];
		va_list arguments;

		va_start(arguments, reason);
		vsnprintf(message, sizeof(message), reason, arguments);
		va_end(arguments);
		print_comment_lines(message);
	}
	fflush(stdout);
	return ok;
}

void ktap_comment(const char *format, ...)
{
	static char message[8192];
	va_list arguments;

	va_start(arguments, format);
	vsnprintf(message, sizeof(message), format, arguments);
	va_end(arguments);
	print_comment_lines(message);
	fflush(stdout);
}

int ktap_exit_status(const struct ktap *ktap)
{
	return ktap->failed ? 1 : 0;
}
