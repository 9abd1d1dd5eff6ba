/* topology.c — the address families, the growing array of phones and the
 * default phone. */
#include <errno.h>
#include <string.h>

#include "phone.h"
#include "../syscalls/uapi_compat.h"
#include "../format/format.h"
#include "../memory/memory.h"

const struct phone_family phone_families[PHONE_FAMILIES] = {
	[PHONE_IPV4] = { AF_INET, 4, '4' },
	[PHONE_IPV6] = { AF_INET6, 16, '6' },
};

int phone_end_has_address(const struct phone_end *end, int family, const void *bytes,
			  unsigned prefix_length)
{
	int index = phone_family_index(family);
	const struct phone_address *address = &end->addresses[index];

	return phone_families[index].family == family && address->prefix_length &&
	       address->prefix_length == prefix_length &&
	       memcmp(address->bytes, bytes, phone_families[index].size) == 0;
}

static void end_init(struct phone_end *end, int number)
{
	format_string(end->netns, sizeof(end->netns), "yogurt-%d", number);
	format_string(end->host_device, sizeof(end->host_device), "yg%d-host", number);
	format_string(end->device, sizeof(end->device), "yg%d-cont", number);
	end->addresses[PHONE_IPV4] = (struct phone_address){ { 10, 42, 0, (uint8_t)number }, 24 };
	end->addresses[PHONE_IPV6] =
		(struct phone_address){ { 0xfd, 0x42, [15] = (uint8_t)number }, 64 };
	end->mode = NETKIT_L3;
}

struct phone *topology_add_phone(struct topology *topology)
{
	struct phone *phone;

	if (memory_reserve(&topology->phones, &topology->capacity, topology->count + 1,
			   sizeof(*topology->phones)))
		return NULL;
	phone = &topology->phones[topology->count++];
	memset(phone, 0, sizeof(*phone));
	return phone;
}

void topology_free(struct topology *topology)
{
	memory_free(topology->phones);
	topology->phones = NULL;
	topology->count = topology->capacity = 0;
}

int topology_default(struct topology *topology)
{
	struct phone *phone;

	topology->count = 0;
	phone = topology_add_phone(topology);
	if (!phone)
		return -ENOMEM;
	end_init(&phone->ends[0], 1);
	end_init(&phone->ends[1], 2);
	return 0;
}
