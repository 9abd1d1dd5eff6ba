/* route.c — a route straight out of a device (no gateway): enough for L3
 * netkit, which has no neighbours to resolve. */
#include <errno.h>
#include <sys/socket.h>

#include "internal.h"

int nl_route_add(struct nl_socket *socket, int family, const void *destination,
		 uint8_t prefix_length, uint32_t ifindex)
{
	_Alignas(struct nlmsghdr) char buffer[NL_REQUEST_SIZE];
	int size = nl_address_size(family, prefix_length);
	struct nl_message message;
	struct rtmsg *header;

	if (size < 0)
		return -EINVAL;
	header = nl_message_start(&message, buffer, sizeof(buffer), RTM_NEWROUTE,
				  NLM_F_CREATE | NLM_F_REPLACE, sizeof(*header));
	if (!header)
		return -EMSGSIZE;
	header->rtm_family = (uint8_t)family;
	header->rtm_dst_len = prefix_length;
	header->rtm_table = RT_TABLE_MAIN;
	header->rtm_protocol = RTPROT_BOOT;
	header->rtm_scope = RT_SCOPE_LINK;
	header->rtm_type = RTN_UNICAST;
	if ((prefix_length > 0 &&
	     nl_put_attr(&message, RTA_DST, destination, (size_t)size) < 0) ||
	    nl_put_u32(&message, RTA_OIF, ifindex) < 0)
		return -EMSGSIZE;
	return nl_request(socket, &message);
}
