/* config.c — phones from a config file or from the kernel command line.
 *
 * One parser reads an end (key=value words) for both: a file line
 * "end netns=a host=b ..." and a command-line "netns=a,host=b,...". Each end
 * is checked as soon as it is read (config_check.c), so an error is one line
 * naming the source, the line and the bad word. The text is taken as length
 * bytes, never as a C string, since it comes from anywhere. Tiny address
 * parsers: inet_pton would bring kilobytes of musl. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "../syscalls/uapi_compat.h"
#include "../format/format.h"
#include "../memory/memory.h"

#define LINE_MAX_BYTES 1024
#define READ_BYTES 65536		/* what one read(2) asks for */
#define QUOTE_MAX 84
#define SPACES " \t\r"		/* '\r': CRLF files read the same */
#define COMMAND_LINE_SPACES " \t\n"
#define COMMAND_LINE_SOURCE "kernel command line: yogurt.phone"
#define COMMAND_LINE_FILES_MAX 4
#define COMMAND_LINE_PATH_MAX 256

const char config_help[] =
	"/etc/yogurt.conf (or -c FILE): the phones to build. A phone is a line\n"
	"\"phone [NAME]\" and two \"end\" lines; words are separated by spaces;\n"
	"'#' starts a comment.\n"
	"\n"
	"  phone office\n"
	"  end netns=yogurt-1 host=yg1-host device=yg1-cont address=10.42.0.1/24\n"
	"  end netns=yogurt-2 host=yg2-host device=yg2-cont address=10.42.0.2/24 mtu=1400\n"
	"\n"
	"netns=, host=, device=  names, required (devices: 1 to 15 bytes)\n"
	"address=A/P             required: IPv4, IPv6 or both, one network for both ends\n"
	"mtu=68..65535           mode=l3|l2 (default l3, both ends alike)\n"
	"\n"
	"Kernel command line: yogurt.conf=PATH and yogurt.phone=END+END, an END\n"
	"being its keys joined by ',': netns=yogurt-1,host=yg1-host,...+netns=...\n";

/* A piece of the text: length bytes, not NUL-terminated. */
struct token {
	const char *text;
	size_t length;
};

struct parser {
	struct topology *topology;
	struct config_checks checks;
	struct report *report;
	struct config_origin at;	/* the source being read, the line; where an error is */
	struct phone *phone;		/* the phone whose end lines come next */
	unsigned phone_line;
	unsigned ends;			/* end lines of that phone so far */
};

/* The message only: the reader of the lines puts the place before it. */
#define parse_error(parser, ...) report_error((parser)->report, -EINVAL, __VA_ARGS__)

static int is_one_of(char c, const char *separators)
{
	while (*separators && *separators != c)
		separators++;
	return *separators != '\0';
}

/* Takes the next word of *rest, skipping separators; 0 when none is left. */
static int next_token(struct token *rest, const char *separators, struct token *token)
{
	while (rest->length && is_one_of(*rest->text, separators)) {
		rest->text++;
		rest->length--;
	}
	token->text = rest->text;
	while (rest->length && !is_one_of(*rest->text, separators)) {
		rest->text++;
		rest->length--;
	}
	token->length = (size_t)(rest->text - token->text);
	return token->length != 0;
}

/* Cuts whole at its first separator into before and after; 0 when there is
 * no separator. */
static int split(struct token whole, char separator, struct token *before, struct token *after)
{
	const char *at = memchr(whole.text, separator, whole.length);

	if (!at)
		return 0;
	*before = (struct token){ whole.text, (size_t)(at - whole.text) };
	*after = (struct token){ at + 1, whole.length - before->length - 1 };
	return 1;
}

static int token_is(struct token token, const char *word)
{
	return token.length == strlen(word) && memcmp(token.text, word, token.length) == 0;
}

/* The token as it can appear in a one-line message: control bytes as '?',
 * cut when long. */
