/* config_check.c — refusing a phone end before anything touches the system:
 * names and addresses used twice, addresses that are a network's own, the
 * two ends of a phone not in one network, two phones in the same one. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "config.h"
#include "../syscalls/uapi_compat.h"
#include "../format/format.h"

#define PLACE_MAX 300

/* One family's address of an end; prefix 0: the end has none. */
struct network {
	const uint8_t *bytes;
	unsigned size;		/* 4 or 16 */
	unsigned prefix;
	char text[FORMAT_ADDRESS_MAX];
};

/* "SOURCE:LINE", or "SOURCE" for the kernel command line. */
static size_t origin_text(char *buffer, size_t size, const struct config_origin *origin)
{
	if (origin->line)
		return format_string(buffer, size, "%s:%u", origin->source, origin->line);
	return format_string(buffer, size, "%s", origin->source);
}

int config_error(struct report *report, const struct config_origin *origin, const char *format, ...)
{
	size_t length = origin_text(report->message, sizeof(report->message) - 2, origin);
	va_list arguments;

	va_start(arguments, format);
	if (length < sizeof(report->message) - 2) {
		length += format_string(report->message + length, sizeof(report->message) - length, ": ");
		format_string_list(report->message + length, sizeof(report->message) - length, format, arguments);
	}
	va_end(arguments);
	return -EINVAL;
}

static void end_network(struct network *network, const struct phone_end *end, int family)
{
	const struct phone_address *address = &end->addresses[family];

	network->bytes = address->bytes;
	network->size = phone_families[family].size;
	network->prefix = address->prefix_length;
	format_address(network->text, phone_families[family].family, address->bytes);
}

/* Whether a and b agree on their first `bits` bits. */
static int same_prefix(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned bytes = bits / 8, rest = bits % 8;

	return memcmp(a, b, bytes) == 0 && (rest == 0 || ((a[bytes] ^ b[bytes]) >> (8 - rest)) == 0);
}

/* Whether every bit after the prefix is `one`. */
static int host_bits_are(const struct network *network, int one)
{
	for (unsigned bit = network->prefix; bit < network->size * 8; bit++)
		if ((network->bytes[bit / 8] >> (7 - bit % 8) & 1) != one)
			return 0;
	return 1;
}

/* The end alone: its two devices, an address a device may have. */
static int check_alone(const struct phone_end *end, const struct config_origin *origin, struct report *report)
{
	if (strcmp(end->host_device, end->device) == 0)
		return config_error(report, origin, "host= and device= are both \"%s\"", end->device);
	for (int family = 0; family < PHONE_FAMILIES; family++) {
		struct network network;

		end_network(&network, end, family);
		/* /31 and /32 (/127 and /128) have no network or broadcast
		 * address to avoid: RFC 3021, RFC 6164. */
		if (!network.prefix || network.prefix + 1 >= network.size * 8)
			continue;
		if (host_bits_are(&network, 0) || (family == PHONE_IPV4 && host_bits_are(&network, 1)))
			return config_error(report, origin, "%s/%u is the %s address of its network, not one for a device",
					    network.text, network.prefix, host_bits_are(&network, 0) ? "network" : "broadcast");
	}
	return 0;
}

/* The end `b` (at origin) against an end `a` read before it (at a_place);
 * same_phone: the other end of its phone, which must share its networks. */
static int check_pair(const struct phone_end *a, const struct phone_end *b, int same_phone, const char *a_place,
		      const struct config_origin *origin, struct report *report)
{
	const char *a_devices[2] = { a->host_device, a->device }, *b_devices[2] = { b->host_device, b->device };

	if (strcmp(a->netns, b->netns) == 0)
		return config_error(report, origin, "namespace \"%s\" is already used at %s", b->netns, a_place);
	for (int i = 0; i < 4; i++)
		if (strcmp(a_devices[i / 2], b_devices[i % 2]) == 0)
			return config_error(report, origin, "device \"%s\" is already used at %s", b_devices[i % 2],
					    a_place);
	for (int family = 0; family < PHONE_FAMILIES; family++) {
		struct network x, y;
		unsigned shorter;

		end_network(&x, a, family);
		end_network(&y, b, family);
		shorter = x.prefix < y.prefix ? x.prefix : y.prefix;
		if (shorter && memcmp(x.bytes, y.bytes, x.size) == 0)
			return config_error(report, origin, "address %s is already used at %s", y.text, a_place);
		if (same_phone && !x.prefix != !y.prefix)
			return config_error(report, origin, "this end has %s IPv%c address, the other end (%s) %s",
					    y.prefix ? "an" : "no", phone_families[family].version,
					    a_place, y.prefix ? "none" : "has one");
		if (same_phone && (x.prefix != y.prefix || !same_prefix(x.bytes, y.bytes, shorter)))
			return config_error(report, origin, "%s/%u is not in the network of the other end, %s/%u (%s)",
					    y.text, y.prefix, x.text, x.prefix, a_place);
		if (!same_phone && shorter && same_prefix(x.bytes, y.bytes, shorter))
			return config_error(report, origin, "%s/%u overlaps %s/%u of another phone (%s)", y.text,
					    y.prefix, x.text, x.prefix, a_place);
	}
	if (same_phone && a->mode != b->mode)
		return config_error(report, origin, "mode=l%c differs from the other end's (%s)",
				    b->mode == NETKIT_L2 ? '2' : '3', a_place);
	return 0;
}

int config_check_end(const struct topology *topology, const struct config_origin (*origins)[2], size_t index,
		     struct report *report)
{
	const struct phone_end *end = &topology->phones[index / 2].ends[index % 2];
	const struct config_origin *origin = &origins[index / 2][index % 2];
	int error = check_alone(end, origin, report);

	for (size_t first = 0; !error && first < index; first++) {
		const struct config_origin *at = &origins[first / 2][first % 2];
		char place[PLACE_MAX];

		origin_text(place, sizeof(place), at);
		error = check_pair(&topology->phones[first / 2].ends[first % 2], end, first / 2 == index / 2, place,
				   origin, report);
	}
	return error;
}
