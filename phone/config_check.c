/* config_check.c — refusing a phone end before anything touches the system:
 * names and addresses used twice, addresses that are a network's own, the
 * two ends of a phone not in one network, two phones in the same one. Each
 * end is checked as it is read, against the ends before it through an
 * index; the overlaps of networks, once all are read, by sorting them: the
 * checks of a thousand phones cost a thousand times those of one. */
#include <errno.h>
#include <string.h>

#include "config.h"
#include "../syscalls/uapi_compat.h"
#include "../format/format.h"
#include "../memory/memory.h"

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

/* The names and addresses of the end against those of every end read
 * before it, through the index. */
static int check_names(struct config_checks *checks, const struct topology *topology, size_t end,
		       struct report *report)
{
	const struct phone_end *phone_end = topology_end(topology, end);
	const char *names[] = { phone_end->netns, phone_end->host_device, phone_end->device };
	struct end_clash clash;
	char place[PLACE_MAX], address[FORMAT_ADDRESS_MAX];
	int error = end_index_add(&checks->names, topology, end, &clash);

	if (error == -ENOMEM)
		return report_error(report, error, "out of memory for the names of the phones");
	if (error)
		origin_text(place, sizeof(place),
			    &checks->origins[clash.end / PHONE_ENDS][clash.end % PHONE_ENDS]);
	if (error && clash.field == END_NETNS)
		return report_error(report, -EINVAL, "namespace \"%s\" is already used at %s",
				    phone_end->netns, place);
	if (error && clash.field < END_IPV4)
		return report_error(report, -EINVAL, "device \"%s\" is already used at %s",
				    names[clash.field], place);
	if (error) {
		int family = clash.field - END_IPV4;

		format_address(address, phone_families[family].family,
			       phone_end->addresses[family].bytes);
		return report_error(report, -EINVAL, "address %s is already used at %s", address,
				    place);
	}
	return 0;
}

/* The second end against the first of its phone (at other_place): one
 * network per family, one mode. */
static int check_phone(const struct phone_end *other, const struct phone_end *end,
		       const char *other_place, struct report *report)
{
	for (int family = 0; family < PHONE_FAMILIES; family++) {
		struct network theirs, ours;

		end_network(&theirs, other, family);
		end_network(&ours, end, family);
		if (!theirs.prefix != !ours.prefix)
			return report_error(report, -EINVAL, "this end has %s IPv%c address, the "
					    "other end (%s) %s", ours.prefix ? "an" : "no",
					    phone_families[family].version, other_place,
					    ours.prefix ? "none" : "has one");
		if (theirs.prefix != ours.prefix ||
		    !same_prefix(theirs.bytes, ours.bytes, ours.prefix))
			return report_error(report, -EINVAL, "%s/%u is not in the network of the "
					    "other end, %s/%u (%s)", ours.text, ours.prefix,
					    theirs.text, theirs.prefix, other_place);
	}
	if (other->mode != end->mode)
		return report_error(report, -EINVAL, "mode=l%c differs from the other end's (%s)",
				    end->mode == NETKIT_L2 ? '2' : '3', other_place);
	return 0;
}

int config_checks_reserve(struct config_checks *checks, size_t phones)
{
	return memory_reserve(&checks->origins, &checks->capacity, phones,
			      sizeof(*checks->origins));
}

int config_check_end(struct config_checks *checks, const struct topology *topology, size_t phone,
		     int side, struct report *report)
{
	const struct phone_end *end = &topology->phones[phone].ends[side];
	int error = check_alone(end, report);

	if (!error)
		error = check_names(checks, topology, phone * PHONE_ENDS + (size_t)side, report);
	if (!error && side == PHONE_END_SECOND) {
		char place[PLACE_MAX];

		origin_text(place, sizeof(place), &checks->origins[phone][PHONE_END_FIRST]);
		error = check_phone(&topology->phones[phone].ends[PHONE_END_FIRST], end, place,
				    report);
	}
	return error;
}

/* A phone's network of one family, for the overlap check: its address with
 * the host bits cleared. */
