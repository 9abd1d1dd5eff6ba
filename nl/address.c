/* address.c — putting an IPv4 or IPv6 address on a device, and listing them. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "internal.h"

int nl_address_size(int family, unsigned prefix_length)
{
	int size;

	if (family == AF_INET)
		size = 4;
	else if (family == AF_INET6)
		size = 16;
	else
		return -EAFNOSUPPORT;
	return prefix_length > (unsigned)size * 8 ? -EINVAL : size;
}

/* RTM_NEWADDR (creating or replacing it) or RTM_DELADDR of
 * address/prefix_length on ifindex. */
static int address_request(struct nl_socket *socket, uint16_t type, uint32_t ifindex,
			   int family, const void *address, uint8_t prefix_length)
{
	_Alignas(struct nlmsghdr) char buffer[NL_REQUEST_SIZE];
	int size = nl_address_size(family, prefix_length);
	int adding = type == RTM_NEWADDR;
	struct nl_message message;
	struct ifaddrmsg *header;

	if (size < 0)
		return size;
	header = nl_message_start(&message, buffer, sizeof(buffer), type,
				  adding ? NLM_F_CREATE | NLM_F_REPLACE : 0, sizeof(*header));
	if (!header)
		return -EMSGSIZE;
	header->ifa_family = (uint8_t)family;
	header->ifa_prefixlen = prefix_length;
	header->ifa_scope = RT_SCOPE_UNIVERSE;
	header->ifa_index = ifindex;
	/* No point-to-point peer: the local address and the address are one,
	 * as ip(8) sends them. */
	if (nl_put_attr(&message, IFA_LOCAL, address, (size_t)size) < 0 ||
	    nl_put_attr(&message, IFA_ADDRESS, address, (size_t)size) < 0)
		return -EMSGSIZE;
	if (adding && family == AF_INET6) {
		/* No duplicate address detection: an L3 device has no
		 * neighbours to ask, and a tentative address cannot be used. */
		header->ifa_flags = IFA_F_NODAD;
		if (nl_put_u32(&message, IFA_FLAGS, IFA_F_NODAD) < 0)
			return -EMSGSIZE;
	}
	return nl_request(socket, &message);
}

int nl_address_add(struct nl_socket *socket, uint32_t ifindex, int family,
		   const void *address, uint8_t prefix_length)
{
	return address_request(socket, RTM_NEWADDR, ifindex, family, address, prefix_length);
}

int nl_address_delete(struct nl_socket *socket, uint32_t ifindex, int family,
		      const void *address, uint8_t prefix_length)
{
	return address_request(socket, RTM_DELADDR, ifindex, family, address, prefix_length);
}

struct address_walk {
	uint32_t ifindex;
	int (*visit)(const struct nl_address *address, void *context);
	void *context;
};

static int visit_address(const struct nlmsghdr *reply, void *context)
{
	struct address_walk *walk = context;
	const struct nlattr *table[IFA_MAX + 1];
	const struct nlattr *attribute;
	struct nl_address address = { 0 };
	struct ifaddrmsg header;
	int size;

	if (reply->nlmsg_type != RTM_NEWADDR || reply->nlmsg_len < NLMSG_LENGTH(sizeof(header)))
		return 0;
	memcpy(&header, NLMSG_DATA(reply), sizeof(header));
	size = nl_address_size(header.ifa_family, 0);
	if (header.ifa_index != walk->ifindex || size < 0)
		return 0;
	if (nl_attr_parse((const char *)NLMSG_DATA(reply) + NLMSG_ALIGN(sizeof(header)),
			  reply->nlmsg_len - NLMSG_LENGTH(NLMSG_ALIGN(sizeof(header))), table,
			  IFA_MAX) < 0)
		return -EBADMSG;
	attribute = table[IFA_LOCAL] ? table[IFA_LOCAL] : table[IFA_ADDRESS];
	if (!attribute || nl_attr_len(attribute) < (size_t)size)
		return 0;
	address.family = header.ifa_family;
	memcpy(address.address, nl_attr_data(attribute), (size_t)size);
	address.prefix_length = header.ifa_prefixlen;
	address.scope = header.ifa_scope;
	return walk->visit(&address, walk->context);
}

int nl_address_list(struct nl_socket *socket, uint32_t ifindex,
		    int (*visit)(const struct nl_address *address, void *context),
		    void *context)
{
	_Alignas(struct nlmsghdr) char buffer[NL_REQUEST_SIZE];
	struct address_walk walk = { .ifindex = ifindex, .visit = visit, .context = context };
	struct nl_message message;

	if (!nl_message_start(&message, buffer, sizeof(buffer), RTM_GETADDR, 0,
			      sizeof(struct ifaddrmsg)))
		return -EMSGSIZE;
	return nl_dump(socket, &message, visit_address, &walk);
}
