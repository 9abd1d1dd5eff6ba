/* link.c — network devices: netkit pairs, up, move, delete, look up, list. */
#include <errno.h>
#include <string.h>
#include <net/if.h>

#include "nl.h"
#include "internal.h"

int nl_device_name_check(const char *name)
{
	if (!name || name[0] == '\0' || strnlen(name, IFNAMSIZ) >= IFNAMSIZ)
		return -EINVAL;
	return 0;
}

/* Starts an RTM_*LINK request in buffer: its ifinfomsg (AF_UNSPEC, as
 * zeroed), or NULL. */
static struct ifinfomsg *link_message_init(struct nl_message *message, void *buffer,
					   size_t size, uint16_t type, uint16_t flags)
{
	return nl_message_start(message, buffer, size, type, flags, sizeof(struct ifinfomsg));
}

int nl_netkit_message(struct nl_message *message, const struct netkit_pair *pair)
{
	struct nlattr *linkinfo, *data, *peer;

	if (nl_device_name_check(pair->primary_name) < 0 ||
	    nl_device_name_check(pair->peer_name) < 0)
		return -EINVAL;
	if (nl_put_string(message, IFLA_IFNAME, pair->primary_name) < 0 ||
	    (pair->mtu && nl_put_u32(message, IFLA_MTU, pair->mtu) < 0))
		return -EMSGSIZE;
	/* Plain (not NLA_F_NESTED) nest types, as ip(8) sends them. */
	linkinfo = nl_nest_start(message, IFLA_LINKINFO);
	if (!linkinfo || nl_put_string(message, IFLA_INFO_KIND, "netkit") < 0)
		return -EMSGSIZE;
	data = nl_nest_start(message, IFLA_INFO_DATA);
	if (!data ||
	    nl_put_u32(message, IFLA_NETKIT_POLICY, pair->policy) < 0 ||
	    nl_put_u32(message, IFLA_NETKIT_PEER_POLICY, pair->peer_policy) < 0 ||
	    nl_put_u32(message, IFLA_NETKIT_MODE, pair->mode) < 0 ||
	    (pair->send_scrub &&
	     (nl_put_u32(message, NETKIT_ATTRIBUTE_SCRUB, pair->scrub) < 0 ||
	      nl_put_u32(message, NETKIT_ATTRIBUTE_PEER_SCRUB, pair->peer_scrub) < 0)) ||
	    (pair->headroom &&
	     nl_put_attr(message, NETKIT_ATTRIBUTE_HEADROOM, &pair->headroom, 2) < 0) ||
	    (pair->tailroom &&
	     nl_put_attr(message, NETKIT_ATTRIBUTE_TAILROOM, &pair->tailroom, 2) < 0))
		return -EMSGSIZE;
	/* The peer is described like a link of its own: an ifinfomsg, then
	 * its attributes — the same layout veth uses for VETH_INFO_PEER. */
	peer = nl_nest_start(message, IFLA_NETKIT_PEER_INFO);
	if (!peer || !nl_put_header(message, sizeof(struct ifinfomsg)) ||
	    nl_put_string(message, IFLA_IFNAME, pair->peer_name) < 0)
		return -EMSGSIZE;
	if ((pair->peer_netns_fd >= 0 &&
	     nl_put_u32(message, IFLA_NET_NS_FD, (uint32_t)pair->peer_netns_fd) < 0) ||
	    (pair->mtu && nl_put_u32(message, IFLA_MTU, pair->mtu) < 0))
		return -EMSGSIZE;
	nl_nest_end(message, peer);
	nl_nest_end(message, data);
	nl_nest_end(message, linkinfo);
	return 0;
}

int nl_netkit_create(struct nl_socket *socket, const struct netkit_pair *pair)
{
	_Alignas(struct nlmsghdr) char buffer[NL_REQUEST_SIZE];
	struct nl_message message;
	int err;

	if (!link_message_init(&message, buffer, sizeof(buffer), RTM_NEWLINK,
			       NLM_F_CREATE | NLM_F_EXCL))
		return -EMSGSIZE;
	err = nl_netkit_message(&message, pair);
	if (err < 0)
		return err;
	return nl_request(socket, &message);
}

/* RTM_DELLINK or RTM_GETLINK of the device called name, with NLM_F_ACK;
 * its replies go to visit (may be NULL), as nl_transact says. */
static int link_by_name(struct nl_socket *socket, uint16_t type, const char *name,
			nl_visit_fn visit, void *context)
{
	_Alignas(struct nlmsghdr) char buffer[NL_REQUEST_SIZE];
	struct nl_message message;

	if (nl_device_name_check(name) < 0)
		return -EINVAL;
	if (!link_message_init(&message, buffer, sizeof(buffer), type, NLM_F_ACK) ||
	    nl_put_string(&message, IFLA_IFNAME, name) < 0)
		return -EMSGSIZE;
	return nl_transact(socket, &message, visit, context);
}

