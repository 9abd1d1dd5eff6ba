/* config.c — phones from a config file or from the kernel command line.
 *
 * One parser reads an end (key=value tokens) for both: a file line
 * "end netns=a host=b ..." and a command-line "netns=a,host=b,...". Every
 * error is one line naming the source, the line and the bad token; the text
 * is taken as length bytes, never as a C string, since it comes from
 * anywhere. Tiny number and address parsers: strtoul and inet_pton would
 * bring kilobytes of musl along. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "../syscalls/uapi_compat.h"
#include "../format/format.h"

#define LINE_MAX_BYTES 1024
#define FILE_MAX_BYTES 65536
#define SPACES " \t\r"		/* '\r': CRLF files read the same */
#define COMMAND_LINE_SOURCE "kernel command line: yogurt.phone"

const char config_help[] =
	"yogurt.conf: phones to build (default /etc/yogurt.conf)\n"
	"\n"
	"A phone is a \"phone [NAME]\" line followed by exactly two \"end\" lines.\n"
	"Words are separated by spaces or tabs; indentation does not matter; '#'\n"
	"at the start of a line or after a space starts a comment.\n"
	"\n"
	"  # the default phone\n"
	"  phone office\n"
	"  end netns=yogurt-1 host=yg1-host device=yg1-cont address=10.42.0.1/24 address=fd42::1/64\n"
	"  end netns=yogurt-2 host=yg2-host device=yg2-cont address=10.42.0.2/24 address=fd42::2/64\n"
	"\n"
	"keys of an end:\n"
	"  netns=NAME     namespace (required): 1 to 63 of A-Z a-z 0-9 - _ .\n"
	"  host=DEVICE    netkit device left on the host (required): 1 to 15 bytes\n"
	"  device=DEVICE  netkit device inside the namespace (required)\n"
	"  address=A/P    IPv4 or IPv6 address with its prefix; one of each at most,\n"
	"                 one at least\n"
	"  mtu=N          68 to 65535 (default: the kernel's, 1500)\n"
	"  mode=l3|l2     netkit mode (default l3)\n"
	"\n"
	"Both ends of a phone need addresses in the same network (same prefix) and\n"
	"the same mode; names, addresses and networks may not repeat across phones.\n"
	"Nothing is built when any line is wrong. At most 16 phones.\n"
	"\n"
	"On the kernel command line (images without writable files):\n"
	"  yogurt.conf=PATH      read that file\n"
	"  yogurt.phone=END+END  one phone; an END is the keys above separated by ','\n"
	"  yogurt.phone=netns=yogurt-1,host=yg1-host,device=yg1-cont,address=10.42.0.1/24"
	"+netns=yogurt-2,host=yg2-host,device=yg2-cont,address=10.42.0.2/24\n"
	"Several yogurt.phone= words give several phones.\n";

/* A piece of the text: length bytes, not NUL-terminated. */
struct token {
	const char *text;
	size_t length;
};

struct parser {
	struct topology *topology;
	struct config_origin (*origins)[2];
	struct report *report;
	const char *source;	/* "/etc/yogurt.conf", COMMAND_LINE_SOURCE */
	unsigned line;		/* 0: none (the command line) */
	struct phone *phone;	/* the phone whose end lines come next */
	unsigned phone_line;
	unsigned ends;		/* end lines of that phone so far */
};

static int parse_error(const struct parser *parser, const char *format, ...) __attribute__((format(printf, 2, 3)));

static int parse_error(const struct parser *parser, const char *format, ...)
{
	va_list arguments;

	va_start(arguments, format);
	config_report(parser->report, parser->source, parser->line, format, arguments);
	va_end(arguments);
	return -EINVAL;
}

static int is_separator(char c, const char *separators)
{
	return c && strchr(separators, c);
}

/* Takes the next token of *rest, skipping separators; 0 when none is left. */
static int next_token(struct token *rest, const char *separators, struct token *token)
{
	while (rest->length && is_separator(*rest->text, separators)) {
		rest->text++;
		rest->length--;
	}
	token->text = rest->text;
	while (rest->length && !is_separator(*rest->text, separators)) {
		rest->text++;
		rest->length--;
	}
	token->length = (size_t)(rest->text - token->text);
	return token->length != 0;
}

static int token_is(struct token token, const char *word)
{
	return token.length == strlen(word) && memcmp(token.text, word, token.length) == 0;
}