struct phone_network {
	uint8_t bytes[16];
	uint8_t family, prefix;
	uint32_t phone;
};

/* Family, then address, then prefix length: a network comes right after
 * any network that holds it. */
static int network_before(const struct phone_network *a, const struct phone_network *b)
{
	int order = a->family != b->family ? a->family - b->family
					   : memcmp(a->bytes, b->bytes, sizeof(a->bytes));

	return order ? order < 0 : a->prefix < b->prefix;
}

/* Heapsort: n log n at any size, no recursion, no musl qsort. */
static void sift_down(struct phone_network *networks, size_t root, size_t count)
{
	for (size_t child; (child = 2 * root + 1) < count; root = child) {
		struct phone_network swap;

		if (child + 1 < count && network_before(&networks[child], &networks[child + 1]))
			child++;
		if (!network_before(&networks[root], &networks[child]))
			return;
		swap = networks[root];
		networks[root] = networks[child];
		networks[child] = swap;
	}
}

static void sort_networks(struct phone_network *networks, size_t count)
{
	for (size_t root = count / 2; root-- > 0;)
		sift_down(networks, root, count);
	for (size_t last = count; last-- > 1;) {
		struct phone_network swap = networks[0];

		networks[0] = networks[last];
		networks[last] = swap;
		sift_down(networks, 0, last);
	}
}

/* Networks do not partly overlap: two either are disjoint or one holds the
 * other. Sorted, a network that overlaps any before it overlaps the one
 * right before it, unless that one already overlaps another. */
int config_check_networks(struct config_checks *checks, const struct topology *topology,
			  struct report *report)
{
	struct phone_network *networks;
	size_t count = 0, later = SIZE_MAX, earlier = 0;
	int family = 0;

	if (topology->count < 2)
		return 0;
	networks = memory_allocate(topology->count * PHONE_FAMILIES * sizeof(*networks));
	if (!networks)
		return report_error(report, -ENOMEM, "out of memory for the phones' networks");
	for (size_t phone = 0; phone < topology->count; phone++)
		for (family = 0; family < PHONE_FAMILIES; family++) {
			const struct phone_address *address =
				&topology->phones[phone].ends[PHONE_END_FIRST].addresses[family];
			struct phone_network *network = &networks[count];

			if (!address->prefix_length)
				continue;
			count++;
			*network = (struct phone_network){ .family = (uint8_t)family,
							   .prefix = address->prefix_length,
							   .phone = (uint32_t)phone };
			for (unsigned bit = 0; bit < address->prefix_length; bit++)
				network->bytes[bit / 8] |= address->bytes[bit / 8] &
							   (0x80 >> bit % 8);
		}
	sort_networks(networks, count);
	/* Of the overlaps so found, the one whose later phone comes first. */
	for (size_t at = 1; at < count; at++) {
		const struct phone_network *a = &networks[at - 1], *b = &networks[at];
		size_t last = a->phone > b->phone ? a->phone : b->phone;

		if (a->family == b->family && same_prefix(a->bytes, b->bytes, a->prefix) &&
		    last < later) {
			later = last;
			earlier = a->phone + b->phone - last;
			family = a->family;
		}
	}
	memory_free(networks);
	if (later == SIZE_MAX)
		return 0;
	{
		struct network theirs, ours;
		char place[PLACE_MAX];

		end_network(&theirs, &topology->phones[earlier].ends[PHONE_END_FIRST], family);
		end_network(&ours, &topology->phones[later].ends[PHONE_END_FIRST], family);
		origin_text(place, sizeof(place), &checks->origins[earlier][PHONE_END_FIRST]);
		report_error(report, -EINVAL, "%s/%u overlaps %s/%u of another phone (%s)",
			     ours.text, ours.prefix, theirs.text, theirs.prefix, place);
	}
	return config_locate(report, &checks->origins[later][PHONE_END_FIRST], -EINVAL);
}

void config_checks_free(struct config_checks *checks)
{
	memory_free(checks->origins);
	end_index_free(&checks->names);
	*checks = (struct config_checks){ 0 };
}
