/* report.c — a kernel's refusal in the report: the one place that marks
 * it, so that main.c can tell exit 2 from exit 1. */
#include <stdarg.h>

#include "internal.h"

int report_kernel(struct report *report, int error, const char *kernel_words, const char *format,
		  ...)
{
	char *message = report->message;
	size_t size = sizeof(report->message), length;
	va_list arguments;

	va_start(arguments, format);
	length = format_string_list(message, size, format, arguments);
	va_end(arguments);
	if (kernel_words && kernel_words[0] && length < size)
		format_string(message + length, size - length, " (kernel: \"%s\")", kernel_words);
	report->kernel_refused = 1;
	return error;
}
