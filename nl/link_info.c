/* link_info.c — reading one RTM_NEWLINK message into a struct nl_link_info. */
#include <errno.h>
#include <string.h>

#include "nl.h"

/* Copies a string attribute into a fixed field, truncating if need be. */
static int copy_name(char *field, size_t size, const struct nlattr *attr)
{
	const char *value;

	if (nl_attr_string(attr, &value) < 0)
		return -EINVAL;
	nl_attr_copy_text(field, size, attr);
	return 0;
}

/* An attribute a message may leave out: then the field keeps its value. */
static int optional_u32(const struct nlattr *attr, uint32_t *field)
{
	return attr ? nl_attr_u32(attr, field) : 0;
}

/* The netkit attributes a reply may hold, those of kernels newer than
 * these headers too (the selftest reports which ones came). */
#define NETKIT_ATTRIBUTES_MAX 31

/* A u16 attribute (nl.h has no reader of its own for the two there are). */
static int optional_u16(const struct nlattr *attr, uint16_t *field)
{
	if (!attr)
		return 0;
	if (nl_attr_len(attr) < sizeof(*field))
		return -EINVAL;
	memcpy(field, nl_attr_data(attr), sizeof(*field));
	return 0;
}

static int parse_netkit(const struct nlattr *data, struct nl_link_info *info)
{
	const struct nlattr *table[NETKIT_ATTRIBUTES_MAX + 1];
	uint8_t primary;

	if (nl_attr_parse(nl_attr_data(data), nl_attr_len(data), table,
			  NETKIT_ATTRIBUTES_MAX) < 0)
		return -EINVAL;
	for (uint32_t type = 1; type <= NETKIT_ATTRIBUTES_MAX; type++)
		if (table[type])
			info->netkit_attributes |= 1u << type;
	if (table[IFLA_NETKIT_PRIMARY]) {
		if (nl_attr_u8(table[IFLA_NETKIT_PRIMARY], &primary) < 0)
			return -EINVAL;
		info->netkit_primary = primary ? 1 : 0;
	}
	if (optional_u32(table[IFLA_NETKIT_POLICY], &info->netkit_policy) < 0 ||
	    optional_u32(table[IFLA_NETKIT_PEER_POLICY], &info->netkit_peer_policy) < 0 ||
	    optional_u32(table[IFLA_NETKIT_MODE], &info->netkit_mode) < 0 ||
	    optional_u32(table[NETKIT_ATTRIBUTE_SCRUB], &info->netkit_scrub) < 0 ||
	    optional_u32(table[NETKIT_ATTRIBUTE_PEER_SCRUB], &info->netkit_peer_scrub) < 0 ||
	    optional_u16(table[NETKIT_ATTRIBUTE_HEADROOM], &info->netkit_headroom) < 0 ||
	    optional_u16(table[NETKIT_ATTRIBUTE_TAILROOM], &info->netkit_tailroom) < 0)
		return -EINVAL;
	return 0;
}

static int parse_linkinfo(const struct nlattr *linkinfo, struct nl_link_info *info)
{
	const struct nlattr *table[IFLA_INFO_MAX + 1];

	if (nl_attr_parse(nl_attr_data(linkinfo), nl_attr_len(linkinfo), table,
			  IFLA_INFO_MAX) < 0)
		return -EINVAL;
	if (!table[IFLA_INFO_KIND])
		return 0;
	if (copy_name(info->kind, sizeof(info->kind), table[IFLA_INFO_KIND]) < 0)
		return -EINVAL;
	if (strcmp(info->kind, "netkit") == 0 && table[IFLA_INFO_DATA])
		return parse_netkit(table[IFLA_INFO_DATA], info);
	return 0;
}

int nl_link_info_parse(const struct nlmsghdr *message, struct nl_link_info *info)
{
	const struct nlattr *table[IFLA_MAX + 1];
	const size_t attrs_offset = NLMSG_LENGTH(NLMSG_ALIGN(sizeof(struct ifinfomsg)));
	struct nlmsghdr header;
	struct ifinfomsg link;
	uint32_t netnsid;

	memset(info, 0, sizeof(*info));
	info->netkit_primary = -1;
	info->link_netnsid = -1;

	/* Copied, not dereferenced: the message may be misaligned garbage.
	 * nlmsg_len bytes are all we trust to be readable. */
	memcpy(&header, message, sizeof(header));
	if (header.nlmsg_type != RTM_NEWLINK || header.nlmsg_len < attrs_offset)
		return -EINVAL;
	memcpy(&link, (const char *)message + NLMSG_HDRLEN, sizeof(link));
	if (link.ifi_index <= 0)
		return -EINVAL;
	info->ifindex = (uint32_t)link.ifi_index;
	info->flags = link.ifi_flags;

	if (nl_attr_parse((const char *)message + attrs_offset,
			  header.nlmsg_len - attrs_offset, table, IFLA_MAX) < 0)
		return -EINVAL;
	if (table[IFLA_IFNAME] &&
	    copy_name(info->name, sizeof(info->name), table[IFLA_IFNAME]) < 0)
		return -EINVAL;
	netnsid = (uint32_t)info->link_netnsid;
	if (optional_u32(table[IFLA_MTU], &info->mtu) < 0 ||
	    optional_u32(table[IFLA_LINK], &info->peer_ifindex) < 0 ||
	    optional_u32(table[IFLA_LINK_NETNSID], &netnsid) < 0)
		return -EINVAL;
	info->link_netnsid = (int32_t)netnsid;
	if (table[IFLA_STATS64]) {
		struct rtnl_link_stats64 stats;

		/* Older kernels send a shorter structure: only what came. */
		memset(&stats, 0, sizeof(stats));
		memcpy(&stats, nl_attr_data(table[IFLA_STATS64]),
		       nl_attr_len(table[IFLA_STATS64]) < sizeof(stats) ?
		       nl_attr_len(table[IFLA_STATS64]) : sizeof(stats));
		info->tx_dropped = stats.tx_dropped;
	}
	if (table[IFLA_LINKINFO])
		return parse_linkinfo(table[IFLA_LINKINFO], info);
	return 0;
}
