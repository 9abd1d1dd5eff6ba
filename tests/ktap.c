/* ktap.c — see ktap.h. The result lines are the binary's KTAP writer's
 * (format/ktap.c), so that the tests and yogurt write one syntax. */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "ktap.h"
#include "format/format.h"

static void print_comment_lines(const char *text)
{
	printf("# ");
	for (const char *c = text; *c; c++)
		printf(*c == '\n' ? "\n# " : "%c", *c);
	printf("\n");
}

int ktap_check(struct ktap *ktap, int ok, const char *name, const char *reason, ...)
{
	struct ktap_writer line = { .out = STDOUT_FILENO, .number = (unsigned)ktap->number };

	ktap->number++;
	ktap->failed += !ok;
	/* The line goes out by write(2): what stdio holds goes first. */
	fflush(stdout);
	ktap_result(&line, ok ? KTAP_PASS : KTAP_FAIL, name, NULL);
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