static const char *quote(char buffer[CONFIG_QUOTE_MAX], struct token token)
{
	return config_quote(buffer, token.text, token.length);
}

/* Decimal digits only, minimum to maximum (maximum below UINT_MAX / 10). */
static int parse_number(const char *text, size_t length, unsigned minimum, unsigned maximum, unsigned *value)
{
	unsigned number = 0;

	for (size_t index = 0; index < length; index++) {
		if (text[index] < '0' || text[index] > '9' || number > maximum)
			return -EINVAL;
		number = number * 10 + (unsigned)(text[index] - '0');
	}
	if (length == 0 || number < minimum || number > maximum)
		return -EINVAL;
	*value = number;
	return 0;
}

/* Dotted quad: four numbers 0 to 255. */
static int parse_ipv4(const char *text, size_t length, uint8_t bytes[4])
{
	for (int part = 0; part < 4; part++) {
		const char *dot = part < 3 ? memchr(text, '.', length) : text + length;
		unsigned value;

		if (!dot || parse_number(text, (size_t)(dot - text), 0, 255, &value))
			return -EINVAL;
		bytes[part] = (uint8_t)value;
		if (part < 3) {
			length -= (size_t)(dot - text) + 1;
			text = dot + 1;
		}
	}
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Groups of 1 to 4 hex digits separated by ':', at most one "::" standing
 * for the zero groups (RFC 4291 2.2; no embedded dotted quad). */
static int parse_ipv6(const char *text, size_t length, uint8_t bytes[16])
{
	uint16_t groups[8];
	int count = 0, gap = -1;
	size_t index = 0;

	if (length >= 2 && text[0] == ':' && text[1] == ':') {
		gap = 0;
		index = 2;
	}
	while (index < length) {
		unsigned value = 0, digits = 0;

		for (; index < length && digits < 4 && hex_digit(text[index]) >= 0; index++, digits++)
			value = value << 4 | (unsigned)hex_digit(text[index]);
		if (digits == 0 || count == 8)
			return -EINVAL;
		groups[count++] = (uint16_t)value;
		if (index == length)
			break;
		if (text[index++] != ':' || index == length)
			return -EINVAL;
		if (text[index] == ':') {
			if (gap >= 0)
				return -EINVAL;
			gap = count;
			index++;
		}
	}
	if (gap < 0 ? count != 8 : count > 7)
		return -EINVAL;
	memset(bytes, 0, 16);
	for (int group = 0; group < count; group++) {
		int position = gap < 0 || group < gap ? group : group + 8 - count;

		bytes[2 * position] = (uint8_t)(groups[group] >> 8);
		bytes[2 * position + 1] = (uint8_t)groups[group];
	}
	return 0;
}

static int parse_address(const struct parser *parser, struct phone_end *end, struct token value)
{
	const char *slash = memchr(value.text, '/', value.length);
	int ipv6 = memchr(value.text, ':', value.length) != NULL;
	size_t address_length = slash ? (size_t)(slash - value.text) : 0;
	uint8_t bytes[16];
	unsigned prefix;
	char quoted[CONFIG_QUOTE_MAX];

	if (!slash || (ipv6 ? parse_ipv6(value.text, address_length, bytes)
			    : parse_ipv4(value.text, address_length, bytes)))
		return parse_error(parser, "\"%s\" is not an IPv4 or IPv6 address with a prefix (like 10.42.0.1/24 or "
				   "fd42::1/64)", quote(quoted, value));
	if (parse_number(slash + 1, value.length - address_length - 1, 1, ipv6 ? 128 : 32, &prefix))
		return parse_error(parser, "\"%s\": the prefix of an IPv%c address is 1 to %u", quote(quoted, value),
				   ipv6 ? '6' : '4', ipv6 ? 128 : 32);
	if (ipv6 ? end->prefix6_length : end->prefix_length)
		return parse_error(parser, "\"%s\": this end already has an IPv%c address (one IPv4 and one IPv6 "
				   "address per end at most)", quote(quoted, value), ipv6 ? '6' : '4');
	if (ipv6) {
		memcpy(end->address6.s6_addr, bytes, 16);
		end->prefix6_length = (uint8_t)prefix;
	} else {
		memcpy(&end->address, bytes, 4);
		end->prefix_length = (uint8_t)prefix;
	}
	return 0;
}

/* Copies a namespace (device 0) or device name into field. */
static int parse_name(const struct parser *parser, char *field, struct token value, int device)
{
	const char *problem = config_name_problem(value.text, value.length, device);
	char quoted[CONFIG_QUOTE_MAX];

	if (problem)
		return parse_error(parser, "\"%s\" is not a %s name (%s)", quote(quoted, value),
				   device ? "device" : "namespace", problem);
	memcpy(field, value.text, value.length);
	field[value.length] = '\0';
	return 0;
}

enum { KEY_NETNS, KEY_HOST, KEY_DEVICE, KEY_ADDRESS, KEY_MTU, KEY_MODE, KEY_COUNT };
static const char *const end_keys[KEY_COUNT] = { "netns", "host", "device", "address", "mtu", "mode" };

/* One key=value token of an end; *seen collects the keys given so far. */
static int parse_field(const struct parser *parser, struct phone_end *end, struct token field, unsigned *seen)
{
	const char *equals = memchr(field.text, '=', field.length);
	char quoted[CONFIG_QUOTE_MAX], quoted_key[CONFIG_QUOTE_MAX];
	struct token key, value;
	unsigned number, index = 0;

	if (!equals)
		return parse_error(parser, "\"%s\" is not key=value (expected netns=, host=, device=, address=, mtu= "
				   "or mode=)", quote(quoted, field));
	key = (struct token){ field.text, (size_t)(equals - field.text) };
	value = (struct token){ equals + 1, field.length - key.length - 1 };
	while (index < KEY_COUNT && !token_is(key, end_keys[index]))
		index++;
	if (index == KEY_COUNT)
		return parse_error(parser, "unknown key \"%s\" in \"%s\" (expected netns, host, device, address, mtu "
				   "or mode)", quote(quoted_key, key), quote(quoted, field));
	if (index != KEY_ADDRESS && (*seen & 1u << index))
		return parse_error(parser, "\"%s\": this end already has a %s", quote(quoted, field), end_keys[index]);
	*seen |= 1u << index;
	switch (index) {
	case KEY_NETNS:
		return parse_name(parser, end->netns, value, 0);
	case KEY_HOST:
		return parse_name(parser, end->host_device, value, 1);
	case KEY_DEVICE:
		return parse_name(parser, end->device, value, 1);
	case KEY_ADDRESS:
		return parse_address(parser, end, value);
	case KEY_MTU:
		if (parse_number(value.text, value.length, 68, 65535, &number))
			return parse_error(parser, "\"%s\": the MTU is a number from 68 to 65535", quote(quoted, field));
		end->mtu = number;
		return 0;
	default:
		if (token_is(value, "l3") || token_is(value, "l2")) {
			end->mode = value.text[1] == '3' ? NETKIT_L3 : NETKIT_L2;
			return 0;
		}
		return parse_error(parser, "\"%s\": the mode is l3 or l2", quote(quoted, field));
	}
}

/* An end: key=value tokens separated by any of separators. Records where
 * it was written for the checks that come later. */
static int parse_end(struct parser *parser, struct token fields, const char *separators)
{
	size_t phone_index = (size_t)(parser->phone - parser->topology->phones);
	struct phone_end *end = &parser->phone->ends[parser->ends];
	unsigned seen = 0, key = 0;
	struct token field;
	int error;

	parser->origins[phone_index][parser->ends] = (struct config_origin){ parser->source, parser->line };
	parser->ends++;
	memset(end, 0, sizeof(*end));
	end->mode = NETKIT_L3;
	while (next_token(&fields, separators, &field)) {
		error = parse_field(parser, end, field, &seen);
		if (error)
			return error;
	}
	while (key < KEY_MTU && (seen & 1u << key))
		key++;
	if (key < KEY_MTU)
		return parse_error(parser, "this end has no %s= (an end needs netns=, host=, device= and at least one "
				   "address=)", end_keys[key]);
	return 0;
}

static int start_phone(struct parser *parser)
{
	if (parser->topology->count == PHONE_MAX)
		return parse_error(parser, "more than %d phones (the most yogurt builds)", PHONE_MAX);
	parser->phone = &parser->topology->phones[parser->topology->count++];
	memset(parser->phone, 0, sizeof(*parser->phone));
	parser->phone_line = parser->line;
	parser->ends = 0;
	return 0;
}

/* A phone needs both ends before the next phone line or the end of the file. */
static int finish_phone(const struct parser *parser)
{
	struct parser at_phone = *parser;

	if (!parser->phone || parser->ends == 2)
		return 0;
	at_phone.line = parser->phone_line;
	if (parser->phone->name[0])
		return parse_error(&at_phone, "phone \"%s\" has %u end%s; a phone needs exactly 2 end lines",
				   parser->phone->name, parser->ends, parser->ends == 1 ? "" : "s");
	return parse_error(&at_phone, "this phone has %u end%s; a phone needs exactly 2 end lines", parser->ends,
			   parser->ends == 1 ? "" : "s");
}

/* "phone [NAME]" */
static int parse_phone_line(struct parser *parser, struct token rest)
{
	struct token name, extra;
	char quoted[CONFIG_QUOTE_MAX];
	int error = finish_phone(parser);

	if (!error)
		error = start_phone(parser);
	if (error || !next_token(&rest, SPACES, &name))
		return error;
	if (config_name_problem(name.text, name.length, 0))
		return parse_error(parser, "\"%s\" is not a phone name (%s)", quote(quoted, name),
				   config_name_problem(name.text, name.length, 0));
	memcpy(parser->phone->name, name.text, name.length);
	if (next_token(&rest, SPACES, &extra))
		return parse_error(parser, "unexpected \"%s\" after the phone's name (a phone line is \"phone [NAME]\")",
				   quote(quoted, extra));
	return 0;
}

/* "end key=value..." */
static int parse_end_line(struct parser *parser, struct token rest)
{
	if (!parser->phone)
		return parse_error(parser, "an end line before any phone line (a phone is a \"phone [NAME]\" line "
				   "followed by 2 end lines)");
	if (parser->ends == 2)
		return parse_error(parser, "a third end line for the phone of line %u; a phone needs exactly 2 end "
				   "lines (start the next one with a phone line)", parser->phone_line);
	return parse_end(parser, rest, SPACES);
}

static int parse_line(struct parser *parser, struct token line)
{
	struct token word;
	char quoted[CONFIG_QUOTE_MAX];

	/* A comment starts with '#' at the start of the line or after a space. */
	for (size_t index = 0; index < line.length; index++)
		if (line.text[index] == '#' && (index == 0 || is_separator(line.text[index - 1], SPACES))) {
			line.length = index;
			break;
		}
	if (!next_token(&line, SPACES, &word))
		return 0;
	if (token_is(word, "phone"))
		return parse_phone_line(parser, line);
	if (token_is(word, "end"))
		return parse_end_line(parser, line);
	return parse_error(parser, "unknown word \"%s\" (a line is \"phone [NAME]\" or \"end key=value...\")",
			   quote(quoted, word));
}

/* Adds the phones of a whole text to the topology, without the checks
 * across phones. */
static int parse_text(struct parser *parser, const char *text, size_t length)
{
	size_t count_before = parser->topology->count;
	int error;

	parser->line = 0;
	parser->phone = NULL;
	while (length) {
		const char *newline = memchr(text, '\n', length);
		struct token line = { text, newline ? (size_t)(newline - text) : length };

		parser->line++;
		if (line.length > LINE_MAX_BYTES)
			return parse_error(parser, "the line is longer than %d bytes", LINE_MAX_BYTES);
		if (memchr(line.text, '\0', line.length))
			return parse_error(parser, "a NUL byte: this is not a text file");
		error = parse_line(parser, line);
		if (error)
			return error;
		length -= line.length + (newline != NULL);
		text += line.length + (newline != NULL);
	}
	error = finish_phone(parser);
	if (!error && parser->topology->count == count_before) {
		parser->line = 0;
		return parse_error(parser, "no phone here (a phone is a \"phone [NAME]\" line followed by 2 end lines; "
				   "see yogurt help config)");
	}
	return error;
}

static char file_text[FILE_MAX_BYTES + 1];

static int read_file(struct parser *parser, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), error = 0;
	size_t length = 0;
	ssize_t got;

	if (fd < 0)
		return report_error(parser->report, -errno, "cannot open %s: %s", path, error_text(errno));
	/* One byte more than allowed tells a file that is too large. */
	do {
		got = read(fd, file_text + length, sizeof(file_text) - length);
		if (got > 0)
			length += (size_t)got;
	} while ((got > 0 || (got < 0 && errno == EINTR)) && length < sizeof(file_text));
	if (got < 0)
		error = -errno;
	close(fd);
	if (error)
		return report_error(parser->report, error, "reading %s: %s", path, error_text(-error));
	if (length > FILE_MAX_BYTES)
		return report_error(parser->report, -EFBIG, "%s: larger than %d bytes (64 KiB), the most yogurt reads "
				    "from a config file", path, FILE_MAX_BYTES);
	parser->source = path;
	return parse_text(parser, file_text, length);
}

