/* format.c — see format.h. */
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <sys/socket.h>

#include "format.h"

struct output {
	char *buffer;
	size_t size;
	size_t length;		/* counted even past size, like vsnprintf */
};

static void put(struct output *output, char c)
{
	if (output->length + 1 < output->size)
		output->buffer[output->length] = c;
	output->length++;
}

/* Writes text of the given length, padded to width. */
static void put_padded(struct output *output, const char *text, size_t length, size_t width, int left, char pad)
{
	size_t padding = width > length ? width - length : 0;

	/* Zero padding goes after a minus sign, not before it. */
	if (pad == '0' && length > 0 && text[0] == '-') {
		put(output, '-');
		text++;
		length--;
	}
	for (; !left && padding > 0; padding--)
		put(output, pad);
	for (size_t index = 0; index < length; index++)
		put(output, text[index]);
	for (; left && padding > 0; padding--)
		put(output, ' ');
}

/* Digits of value in base (10 or 16) at the end of digits[24]; returns the start. */
static char *number_text(char digits[24], uint64_t value, unsigned base, int negative)
{
	char *start = digits + 23;

	*start = '\0';
	do {
		*--start = "0123456789abcdef"[value % base];
		value /= base;
	} while (value);
	if (negative)
		*--start = '-';
	return start;
}

size_t format_string_list(char *buffer, size_t size, const char *format, va_list arguments)
{
	struct output output = { .buffer = buffer, .size = size };

	for (const char *c = format; *c; c++) {
		char digits[24], pad = ' ', length_modifier = 0;
		const char *text;
		size_t width = 0;
		int left = 0, is_signed;
		uint64_t value;

		if (*c != '%') {
			put(&output, *c);
			continue;
		}
		for (c++; *c == '-' || *c == '0'; c++) {
			if (*c == '-')
				left = 1;
			else
				pad = '0';
		}
		while (*c >= '0' && *c <= '9')
			width = width * 10 + (size_t)(*c++ - '0');
		if (*c == 'z') {
			length_modifier = 'z';
			c++;
		} else if (*c == 'l') {
			length_modifier = 'l';
			if (*++c == 'l') {
				length_modifier = 'L';
				c++;
			}
		}
		if (left)
			pad = ' ';
		switch (*c) {
		case 's':
			text = va_arg(arguments, const char *);
			if (!text)
				text = "(null)";
			put_padded(&output, text, strlen(text), width, left, ' ');
			continue;
		case 'c':
			digits[0] = (char)va_arg(arguments, int);
			put_padded(&output, digits, 1, width, left, ' ');
			continue;
		case '%':
			put(&output, '%');
			continue;
		case 'd':
		case 'i':
		case 'u':
		case 'x':
			break;
		default:
			/* Not a conversion this formatter knows: show it as it is. */
			put(&output, '%');
			if (*c)
				put(&output, *c);
			else
				c--;
			continue;
		}
		is_signed = *c == 'd' || *c == 'i';
		if (length_modifier == 'L')
			value = is_signed ? (uint64_t)va_arg(arguments, long long) : va_arg(arguments, unsigned long long);
		else if (length_modifier == 'l')
			value = is_signed ? (uint64_t)va_arg(arguments, long) : va_arg(arguments, unsigned long);
		else if (length_modifier == 'z')
			value = va_arg(arguments, size_t);
		else
			value = is_signed ? (uint64_t)(int64_t)va_arg(arguments, int) : va_arg(arguments, unsigned int);
		if (is_signed && (int64_t)value < 0)
			text = number_text(digits, -(uint64_t)value, 10, 1);
		else
			text = number_text(digits, value, *c == 'x' ? 16 : 10, 0);
		put_padded(&output, text, strlen(text), width, left, pad);
	}
	if (size > 0)
		buffer[output.length < size ? output.length : size - 1] = '\0';
	return output.length;
}

size_t format_string(char *buffer, size_t size, const char *format, ...)
{
	va_list arguments;
	size_t length;

	va_start(arguments, format);
	length = format_string_list(buffer, size, format, arguments);
	va_end(arguments);
	return length;
}

void format_write(int fd, const char *text)
{
	size_t length = strlen(text);

	while (fd >= 0 && length > 0) {
		ssize_t written = write(fd, text, length);

		if (written <= 0)
			return;	/* a closed terminal: nobody to tell */
		text += written;
		length -= (size_t)written;
	}
}

void format_print_list(int fd, const char *format, va_list arguments)
{
	char text[1024];

	if (fd < 0)
		return;
	format_string_list(text, sizeof(text), format, arguments);
	format_write(fd, text);
}

