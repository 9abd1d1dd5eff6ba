/* ktap.c — KTAP version 1 on a file descriptor; see format.h. */
#include <stdarg.h>

#include "format.h"

void ktap_start(struct ktap_writer *ktap, int out, unsigned plan)
{
	*ktap = (struct ktap_writer){ .out = out };
	format_print(out, "KTAP version 1\n1..%u\n", plan);
}

void ktap_result(struct ktap_writer *ktap, enum ktap_result result, const char *name,
		 const char *reason)
{
	int said = reason && reason[0];

	ktap->number++;
	ktap->passed += result == KTAP_PASS;
	ktap->failed += result == KTAP_FAIL;
	ktap->skipped += result == KTAP_SKIP;
	format_print(ktap->out, "%sok %u %s%s%s\n", result == KTAP_FAIL ? "not " : "",
		     ktap->number, name, result == KTAP_SKIP ? " # SKIP " : "",
		     result == KTAP_SKIP && said ? reason : "");
	if (result == KTAP_FAIL && said)
		format_print(ktap->out, "# %s\n", reason);
}

void ktap_diagnostic(const struct ktap_writer *ktap, const char *format, ...)
{
	char line[FORMAT_ERROR_MAX];
	va_list arguments;

	va_start(arguments, format);
	format_string_list(line, sizeof(line), format, arguments);
	va_end(arguments);
	format_print(ktap->out, "# %s\n", line);
}

int ktap_kselftest_status(const struct ktap_writer *ktap)
{
	if (ktap->failed)
		return 1;
	return ktap->passed ? 0 : 4;
}