/* After everything is read: the checks across the topology. On any error
 * the topology holds no phone, so that nothing half-read gets built. */
static int finish(struct parser *parser, int error)
{
	if (!error)
		error = topology_check_at(parser->topology, parser->origins, parser->report);
	if (error)
		parser->topology->count = 0;
	return error;
}

int config_parse(struct topology *topology, const char *text, size_t length, const char *source_name,
		 struct report *report)
{
	struct config_origin origins[PHONE_MAX][2];
	struct parser parser = { .topology = topology, .origins = origins, .report = report, .source = source_name };

	topology->count = 0;
	return finish(&parser, parse_text(&parser, text, length));
}

int config_read_file(struct topology *topology, const char *path, struct report *report)
{
	struct config_origin origins[PHONE_MAX][2];
	struct parser parser = { .topology = topology, .origins = origins, .report = report };

	topology->count = 0;
	return finish(&parser, read_file(&parser, path));
}

int config_load(struct topology *topology, const char *path, struct report *report)
{
	int error;

	if (path)
		return config_read_file(topology, path, report);
	error = config_read_file(topology, CONFIG_DEFAULT_PATH, report);
	if (error == -ENOENT) {
		topology_default(topology);
		return 0;
	}
	return error;
}

/* yogurt.phone=END+END: one phone, its ends' fields separated by ','. */
static int parse_command_line_phone(struct parser *parser, struct token value)
{
	struct token rest = value, end;
	char quoted[CONFIG_QUOTE_MAX];
	int error;

	parser->source = COMMAND_LINE_SOURCE;
	parser->line = 0;
	error = start_phone(parser);
	while (!error && next_token(&rest, "+", &end) && parser->ends < 3) {
		if (parser->ends == 2)
			parser->ends = 3;	/* one too many: the message below */
		else
			error = parse_end(parser, end, ",");
	}
	if (!error && parser->ends != 2)
		return parse_error(parser, "\"%s\" is not 2 ends separated by '+' (like netns=yogurt-1,host=yg1-host,"
				   "device=yg1-cont,address=10.42.0.1/24+netns=yogurt-2,...)", quote(quoted, value));
	return error;
}

