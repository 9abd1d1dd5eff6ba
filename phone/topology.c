/* topology.c — the default phone. */
#include <string.h>
#include <arpa/inet.h>

#include "phone.h"
#include "../syscalls/uapi_compat.h"
#include "../format/format.h"

static void end_init(struct phone_end *end, int number)
{
	format_string(end->netns, sizeof(end->netns), "yogurt-%d", number);
	format_string(end->host_device, sizeof(end->host_device), "yg%d-host", number);
	format_string(end->device, sizeof(end->device), "yg%d-cont", number);
	end->address.s_addr = htonl(0x0a2a0000u | (uint32_t)number);	/* 10.42.0.N */
	end->prefix_length = 24;
	end->address6.s6_addr[0] = 0xfd;				/* fd42::N */
	end->address6.s6_addr[1] = 0x42;
	end->address6.s6_addr[15] = (uint8_t)number;
	end->prefix6_length = 64;
	end->mode = NETKIT_L3;
}

void topology_default(struct topology *topology)
{
	memset(topology, 0, sizeof(*topology));
	end_init(&topology->phones[0].ends[0], 1);
	end_init(&topology->phones[0].ends[1], 2);
	topology->count = 1;
}
