/* address.c — putting an IPv4 or IPv6 address on a device. */
#include <errno.h>
#include <sys/socket.h>

#include "nl.h"
#include "internal.h"

int nl_address_add(struct nl_socket *socket, uint32_t ifindex, int family,
		   const void *address, uint8_t prefix_length)
{
	_Alignas(struct nlmsghdr) char buffer[NL_REQUEST_SIZE];
	struct nl_message message;
	struct ifaddrmsg *header;
	size_t address_len;

	if (family == AF_INET)
		address_len = 4;
	else if (family == AF_INET6)
		address_len = 16;
	else
		return -EAFNOSUPPORT;
	if (prefix_length > address_len * 8)
		return -EINVAL;

	nl_message_init(&message, buffer, sizeof(buffer), RTM_NEWADDR,
			NLM_F_CREATE | NLM_F_REPLACE);
	header = nl_put_header(&message, sizeof(*header));
	if (!header)
		return -EMSGSIZE;
	header->ifa_family = (uint8_t)family;
	header->ifa_prefixlen = prefix_length;
	header->ifa_scope = RT_SCOPE_UNIVERSE;
	header->ifa_index = ifindex;
	/* No point-to-point peer: the local address and the address are one,
	 * as ip(8) sends them. */
	if (nl_put_attr(&message, IFA_LOCAL, address, address_len) < 0 ||
	    nl_put_attr(&message, IFA_ADDRESS, address, address_len) < 0)
		return -EMSGSIZE;
	if (family == AF_INET6) {
		/* No duplicate address detection: an L3 device has no
		 * neighbours to ask, and a tentative address cannot be used. */
		header->ifa_flags = IFA_F_NODAD;
		if (nl_put_u32(&message, IFA_FLAGS, IFA_F_NODAD) < 0)
			return -EMSGSIZE;
	}
	return nl_request(socket, &message);
}