/* yogurt.conf=PATH: the path is copied out of the command line to end it with a NUL. */
static int read_command_line_file(struct parser *parser, struct token value, char path[256])
{
	char quoted[CONFIG_QUOTE_MAX];

	if (value.length == 0 || value.length > 255)
		return report_error(parser->report, -EINVAL, "kernel command line: yogurt.conf=\"%s\" is not a path "
				    "(1 to 255 bytes)", quote(quoted, value));
	memcpy(path, value.text, value.length);
	path[value.length] = '\0';
	return read_file(parser, path);
}

/* If word is prefix followed by a value, the value. */
static int word_value(struct token word, const char *prefix, struct token *value)
{
	size_t length = strlen(prefix);

	if (word.length < length || memcmp(word.text, prefix, length) != 0)
		return 0;
	*value = (struct token){ word.text + length, word.length - length };
	return 1;
}

int config_from_command_line(struct topology *topology, const char *command_line, int *found,
			     struct report *report)
{
	struct config_origin origins[PHONE_MAX][2];
	struct parser parser = { .topology = topology, .origins = origins, .report = report };
	struct token rest = { command_line, strlen(command_line) }, word, value;
	/* Each yogurt.conf= keeps its path: the checks name its lines. */
	char paths[4][256];
	unsigned files = 0;
	int error = 0;

	topology->count = 0;
	*found = 0;
	while (!error && next_token(&rest, " \t\n", &word)) {
		if (word_value(word, "yogurt.conf=", &value)) {
			*found = 1;
			if (files == 4)
				error = report_error(report, -EINVAL, "kernel command line: more than 4 yogurt.conf= words");
			else
				error = read_command_line_file(&parser, value, paths[files++]);
		} else if (word_value(word, "yogurt.phone=", &value)) {
			*found = 1;
			error = parse_command_line_phone(&parser, value);
		}
	}
	if (!*found)
		return 0;
	return finish(&parser, error);
}
