/* address.c — putting an IPv4 or IPv6 address on a device. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "nl.h"
#include "internal.h"

/* Starts an RTM_NEWADDR/RTM_DELADDR request for address/prefix on ifindex. */
static struct ifaddrmsg *address_message(struct nl_message *message, void *buffer, size_t size, uint16_t type,
					 uint16_t flags, uint32_t ifindex, int family, const void *address,
					 uint8_t prefix_length)
{
	size_t address_len = family == AF_INET6 ? 16 : 4;
	struct ifaddrmsg *header;

	nl_message_init(message, buffer, size, type, flags);
	header = nl_put_header(message, sizeof(*header));
	if (!header)
		return NULL;
	header->ifa_family = (uint8_t)family;
	header->ifa_prefixlen = prefix_length;
	header->ifa_scope = RT_SCOPE_UNIVERSE;
	header->ifa_index = ifindex;
	/* No point-to-point peer: the local address and the address are one,
	 * as ip(8) sends them. */
	if (nl_put_attr(message, IFA_LOCAL, address, address_len) < 0 ||
	    nl_put_attr(message, IFA_ADDRESS, address, address_len) < 0)
		return NULL;
	return header;
}

int nl_address_delete(struct nl_socket *socket, uint32_t ifindex, int family,
		      const void *address, uint8_t prefix_length)
{
	_Alignas(struct nlmsghdr) char buffer[NL_REQUEST_SIZE];
	struct nl_message message;

	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	if (!address_message(&message, buffer, sizeof(buffer), RTM_DELADDR, 0, ifindex, family, address,
			     prefix_length))
		return -EMSGSIZE;
	return nl_request(socket, &message);
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
	size_t size;

	if (reply->nlmsg_type != RTM_NEWADDR || reply->nlmsg_len < NLMSG_LENGTH(sizeof(header)))
		return 0;
	memcpy(&header, NLMSG_DATA(reply), sizeof(header));
	if (header.ifa_index != walk->ifindex || (header.ifa_family != AF_INET && header.ifa_family != AF_INET6))
		return 0;
	if (nl_attr_parse((const char *)NLMSG_DATA(reply) + NLMSG_ALIGN(sizeof(header)),
			  reply->nlmsg_len - NLMSG_LENGTH(NLMSG_ALIGN(sizeof(header))), table, IFA_MAX) < 0)
		return -EBADMSG;
	attribute = table[IFA_LOCAL] ? table[IFA_LOCAL] : table[IFA_ADDRESS];
	size = header.ifa_family == AF_INET6 ? 16 : 4;
	if (!attribute || nl_attr_len(attribute) < size)
		return 0;
	address.family = header.ifa_family;
	memcpy(address.address, nl_attr_data(attribute), size);
	address.prefix_length = header.ifa_prefixlen;
	address.scope = header.ifa_scope;
	return walk->visit(&address, walk->context);
}

int nl_address_list(struct nl_socket *socket, uint32_t ifindex,
		    int (*visit)(const struct nl_address *address, void *context), void *context)
{
	_Alignas(struct nlmsghdr) char buffer[NL_REQUEST_SIZE];
	struct address_walk walk = { .ifindex = ifindex, .visit = visit, .context = context };
	struct nl_message message;

	nl_message_init(&message, buffer, sizeof(buffer), RTM_GETADDR, 0);
	if (!nl_put_header(&message, sizeof(struct ifaddrmsg)))
		return -EMSGSIZE;
	return nl_dump(socket, &message, visit_address, &walk);
}

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

	header = address_message(&message, buffer, sizeof(buffer), RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE,
				 ifindex, family, address, prefix_length);
	if (!header)
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