int nl_link_delete(struct nl_socket *socket, const char *name)
{
	return link_by_name(socket, RTM_DELLINK, name, NULL, NULL);
}

int nl_link_delete_index(struct nl_socket *socket, uint32_t ifindex)
{
	_Alignas(struct nlmsghdr) char buffer[NL_REQUEST_SIZE];
	struct nl_message message;
	struct ifinfomsg *link;

	link = link_message_init(&message, buffer, sizeof(buffer), RTM_DELLINK, 0);
	if (!link)
		return -EMSGSIZE;
	link->ifi_index = (int)ifindex;
	return nl_request(socket, &message);
}

int nl_link_index(struct nl_socket *socket, const char *name, uint32_t *ifindex)
{
	struct nl_link_info info;
	int err = nl_link_get(socket, name, &info);

	if (err == 0)
		*ifindex = info.ifindex;
	return err;
}

static int keep_info(const struct nlmsghdr *reply, void *context)
{
	if (reply->nlmsg_type != RTM_NEWLINK)
		return -EBADMSG;
	return nl_link_info_parse(reply, context) < 0 ? -EBADMSG : 1;
}

int nl_link_get(struct nl_socket *socket, const char *name, struct nl_link_info *info)
{
	int err = link_by_name(socket, RTM_GETLINK, name, keep_info, info);

	if (err < 0)
		return err;
	return err == 0 ? -ENODEV : 0;
}

int nl_device_index(const char *name)
{
	struct nl_socket socket;
	uint32_t ifindex = 0;
	int error = nl_open(&socket);

	if (error < 0)
		return error;
	error = nl_link_index(&socket, name, &ifindex);
	nl_close(&socket);
	return error < 0 ? error : (int)ifindex;
}

/* The one RTM_NEWLINK on an existing ifindex: the flags of up (IFF_UP, or
 * 0 for none) set, and one u32 attribute unless type is IFLA_UNSPEC. */
static int link_change(struct nl_socket *socket, uint32_t ifindex, uint32_t up,
		       uint16_t type, uint32_t value)
{
	_Alignas(struct nlmsghdr) char buffer[NL_REQUEST_SIZE];
	struct nl_message message;
	struct ifinfomsg *link;

	link = link_message_init(&message, buffer, sizeof(buffer), RTM_NEWLINK, 0);
	if (!link)
		return -EMSGSIZE;
	link->ifi_index = (int)ifindex;
	link->ifi_flags = up;
	link->ifi_change = up;
	if (type != IFLA_UNSPEC && nl_put_u32(&message, type, value) < 0)
		return -EMSGSIZE;
	return nl_request(socket, &message);
}

int nl_link_set_mtu(struct nl_socket *socket, uint32_t ifindex, uint32_t mtu)
{
	return link_change(socket, ifindex, 0, IFLA_MTU, mtu);
}

int nl_link_set_up(struct nl_socket *socket, uint32_t ifindex)
{
	return link_change(socket, ifindex, IFF_UP, IFLA_UNSPEC, 0);
}

int nl_link_rename(struct nl_socket *socket, uint32_t ifindex, const char *name)
{
	_Alignas(struct nlmsghdr) char buffer[NL_REQUEST_SIZE];
	struct nl_message message;
	struct ifinfomsg *link;

	if (nl_device_name_check(name) < 0)
		return -EINVAL;
	link = link_message_init(&message, buffer, sizeof(buffer), RTM_NEWLINK, 0);
	if (!link || nl_put_string(&message, IFLA_IFNAME, name) < 0)
		return -EMSGSIZE;
	link->ifi_index = (int)ifindex;
	return nl_request(socket, &message);
}

int nl_link_set_netns(struct nl_socket *socket, uint32_t ifindex, int netns_fd)
{
	if (netns_fd < 0)
		return -EBADF;
	return link_change(socket, ifindex, 0, IFLA_NET_NS_FD, (uint32_t)netns_fd);
}

struct link_walk {
	int (*visit)(const struct nl_link_info *link, void *context);
	void *context;
};

static int visit_link(const struct nlmsghdr *reply, void *context)
{
	struct link_walk *walk = context;
	struct nl_link_info info;
	int err;

	if (reply->nlmsg_type != RTM_NEWLINK)
		return 0;
	err = nl_link_info_parse(reply, &info);
	if (err < 0)
		return err;
	return walk->visit(&info, walk->context);
}

int nl_link_list(struct nl_socket *socket,
		 int (*visit)(const struct nl_link_info *link, void *context),
		 void *context)
{
	_Alignas(struct nlmsghdr) char buffer[NL_REQUEST_SIZE];
	struct nl_message message;
	struct link_walk walk = { .visit = visit, .context = context };

	if (!link_message_init(&message, buffer, sizeof(buffer), RTM_GETLINK, 0))
		return -EMSGSIZE;
	return nl_dump(socket, &message, visit_link, &walk);
}
