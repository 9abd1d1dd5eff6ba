/* format.c — see format.h. */
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <fcntl.h>
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
static void put_padded(struct output *output, const char *text, size_t length, size_t width,
		       int left, char pad)
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
		char digits[24], pad = ' ';
		/* Of the number: int, long, long long, size_t. */
		size_t argument_size = sizeof(int);
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
			argument_size = sizeof(size_t);
			c++;
		} else if (*c == 'l') {
			argument_size = sizeof(long);
			c++;
			if (*c == 'l') {
				argument_size = sizeof(long long);
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
		/* Arguments of one size travel alike: long is read as int where
		 * both are 32 bits, as long long where both are 64. */
		if (argument_size == sizeof(long long))
			value = is_signed ? (uint64_t)va_arg(arguments, long long)
					  : va_arg(arguments, unsigned long long);
		else
			value = is_signed ? (uint64_t)(int64_t)va_arg(arguments, int)
					  : va_arg(arguments, unsigned int);
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

int format_error(char message[FORMAT_ERROR_MAX], int error, const char *format, ...)
{
	va_list arguments;

	va_start(arguments, format);
	format_string_list(message, FORMAT_ERROR_MAX, format, arguments);
	va_end(arguments);
	return error;
}

int format_parse_unsigned(const char *text, size_t length, unsigned base, uint64_t maximum,
			  uint64_t *value)
{
	uint64_t number = 0;

	if (length == 0)
		return -EINVAL;
	for (size_t index = 0; index < length; index++) {
		unsigned decimal = (unsigned)(text[index] - '0');
		unsigned letter = (unsigned)((text[index] | 0x20) - 'a');
		unsigned digit = decimal < 10 ? decimal : letter < 6 ? letter + 10 : 16;

		/* digit > maximum first: maximum - digit must not wrap around. */
		if (digit >= base || digit > maximum || number > (maximum - digit) / base)
			return -EINVAL;
		number = number * base + digit;
	}
	*value = number;
	return 0;
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

long format_read_file(const char *path, char *text, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t length;

	if (fd < 0)
		return -errno;
	length = read(fd, text, size - 1);
	if (length < 0)
		length = -errno;
	close(fd);
	text[length > 0 ? length : 0] = '\0';
	return length;
}

const char *format_address(char buffer[FORMAT_ADDRESS_MAX], int family, const void *address)
{
	const uint8_t *bytes = address;
	uint16_t groups[8];
	size_t length = 0;
	int zero_start, zero_length;

	if (family == AF_INET) {
		format_string(buffer, FORMAT_ADDRESS_MAX, "%u.%u.%u.%u",
			      bytes[0], bytes[1], bytes[2], bytes[3]);
		return buffer;
	}
	for (int group = 0; group < 8; group++)
		groups[group] = (uint16_t)(bytes[2 * group] << 8 | bytes[2 * group + 1]);
	zero_start = longest_zero_run(groups, &zero_length);
	buffer[0] = '\0';
	for (int group = 0; group < 8; group++) {
		const char *separator = length && buffer[length - 1] != ':' ? ":" : "";

		if (group == zero_start) {
			length += format_string(buffer + length, FORMAT_ADDRESS_MAX - length, "::");
			group += zero_length - 1;
			continue;
		}
		length += format_string(buffer + length, FORMAT_ADDRESS_MAX - length, "%s%x",
					separator, groups[group]);
	}
	return buffer;
}

/* Each errno value yogurt meets, with libc's words for it. Two packed
 * lists made from one (codes as bytes: all are below 128; the texts one
 * after the other, each ending in a NUL) instead of a table of pointers:
 * 8 bytes less per entry. ENOTSUP is EOPNOTSUPP on Linux. */
#define ERRORS \
	X(EPERM, "Operation not permitted") \
	X(ENOENT, "No such file or directory") \
	X(EINTR, "Interrupted system call") \
	X(EIO, "I/O error") \
	X(ENXIO, "No such device or address") \
	X(E2BIG, "Argument list too long") \
	X(EBADF, "Bad file descriptor") \
	X(EAGAIN, "Resource temporarily unavailable") \
	X(ENOMEM, "Out of memory") \
	X(EACCES, "Permission denied") \
	X(EFAULT, "Bad address") \
	X(EBUSY, "Resource busy") \
	X(EEXIST, "File exists") \
	X(EXDEV, "Cross-device link") \
	X(ENODEV, "No such device") \
	X(ENOTDIR, "Not a directory") \
	X(EISDIR, "Is a directory") \
	X(EINVAL, "Invalid argument") \
	X(EMFILE, "No file descriptors available") \
	X(ENOSPC, "No space left on device") \
	X(EROFS, "Read-only file system") \
	X(ERANGE, "Result not representable") \
	X(ENAMETOOLONG, "Filename too long") \
	X(ENOSYS, "Function not implemented") \
	X(ENOTEMPTY, "Directory not empty") \
	X(ELOOP, "Symbolic link loop") \
	X(EPROTO, "Protocol error") \
	X(EBADMSG, "Bad message") \
	X(EOVERFLOW, "Value too large for data type") \
	X(EMSGSIZE, "Message too large") \
	X(EOPNOTSUPP, "Not supported") \
	X(EAFNOSUPPORT, "Address family not supported by protocol") \
	X(EADDRINUSE, "Address in use") \
	X(EADDRNOTAVAIL, "Address not available") \
	X(ENETDOWN, "Network is down") \
	X(ENETUNREACH, "Network unreachable") \
	X(ECONNRESET, "Connection reset by peer") \
	X(ENOBUFS, "No buffer space available") \
	X(ETIMEDOUT, "Operation timed out") \
	X(ECONNREFUSED, "Connection refused") \
	X(EHOSTUNREACH, "Host is unreachable") \
	X(ENOEXEC, "Exec format error") \
	X(EKEYREJECTED, "Key was rejected by service") \
	X(ESRCH, "No such process")
#define X(code, text) code,
static const unsigned char error_codes[] = { ERRORS };
#undef X
#define X(code, text) text "\0"
static const char error_words[] = ERRORS;
#undef X

const char *error_text(int error)
{
	/* Unknown values share one buffer, as strerror's do; yogurt reports
	 * one error at a time. */
	static char unknown[24];
	const char *text = error_words;

	for (size_t index = 0; index < sizeof(error_codes); index++, text += strlen(text) + 1)
		if (error_codes[index] == error)
			return text;
	format_string(unknown, sizeof(unknown), "error %d", error);
	return unknown;
}
