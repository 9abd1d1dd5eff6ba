/* config_check.c — refusing a topology before anything touches the system:
 * names the kernel would refuse, names and addresses used twice, and
 * networks that cannot work (the two ends of a phone in different networks,
 * two phones in the same one). */
#include <errno.h>
#include <string.h>

#include "config.h"
#include "../syscalls/uapi_compat.h"
#include "../format/format.h"

#define PLACE_MAX 160
#define NETWORK_TEXT_MAX (FORMAT_ADDRESS_MAX + 4)

struct check {
	const struct topology *topology;
	const struct config_origin (*origins)[2];	/* NULL: not from a config */
	struct report *report;
};

/* One family's address of an end; prefix 0: the end has none. */
struct network {
	const uint8_t *bytes;
	unsigned size;		/* 4 or 16 */
	unsigned prefix;
	int family;
};

int config_report(struct report *report, const char *source, unsigned line, const char *format, va_list arguments)
{
	size_t length = line ? format_string(report->message, sizeof(report->message), "%s:%u: ", source, line)
			     : format_string(report->message, sizeof(report->message), "%s: ", source);

	if (length < sizeof(report->message))
		format_string_list(report->message + length, sizeof(report->message) - length, format, arguments);
	return -EINVAL;
}

const char *config_quote(char buffer[CONFIG_QUOTE_MAX], const char *text, size_t length)
{
	size_t kept = length < CONFIG_QUOTE_MAX ? length : CONFIG_QUOTE_MAX - 4;

	/* Control bytes would break the one-line message (or the terminal). */
	for (size_t index = 0; index < kept; index++)
		buffer[index] = (unsigned char)text[index] < ' ' || text[index] == 0x7f ? '?' : text[index];
	if (kept < length) {
		memcpy(buffer + kept, "...", 3);
		kept += 3;
	}
	buffer[kept] = '\0';
	return buffer;
}

static int is_name_character(unsigned char c, int device)
{
	if (device)	/* the kernel's dev_valid_name(), without bytes that need escaping */
		return c > ' ' && c != 0x7f && c != '/' && c != ':';
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
	       c == '.';
}

const char *config_name_problem(const char *name, size_t length, int device)
{
	int good = length > 0 && length < (device ? PHONE_DEVICE_MAX : PHONE_NAME_MAX) &&
		   !(name[0] == '.' && (length == 1 || (length == 2 && name[1] == '.')));

	for (size_t index = 0; good && index < length; index++)
		good = is_name_character((unsigned char)name[index], device);
	if (good)
		return NULL;
	return device ? "1 to 15 bytes (IFNAMSIZ), no '/', ':' or whitespace, not \".\" or \"..\""
		      : "1 to 63 letters, digits, '-', '_' or '.', not \".\" or \"..\"";
}

static const struct phone_end *end_at(const struct check *check, size_t index)
{
	return &check->topology->phones[index / 2].ends[index % 2];
}

/* Where end `index` (phone * 2 + end) is: its file and line, or its number. */
static const char *place(const struct check *check, size_t index, char buffer[PLACE_MAX])
{
	const struct config_origin *origin;

	if (!check->origins) {
		format_string(buffer, PLACE_MAX, "phone %zu end %zu", index / 2 + 1, index % 2 + 1);
		return buffer;
	}
	origin = &check->origins[index / 2][index % 2];
	if (origin->line)
		format_string(buffer, PLACE_MAX, "%s:%u", origin->source, origin->line);
	else
		format_string(buffer, PLACE_MAX, "%s", origin->source);
	return buffer;
}