static const char *quote(char buffer[QUOTE_MAX], struct token token)
{
	size_t kept = token.length < QUOTE_MAX ? token.length : QUOTE_MAX - 4;

	for (size_t index = 0; index < kept; index++) {
		unsigned char c = (unsigned char)token.text[index];

		buffer[index] = c < ' ' || c == 0x7f ? '?' : (char)c;
	}
	memcpy(buffer + kept, kept < token.length ? "..." : "", kept < token.length ? 4 : 1);
	return buffer;
}

/* Decimal digits only, minimum to maximum. */
static int parse_decimal(struct token text, unsigned minimum, unsigned maximum, unsigned *value)
{
	uint64_t number;

	if (format_parse_unsigned(text.text, text.length, 10, maximum, &number) || number < minimum)
		return -EINVAL;
	*value = (unsigned)number;
	return 0;
}

/* Dotted quad: four numbers 0 to 255. */
static int parse_ipv4(struct token text, uint8_t bytes[16])
{
	for (int index = 0; index < 4; index++) {
		struct token part = text;
		unsigned value;

		if (index < 3 && !split(text, '.', &part, &text))
			return -EINVAL;
		if (parse_decimal(part, 0, 255, &value))
			return -EINVAL;
		bytes[index] = (uint8_t)value;
	}
	return 0;
}

/* Groups of 1 to 4 hex digits separated by ':', at most one "::" standing
 * for the zero groups (RFC 4291 2.2; no embedded dotted quad). */