void format_print(int fd, const char *format, ...)
{
	va_list arguments;

	va_start(arguments, format);
	format_print_list(fd, format, arguments);
	va_end(arguments);
}

/* The longest run (two groups or more) of zero groups: its start, or -1. */
static int longest_zero_run(const uint16_t groups[8], int *run_length)
{
	int best = -1, best_length = 1;

	for (int start = 0; start < 8;) {
		int length = 0;

		while (start + length < 8 && groups[start + length] == 0)
			length++;
		if (length > best_length) {
			best = start;
			best_length = length;
		}
		start += length ? length : 1;
	}
	*run_length = best_length;
	return best;
}

const char *format_address(char buffer[FORMAT_ADDRESS_MAX], int family, const void *address)
{
	const uint8_t *bytes = address;
	uint16_t groups[8];
	size_t length = 0;
	int zero_start, zero_length;

	if (family == AF_INET) {
		format_string(buffer, FORMAT_ADDRESS_MAX, "%u.%u.%u.%u", bytes[0], bytes[1], bytes[2], bytes[3]);
		return buffer;
	}
	for (int group = 0; group < 8; group++)
		groups[group] = (uint16_t)(bytes[2 * group] << 8 | bytes[2 * group + 1]);
	zero_start = longest_zero_run(groups, &zero_length);
	buffer[0] = '\0';
	for (int group = 0; group < 8; group++) {
		if (group == zero_start) {
			length += format_string(buffer + length, FORMAT_ADDRESS_MAX - length, "::");
			group += zero_length - 1;
			continue;
		}
		length += format_string(buffer + length, FORMAT_ADDRESS_MAX - length, "%s%x",
					length && buffer[length - 1] != ':' ? ":" : "", groups[group]);
	}
	return buffer;
}

static const struct {
	int error;
	const char *text;
} error_texts[] = {
	{ EPERM, "Operation not permitted" },
	{ ENOENT, "No such file or directory" },
	{ EINTR, "Interrupted system call" },
	{ EIO, "I/O error" },
	{ ENXIO, "No such device or address" },
	{ E2BIG, "Argument list too long" },
	{ EBADF, "Bad file descriptor" },
	{ EAGAIN, "Resource temporarily unavailable" },
	{ ENOMEM, "Out of memory" },
	{ EACCES, "Permission denied" },
	{ EFAULT, "Bad address" },
	{ EBUSY, "Resource busy" },
	{ EEXIST, "File exists" },
	{ EXDEV, "Cross-device link" },
	{ ENODEV, "No such device" },
	{ ENOTDIR, "Not a directory" },
	{ EISDIR, "Is a directory" },
	{ EINVAL, "Invalid argument" },
	{ EMFILE, "No file descriptors available" },
	{ ENOSPC, "No space left on device" },
	{ EROFS, "Read-only file system" },
	{ ERANGE, "Result not representable" },
	{ ENAMETOOLONG, "Filename too long" },
	{ ENOSYS, "Function not implemented" },
	{ ENOTEMPTY, "Directory not empty" },
	{ ELOOP, "Symbolic link loop" },
	{ EPROTO, "Protocol error" },
	{ EBADMSG, "Bad message" },
	{ EOVERFLOW, "Value too large for data type" },
	{ EMSGSIZE, "Message too large" },
	{ EOPNOTSUPP, "Not supported" },
	{ EAFNOSUPPORT, "Address family not supported by protocol" },
	{ EADDRINUSE, "Address in use" },
	{ EADDRNOTAVAIL, "Address not available" },
	{ ENETDOWN, "Network is down" },
	{ ENETUNREACH, "Network unreachable" },
	{ ECONNRESET, "Connection reset by peer" },
	{ ENOBUFS, "No buffer space available" },
	{ ETIMEDOUT, "Operation timed out" },
	{ ECONNREFUSED, "Connection refused" },
	{ EHOSTUNREACH, "Host is unreachable" },
	{ ENOEXEC, "Exec format error" },
	{ ESRCH, "No such process" },
	{ ENOTSUP, "Not supported" },
};

const char *error_text(int error)
{
	/* Unknown values share one buffer, as strerror's do; yogurt reports
	 * one error at a time. */
	static char unknown[24];

	for (size_t index = 0; index < sizeof(error_texts) / sizeof(error_texts[0]); index++)
		if (error_texts[index].error == error)
			return error_texts[index].text;
	format_string(unknown, sizeof(unknown), "error %d", error);
	return unknown;
}
