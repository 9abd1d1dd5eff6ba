/* error.c — the loader's one error sink (bpf.h). */
#include <stdarg.h>

#include "bpf.h"
#include "../format/format.h"

int bpf_error(char *error, int code, const char *format, ...)
{
	va_list arguments;

	va_start(arguments, format);
	format_string_list(error, BPF_OBJECT_ERROR_MAX, format, arguments);
	va_end(arguments);
	return code;
}