static int parse_ipv6(struct token text, uint8_t bytes[16])
{
	uint16_t groups[8];
	int count = 0, gap = -1;
	size_t index = 0;

	if (text.length >= 2 && text.text[0] == ':' && text.text[1] == ':') {
		gap = 0;
		index = 2;
	}
	while (index < text.length) {
		size_t start = index;
		uint64_t value;

		while (index < text.length && text.text[index] != ':')
			index++;
		if (index - start > 4 || count == 8 ||
		    format_parse_unsigned(text.text + start, index - start, 16, 0xffff, &value))
			return -EINVAL;
		groups[count++] = (uint16_t)value;
		if (index == text.length)
			break;
		index++;	/* past the ':' */
		if (index == text.length)
			return -EINVAL;		/* a ':' at the end */
		if (text.text[index] == ':') {
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

/* ADDRESS/PREFIX, IPv6 when it has a ':'. */
static int parse_address(const struct parser *parser, struct phone_end *end, struct token value)
{
	int family = memchr(value.text, ':', value.length) ? PHONE_IPV6 : PHONE_IPV4;
	const struct phone_family *kind = &phone_families[family];
	struct phone_address *address = &end->addresses[family];
	struct token bytes_text, prefix_text;
	uint8_t bytes[16];
	unsigned prefix;
	char quoted[QUOTE_MAX];

	if (!split(value, '/', &bytes_text, &prefix_text) ||
	    (family == PHONE_IPV6 ? parse_ipv6 : parse_ipv4)(bytes_text, bytes) ||
	    parse_decimal(prefix_text, 1, kind->size * 8u, &prefix))
		return parse_error(parser, "\"%s\" is not an IPv4 or IPv6 address with a prefix "
				   "(like 10.42.0.1/24 or fd42::1/64)", quote(quoted, value));
	if (address->prefix_length)
		return parse_error(parser, "\"%s\": this end already has an IPv%c address",
				   quote(quoted, value), kind->version);
	memcpy(address->bytes, bytes, kind->size);
	address->prefix_length = (uint8_t)prefix;
	return 0;
}

/* Namespace (and phone) names stay plain: they become files in /run/netns. */
static int is_plain_name_byte(unsigned char c)
{
	return (unsigned)((c | 0x20) - 'a') < 26 || (unsigned)(c - '0') < 10 || c == '-' ||
	       c == '_' || c == '.';
}

/* Device names follow the kernel's dev_valid_name(), without the bytes a
 * message would have to escape. */
static int is_device_name_byte(unsigned char c)
{
	return c > ' ' && c != 0x7f && c != '/' && c != ':';
}

/* Copies a namespace or phone name (device 0) or a device name into field
 * (a phone's name or an end's). */
static int parse_name(const struct parser *parser, char *field, struct token value, int device,
		      const char *what)
{
	int good = value.length > 0 &&
		   value.length < (device ? PHONE_DEVICE_MAX : PHONE_NAME_MAX) &&
		   !token_is(value, ".") && !token_is(value, "..");
	char quoted[QUOTE_MAX];

	for (size_t index = 0; good && index < value.length; index++) {
		unsigned char c = (unsigned char)value.text[index];

		good = device ? is_device_name_byte(c) : is_plain_name_byte(c);
	}
	if (!good)
		return parse_error(parser, "\"%s\" is not a %s name (%s)", quote(quoted, value),
				   what, device ? "1 to 15 bytes, no '/', ':' or spaces"
						: "1 to 63 of A-Z a-z 0-9 - _ .");
	memcpy(field, value.text, value.length);
	field[value.length] = '\0';
	return 0;
}

/* The keys before KEY_MTU are required. */
enum { KEY_NETNS, KEY_HOST, KEY_DEVICE, KEY_ADDRESS, KEY_MTU, KEY_MODE, KEY_COUNT };
static const char *const end_keys[KEY_COUNT] = {
	"netns", "host", "device", "address", "mtu", "mode",
};

/* One key=value word of an end; *seen collects the keys given so far. */
static int parse_field(const struct parser *parser, struct phone_end *end, struct token field,
		       unsigned *seen)
{
	struct token key = { field.text, 0 }, value = { field.text, 0 };
	char quoted[QUOTE_MAX];
	unsigned number, index = 0;

	split(field, '=', &key, &value);
	while (index < KEY_COUNT && !token_is(key, end_keys[index]))
		index++;
	if (index == KEY_COUNT)
		return parse_error(parser, "\"%s\": expected netns=, host=, device=, address=, "
				   "mtu= or mode=", quote(quoted, field));
	if (index != KEY_ADDRESS && (*seen & 1u << index))
		return parse_error(parser, "\"%s\": this end already has a %s",
				   quote(quoted, field), end_keys[index]);
	*seen |= 1u << index;
	switch (index) {
	case KEY_NETNS:
		return parse_name(parser, end->netns, value, 0, "namespace");
	case KEY_HOST:
		return parse_name(parser, end->host_device, value, 1, "device");
	case KEY_DEVICE:
		return parse_name(parser, end->device, value, 1, "device");
	case KEY_ADDRESS:
		return parse_address(parser, end, value);
	case KEY_MTU:
		if (parse_decimal(value, 68, 65535, &number))
			return parse_error(parser, "\"%s\": the MTU is 68 to 65535",
					   quote(quoted, field));
		end->mtu = number;
		return 0;
	default:
		if (!token_is(value, "l3") && !token_is(value, "l2"))
			return parse_error(parser, "\"%s\": the mode is l3 or l2",
					   quote(quoted, field));
		end->mode = value.text[1] == '3' ? NETKIT_L3 : NETKIT_L2;
		return 0;
	}
}

/* An end: key=value words separated by any of separators; checked against
 * the ends before it at once, while its line is the current one. */
static int parse_end(struct parser *parser, struct token fields, const char *separators)
{
	size_t phone = (size_t)(parser->phone - parser->topology->phones);
	int side = (int)parser->ends++;
	struct phone_end *end = &parser->phone->ends[side];
	unsigned seen = 0, key = 0;
	struct token field;
	int error = 0;

	parser->checks.origins[phone][side] = parser->at;
	memset(end, 0, sizeof(*end));
	end->mode = NETKIT_L3;
	while (!error && next_token(&fields, separators, &field))
		error = parse_field(parser, end, field, &seen);
	while (key < KEY_MTU && (seen & 1u << key))
		key++;
	if (!error && key < KEY_MTU)
		error = parse_error(parser, "this end has no %s= (an end needs netns=, host=, "
				    "device= and address=)", end_keys[key]);
	if (error)
		return error;
	return config_check_end(&parser->checks, parser->topology, phone, side, parser->report);
}

static int start_phone(struct parser *parser)
{
	struct phone *phone = NULL;

	if (config_checks_reserve(&parser->checks, parser->topology->count + 1) == 0)
		phone = topology_add_phone(parser->topology);
	if (!phone)
		return report_error(parser->report, -ENOMEM, "out of memory after %zu phones",
				    parser->topology->count);
	parser->phone = phone;
	parser->phone_line = parser->at.line;
	parser->ends = 0;
	return 0;
}

/* A phone needs both ends before the next phone line or the end of the
 * text; if not, the error is its phone line's. */
static int finish_phone(struct parser *parser)
{
	if (!parser->phone || parser->ends == 2)
		return 0;
	parser->at.line = parser->phone_line;
	return parse_error(parser, "this phone has %u end line%s, not 2", parser->ends,
			   parser->ends == 1 ? "" : "s");
}

/* "phone [NAME]" */
static int parse_phone_line(struct parser *parser, struct token rest)
{
	struct token name;
	char quoted[QUOTE_MAX];
	int error = finish_phone(parser);

	if (!error)
		error = start_phone(parser);
	if (error || !next_token(&rest, SPACES, &name))
		return error;
	error = parse_name(parser, parser->phone->name, name, 0, "phone");
	if (!error && next_token(&rest, SPACES, &name))
		return parse_error(parser, "unexpected \"%s\" after the phone's name",
				   quote(quoted, name));
	return error;
}

static int parse_line(struct parser *parser, struct token line)
{
	struct token word;
	char quoted[QUOTE_MAX];

	/* '#' starts a comment at the start of a line or after a space. */
	for (size_t index = 0; index < line.length; index++)
		if (line.text[index] == '#' &&
		    (index == 0 || is_one_of(line.text[index - 1], SPACES)))
			line.length = index;
	if (!next_token(&line, SPACES, &word))
		return 0;
	if (token_is(word, "phone"))
		return parse_phone_line(parser, line);
	if (!token_is(word, "end"))
		return parse_error(parser, "unknown word \"%s\" (a line is \"phone [NAME]\" or "
				   "\"end KEY=VALUE...\")", quote(quoted, word));
	if (!parser->phone)
		return parse_error(parser, "an end line before any phone line");
	if (parser->ends == 2)
		return parse_error(parser, "a third end line for the phone of line %u",
				   parser->phone_line);
	return parse_end(parser, line, SPACES);
}

/* Adds the phones of a whole text to the topology. */
static int parse_text(struct parser *parser, const char *text, size_t length)
{
	size_t count_before = parser->topology->count;
	int error = 0;

	parser->phone = NULL;
	parser->at.line = 0;
	while (!error && length) {
		const char *newline = memchr(text, '\n', length);
		struct token line = { text, newline ? (size_t)(newline - text) : length };

		parser->at.line++;
		if (line.length > LINE_MAX_BYTES)
			error = parse_error(parser, "the line is longer than %d bytes",
					    LINE_MAX_BYTES);
		else if (memchr(line.text, '\0', line.length))
			error = parse_error(parser, "a NUL byte: this is not a text file");
		else
			error = parse_line(parser, line);
		length -= line.length + (newline != NULL);
		text += line.length + (newline != NULL);
	}
	if (!error)
		error = finish_phone(parser);
	if (!error && parser->topology->count == count_before) {
		parser->at.line = 0;
		error = parse_error(parser, "no phone here (see yogurt help config)");
	}
	return error ? config_locate(parser->report, &parser->at, error) : 0;
}

/* Not format_read_file: a config may come through a pipe (-c /dev/stdin),
 * where one read(2) need not bring all of it, and it may be of any size:
 * the buffer grows as the file does. */
static int read_file(struct parser *parser, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), error = 0;
	size_t length = 0, capacity = 0;
	char *text = NULL;
	ssize_t got = 1;

	if (fd < 0)
		return report_error(parser->report, -errno, "cannot open %s: %s", path,
				    error_text(errno));
	while (!error && (got > 0 || (got < 0 && errno == EINTR))) {
		error = memory_reserve(&text, &capacity, length + READ_BYTES, 1);
		if (!error)
			got = read(fd, text + length, capacity - length);
		if (!error && got > 0)
			length += (size_t)got;
	}
	if (!error && got < 0)
		error = -errno;
	close(fd);
	if (error)
		report_error(parser->report, error, "reading %s: %s", path, error_text(-error));
	if (!error) {
		parser->at.source = path;
		error = parse_text(parser, text, length);
	}
	memory_free(text);
	return error;
}

/* After the last phone of every source: the overlaps of networks, then the
 * checks' memory goes. On any error the topology holds no phone: nothing
 * half-read gets built. */
static int finish(struct parser *parser, int error)
{
	if (!error)
		error = config_check_networks(&parser->checks, parser->topology, parser->report);
	config_checks_free(&parser->checks);
	if (error)
		parser->topology->count = 0;
	return error;
}

int config_parse(struct topology *topology, const char *text, size_t length,
		 const char *source_name, struct report *report)
{
	struct parser parser = { .topology = topology, .report = report, .at.source = source_name };

	topology->count = 0;
	return finish(&parser, parse_text(&parser, text, length));
}

int config_read_file(struct topology *topology, const char *path, struct report *report)
{
	struct parser parser = { .topology = topology, .report = report };

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
		return topology_default(topology);
	}
	return error;
}

/* The one walker of the kernel command line's words (/proc/cmdline): the
 * next word NAME=VALUE of *rest, cut at its first '='; words without one
 * are passed over. 0 when none is left. */
static int next_option(struct token *rest, struct token *name, struct token *value)
{
	struct token word;

	while (next_token(rest, COMMAND_LINE_SPACES, &word))
		if (split(word, '=', name, value))
			return 1;
	return 0;
}

void config_command_line_value(const char *command_line, const char *name, char *value, size_t size)
{
	struct token rest = { command_line, strlen(command_line) }, option, text;

	while (next_option(&rest, &option, &text)) {
		size_t length = text.length < size ? text.length : size - 1;

		if (token_is(option, name) && text.length) {
			memcpy(value, text.text, length);
			value[length] = '\0';
		}
	}
}

/* yogurt.phone=END+END: one phone, its ends' fields separated by ','. */
static int parse_command_line_phone(struct parser *parser, struct token value)
{
	struct token rest = value, end;
	char quoted[QUOTE_MAX];
	int error;

	parser->at = (struct config_origin){ COMMAND_LINE_SOURCE, 0 };
	error = start_phone(parser);
	while (!error && parser->ends < 2 && next_token(&rest, "+", &end))
		error = parse_end(parser, end, ",");
	if (!error && (parser->ends != 2 || next_token(&rest, "+", &end)))
		error = parse_error(parser, "\"%s\" is not 2 ends joined by '+' "
				    "(see yogurt help config)", quote(quoted, value));
	return error ? config_locate(parser->report, &parser->at, error) : 0;
}

int config_from_command_line(struct topology *topology, const char *command_line, int *found,
			     struct report *report)
{
	struct parser parser = { .topology = topology, .report = report };
	struct token rest = { command_line, strlen(command_line) }, name, value;
	/* Each yogurt.conf= keeps its path: the checks name its lines. */
	char paths[COMMAND_LINE_FILES_MAX][COMMAND_LINE_PATH_MAX];
	unsigned files = 0;
	int error = 0;

	topology->count = 0;
	*found = 0;
	while (!error && next_option(&rest, &name, &value)) {
		char quoted[QUOTE_MAX];

		if (token_is(name, "yogurt.conf")) {
			*found = 1;
			if (files == COMMAND_LINE_FILES_MAX || value.length == 0 ||
			    value.length >= COMMAND_LINE_PATH_MAX) {
				error = report_error(report, -EINVAL, "kernel command line: "
						     "yogurt.conf=\"%s\" is not a path (1 to 255 "
						     "bytes; 4 files at most)",
						     quote(quoted, value));
				return finish(&parser, error);
			}
			memcpy(paths[files], value.text, value.length);
			paths[files][value.length] = '\0';
			error = read_file(&parser, paths[files++]);
		} else if (token_is(name, "yogurt.phone")) {
			*found = 1;
			error = parse_command_line_phone(&parser, value);
		}
	}
	return finish(&parser, error);
}
