/* config_check.c — refusing a phone end before anything touches the system:
 * names and addresses used twice, addresses that are a network's own, the
 * two ends of a phone not in one network, two phones in the same one. */
#include <errno.h>
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
static void origin_text(char *buffer, size_t size, const struct config_origin *origin)
{
	if (origin->line)
		format_string(buffer, size, "%s:%u", origin->source, origin->line);
	else
		format_string(buffer, size, "%s", origin->source);
}

int config_locate(struct report *report, const struct config_origin *origin, int error)
{
	char place[sizeof(report->message)], message[sizeof(report->message)];

	origin_text(place, sizeof(place), origin);
	memcpy(message, report->message, sizeof(message));
	return format_error(report->message, error, "%s: %s", place, message);
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

	return memcmp(a, b, bytes) == 0 &&
	       (rest == 0 || ((a[bytes] ^ b[bytes]) >> (8 - rest)) == 0);
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
static int check_alone(const struct phone_end *end, struct report *report)
{
	if (strcmp(end->host_device, end->device) == 0)
		return report_error(report, -EINVAL, "host= and device= are both \"%s\"",
				    end->device);
	for (int family = 0; family < PHONE_FAMILIES; family++) {
		struct network network;
		int network_address;

		end_network(&network, end, family);
		/* /31 and /32 (/127 and /128) have no network or broadcast
		 * address to avoid: RFC 3021, RFC 6164. */
		if (!network.prefix || network.prefix + 1 >= network.size * 8)
			continue;
		network_address = host_bits_are(&network, 0);
		if (network_address || (family == PHONE_IPV4 && host_bits_are(&network, 1)))
			return report_error(report, -EINVAL, "%s/%u is the %s address of its "
					    "network, not one for a device", network.text,
					    network.prefix,
					    network_address ? "network" : "broadcast");
	}
	return 0;
}

/* The end against another read before it (at other_place); same_phone: the
 * other end of its phone, which must share its networks. */
static int check_pair(const struct phone_end *other, const struct phone_end *end, int same_phone,
		      const char *other_place, struct report *report)
{
	const char *other_devices[2] = { other->host_device, other->device };
	const char *devices[2] = { end->host_device, end->device };

	if (strcmp(other->netns, end->netns) == 0)
		return report_error(report, -EINVAL, "namespace \"%s\" is already used at %s",
				    end->netns, other_place);
	for (int other_device = 0; other_device < 2; other_device++)
		for (int device = 0; device < 2; device++)
			if (strcmp(other_devices[other_device], devices[device]) == 0)
				return report_error(report, -EINVAL,
						    "device \"%s\" is already used at %s",
						    devices[device], other_place);
	for (int family = 0; family < PHONE_FAMILIES; family++) {
		struct network theirs, ours;
		unsigned shorter;

		end_network(&theirs, other, family);
		end_network(&ours, end, family);
		shorter = theirs.prefix < ours.prefix ? theirs.prefix : ours.prefix;
		if (shorter && memcmp(theirs.bytes, ours.bytes, ours.size) == 0)
			return report_error(report, -EINVAL, "address %s is already used at %s",
					    ours.text, other_place);
		if (same_phone && !theirs.prefix != !ours.prefix)
			return report_error(report, -EINVAL, "this end has %s IPv%c address, the "
					    "other end (%s) %s", ours.prefix ? "an" : "no",
					    phone_families[family].version, other_place,
					    ours.prefix ? "none" : "has one");
		if (same_phone && (theirs.prefix != ours.prefix ||
				   !same_prefix(theirs.bytes, ours.bytes, shorter)))
			return report_error(report, -EINVAL, "%s/%u is not in the network of the "
					    "other end, %s/%u (%s)", ours.text, ours.prefix,
					    theirs.text, theirs.prefix, other_place);
		if (!same_phone && shorter && same_prefix(theirs.bytes, ours.bytes, shorter))
			return report_error(report, -EINVAL,
					    "%s/%u overlaps %s/%u of another phone (%s)", ours.text,
					    ours.prefix, theirs.text, theirs.prefix, other_place);
	}
	if (same_phone && other->mode != end->mode)
		return report_error(report, -EINVAL, "mode=l%c differs from the other end's (%s)",
				    end->mode == NETKIT_L2 ? '2' : '3', other_place);
	return 0;
}

int config_check_end(const struct topology *topology, const struct config_origin (*origins)[2],
		     size_t phone, int side, struct report *report)
{
	const struct phone_end *end = &topology->phones[phone].ends[side];
	int error = check_alone(end, report);

	/* The ends read before it: both of each phone before its own, then
	 * (for its second end) the first end of its own phone. */
	for (size_t earlier = 0; !error && earlier <= phone; earlier++) {
		int sides = earlier < phone ? 2 : side;

		for (int earlier_side = 0; !error && earlier_side < sides; earlier_side++) {
			char place[PLACE_MAX];

			origin_text(place, sizeof(place), &origins[earlier][earlier_side]);
			error = check_pair(&topology->phones[earlier].ends[earlier_side], end,
					   earlier == phone, place, report);
		}
	}
	return error;
}