static int check_error(const struct check *check, size_t index, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

static int check_error(const struct check *check, size_t index, const char *format, ...)
{
	char where[PLACE_MAX];
	va_list arguments;

	va_start(arguments, format);
	config_report(check->report, place(check, index, where), 0, format, arguments);
	va_end(arguments);
	return -EINVAL;
}

static struct network end_network(const struct phone_end *end, int ipv6)
{
	if (ipv6)
		return (struct network){ end->address6.s6_addr, 16, end->prefix6_length, AF_INET6 };
	return (struct network){ (const uint8_t *)&end->address, 4, end->prefix_length, AF_INET };
}

static int bit_of(const uint8_t *bytes, unsigned bit)
{
	return bytes[bit / 8] >> (7 - bit % 8) & 1;
}

/* Whether a and b agree on their first `bits` bits. */
static int same_bits(const struct network *a, const struct network *b, unsigned bits)
{
	for (unsigned bit = 0; bit < bits; bit++)
		if (bit_of(a->bytes, bit) != bit_of(b->bytes, bit))
			return 0;
	return 1;
}

/* Whether every bit after the prefix is `value`. */
static int host_bits_are(const struct network *network, int value)
{
	for (unsigned bit = network->prefix; bit < network->size * 8; bit++)
		if (bit_of(network->bytes, bit) != value)
			return 0;
	return 1;
}

static const char *network_text(const struct network *network, char buffer[NETWORK_TEXT_MAX])
{
	char address[FORMAT_ADDRESS_MAX];

	format_string(buffer, NETWORK_TEXT_MAX, "%s/%u", format_address(address, network->family, network->bytes),
		      network->prefix);
	return buffer;
}

static int check_name(const struct check *check, size_t index, const char *name, size_t size, int device)
{
	char quoted[CONFIG_QUOTE_MAX];
	size_t length = strnlen(name, size);
	const char *problem = config_name_problem(name, length, device);

	if (problem)
		return check_error(check, index, "\"%s\" is not a %s name (%s)", config_quote(quoted, name, length),
				   device ? "device" : "namespace", problem);
	return 0;
}

/* What one end needs on its own: good names, an address, host addresses. */
static int check_end(const struct check *check, size_t index)
{
	const struct phone_end *end = end_at(check, index);
	char text[NETWORK_TEXT_MAX];
	int error = check_name(check, index, end->netns, sizeof(end->netns), 0);

	if (!error)
		error = check_name(check, index, end->host_device, sizeof(end->host_device), 1);
	if (!error)
		error = check_name(check, index, end->device, sizeof(end->device), 1);
	if (error)
		return error;
	if (strcmp(end->host_device, end->device) == 0)
		return check_error(check, index, "host and device are both \"%s\"; device names must be unique",
				   end->device);
	if (!end->prefix_length && !end->prefix6_length)
		return check_error(check, index, "no address; an end needs an IPv4 or an IPv6 address, or both");
	for (int ipv6 = 0; ipv6 < 2; ipv6++) {
		struct network network = end_network(end, ipv6);

		if (network.prefix > network.size * 8)
			return check_error(check, index, "prefix /%u is too long for an IPv%c address", network.prefix,
					   ipv6 ? '6' : '4');
		/* /31 and /32 (/127, /128 in IPv6) have no network or broadcast
		 * address to avoid: RFC 3021, RFC 6164. */
		if (!network.prefix || network.prefix + 1 >= network.size * 8)
			continue;
		if (host_bits_are(&network, 0) || (!ipv6 && host_bits_are(&network, 1)))
			return check_error(check, index, "%s is the %s address of its network, not one for a device",
					   network_text(&network, text), host_bits_are(&network, 0) ? "network" : "broadcast");
	}
	return 0;
}

/* The two ends of one phone talk to each other: the same families, the
 * same network, the same mode. */
static int check_phone_ends(const struct check *check, size_t second, const struct network *a,
			    const struct network *b, const char *first_place)
{
	char a_text[NETWORK_TEXT_MAX], b_text[NETWORK_TEXT_MAX];

	if (!a->prefix != !b->prefix)
		return check_error(check, second, "IPv%c: this end has %s, the other end (%s) has %s; give both ends "
				   "an IPv%c address or neither", a->size == 4 ? '4' : '6',
				   b->prefix ? network_text(b, b_text) : "none", first_place,
				   a->prefix ? network_text(a, a_text) : "none", a->size == 4 ? '4' : '6');
	if (!a->prefix || (a->prefix == b->prefix && same_bits(a, b, a->prefix)))
		return 0;
	if (same_bits(a, b, a->prefix < b->prefix ? a->prefix : b->prefix))
		return check_error(check, second, "%s overlaps %s of the other end (%s) without being the same network; "
				   "both ends of a phone need the same network and prefix",
				   network_text(b, b_text), network_text(a, a_text), first_place);
	return check_error(check, second, "%s is not in the network of the other end, %s (%s); the two ends of a "
			   "phone need addresses in the same network", network_text(b, b_text),
			   network_text(a, a_text), first_place);
}

/* Two ends anywhere in the topology, the first written before the second;
 * an error names the second and points at the first. */
static int check_pair(const struct check *check, size_t first, size_t second)
{
	const struct phone_end *a = end_at(check, first), *b = end_at(check, second);
	const char *a_devices[2] = { a->host_device, a->device }, *b_devices[2] = { b->host_device, b->device };
	char first_place[PLACE_MAX], a_text[NETWORK_TEXT_MAX], b_text[NETWORK_TEXT_MAX];
	int same_phone = first / 2 == second / 2;

	place(check, first, first_place);
	if (strcmp(a->netns, b->netns) == 0)
		return check_error(check, second, "namespace \"%s\" is already used at %s; every end needs a namespace "
				   "of its own", b->netns, first_place);
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2; j++)
			if (strcmp(a_devices[i], b_devices[j]) == 0)
				return check_error(check, second, "device name \"%s\" is already used at %s; device "
						   "names must be unique", b_devices[j], first_place);
	for (int ipv6 = 0; ipv6 < 2; ipv6++) {
		struct network a_network = end_network(a, ipv6), b_network = end_network(b, ipv6);
		unsigned shorter = a_network.prefix < b_network.prefix ? a_network.prefix : b_network.prefix;
		int error;

		if (a_network.prefix && b_network.prefix && memcmp(a_network.bytes, b_network.bytes, a_network.size) == 0)
			return check_error(check, second, "address %s is already used at %s",
					   format_address(b_text, b_network.family, b_network.bytes), first_place);
		if (same_phone) {
			error = check_phone_ends(check, second, &a_network, &b_network, first_place);
			if (error)
				return error;
		} else if (shorter && same_bits(&a_network, &b_network, shorter)) {
			return check_error(check, second, "%s overlaps %s of another phone (%s); every phone needs a "
					   "network of its own", network_text(&b_network, b_text),
					   network_text(&a_network, a_text), first_place);
		}
	}
	if (same_phone && a->mode != b->mode)
		return check_error(check, second, "mode %s differs from mode %s of the other end (%s); both ends of a "
				   "phone need the same mode", b->mode == NETKIT_L2 ? "l2" : "l3",
				   a->mode == NETKIT_L2 ? "l2" : "l3", first_place);
	return 0;
}

int topology_check_at(const struct topology *topology, const struct config_origin (*origins)[2],
		      struct report *report)
{
	struct check check = { topology, origins, report };
	size_t ends = topology->count * 2;
	int error = 0;

	if (topology->count == 0 || topology->count > PHONE_MAX)
		return report_error(report, -EINVAL, "%zu phones; yogurt builds 1 to %d", topology->count, PHONE_MAX);
	/* Every end alone first: the pairs compare names known to be terminated. */
	for (size_t index = 0; !error && index < ends; index++)
		error = check_end(&check, index);
	for (size_t second = 1; !error && second < ends; second++)
		for (size_t first = 0; !error && first < second; first++)
			error = check_pair(&check, first, second);
	return error;
}

int topology_check(const struct topology *topology, struct report *report)
{
	return topology_check_at(topology, NULL, report);
}
