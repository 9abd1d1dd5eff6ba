/* nl — rtnetlink by hand.
 *
 * A tiny netlink layer in the spirit of libmnl: a caller-owned buffer holds
 * one request; attributes are appended with nl_put_*; nl_request() sends it
 * with NLM_F_ACK and waits for the kernel's answer, keeping the kernel's
 * extended-ACK message (if any) in the socket so the caller can quote it.
 *
 * All functions return 0 (or a non-negative value where said) on success and
 * a negative errno on failure. None of them prints anything.
 */
#ifndef YOGURT_NL_H
#define YOGURT_NL_H

#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include "../syscalls/uapi_compat.h"

/* ---- socket ------------------------------------------------------------ */

#define NL_ERROR_MAX 256

struct nl_socket {
	int fd;
	uint32_t sequence;
	/* The kernel's own words about the last failed request (extended ACK
	 * message), or "" when it gave none. */
	char error[NL_ERROR_MAX];
};

/* Opens a NETLINK_ROUTE socket in the caller's current network namespace,
 * with NETLINK_EXT_ACK and NETLINK_CAP_ACK enabled. */
int nl_open(struct nl_socket *socket);

/* Same, but the socket belongs to the network namespace behind netns_fd
 * (made there by netns_make, whose policy holds when the way back fails);
 * -EBADF for a negative netns_fd. */
int nl_open_in_netns(struct nl_socket *socket, int netns_fd);

void nl_close(struct nl_socket *socket);

/* ---- building messages ------------------------------------------------- */

struct nl_message {
	struct nlmsghdr *header;	/* start of the caller's buffer */
	size_t capacity;		/* its size in bytes */
};

/* Starts a request of the given type in buffer (NLM_F_REQUEST | flags). */
void nl_message_init(struct nl_message *message, void *buffer, size_t capacity,
		     uint16_t type, uint16_t flags);

/* Appends a zeroed fixed header (ifinfomsg, ifaddrmsg…) of size bytes;
 * returns a pointer to it, or NULL when it does not fit. */
void *nl_put_header(struct nl_message *message, size_t size);

/* Both: a request that starts with its zeroed fixed header (NULL: no room). */
void *nl_message_start(struct nl_message *message, void *buffer, size_t capacity,
		       uint16_t type, uint16_t flags, size_t header_size);

/* Append one attribute; -EMSGSIZE when the buffer is full. */
int nl_put_attr(struct nl_message *message, uint16_t type, const void *data, size_t len);
int nl_put_u8(struct nl_message *message, uint16_t type, uint8_t value);
int nl_put_u32(struct nl_message *message, uint16_t type, uint32_t value);
int nl_put_string(struct nl_message *message, uint16_t type, const char *value);

/* Nesting: nl_nest_start returns the nest attribute (NULL when full);
 * nl_nest_end fixes its length once its contents are appended. */
struct nlattr *nl_nest_start(struct nl_message *message, uint16_t type);
void nl_nest_end(struct nl_message *message, struct nlattr *nest);

/* ---- talking to the kernel --------------------------------------------- */

/* Sends message with NLM_F_ACK and waits for its ACK. On a kernel error
 * returns its negative errno and leaves the extended-ACK text in
 * socket->error. */
int nl_request(struct nl_socket *socket, struct nl_message *message);

/* Sends a NLM_F_DUMP request and calls visit() for each reply message until
 * NLMSG_DONE; a non-zero return from visit() stops the walk and is returned.
 * -EAGAIN when the kernel says its table changed during the dump
 * (NLM_F_DUMP_INTR): visit saw an inconsistent set; the caller may start
 * over. */
typedef int (*nl_visit_fn)(const struct nlmsghdr *reply, void *context);
int nl_dump(struct nl_socket *socket, struct nl_message *message,
	    nl_visit_fn visit, void *context);

/* ---- reading attributes (every length is checked) ---------------------- */

/* Fills table[0..max] with the attributes found in data[0..len) (last one of
 * a type wins; unknown types above max are ignored). -EINVAL if an attribute
 * claims more bytes than remain. */
int nl_attr_parse(const void *data, size_t len, const struct nlattr **table, uint16_t max);
const void *nl_attr_data(const struct nlattr *attr);
size_t nl_attr_len(const struct nlattr *attr);
/* Typed reads: -EINVAL if the payload is too short (strings: not NUL-terminated). */
int nl_attr_u8(const struct nlattr *attr, uint8_t *value);
int nl_attr_u32(const struct nlattr *attr, uint32_t *value);
int nl_attr_string(const struct nlattr *attr, const char **value);
/* Copies the payload up to its first NUL into field (size bytes, size > 0),
 * cut to fit and always NUL-terminated. */
void nl_attr_copy_text(char *field, size_t size, const struct nlattr *attr);

/* ---- links ------------------------------------------------------------- */

struct netkit_pair {
	const char *primary_name;	/* host-side device, e.g. "yg1-host" */
	const char *peer_name;		/* namespace-side device, e.g. "yg1-cont" */
	uint32_t policy;		/* NETKIT_PASS or NETKIT_DROP (blackhole) */
	uint32_t peer_policy;
	uint32_t mode;			/* NETKIT_L3 or NETKIT_L2 */
	int peer_netns_fd;		/* the peer is created there; -1: here */
	uint32_t mtu;			/* IFLA_MTU of both devices; 0: the default */
	/* Sent only when asked (the selftest's probes of newer kernels):
	 * scrub and peer_scrub when send_scrub, NETKIT_SCRUB_VALUE_*;
	 * headroom and tailroom when not 0. */
	int send_scrub;
	uint32_t scrub, peer_scrub;
	uint16_t headroom, tailroom;
};

/* RTM_NEWLINK kind "netkit" with NLM_F_CREATE|NLM_F_EXCL. A kernel without
 * netkit answers -EOPNOTSUPP with "Unknown device type" in the extack. */
int nl_netkit_create(struct nl_socket *socket, const struct netkit_pair *pair);

/* RTM_DELLINK by name (deleting either end of a pair deletes both). */
int nl_link_delete(struct nl_socket *socket, const char *name);

/* Deletes the device ifindex (whatever its name is now). */
int nl_link_delete_index(struct nl_socket *socket, uint32_t ifindex);

/* RTM_GETLINK by name: its ifindex; -ENODEV if there is no such device. */
int nl_link_index(struct nl_socket *socket, const char *name, uint32_t *ifindex);

/* Sets the MTU of ifindex. */
int nl_link_set_mtu(struct nl_socket *socket, uint32_t ifindex, uint32_t mtu);

/* Sets IFF_UP on ifindex. */
int nl_link_set_up(struct nl_socket *socket, uint32_t ifindex);

/* Renames the (down) device ifindex to name: -EEXIST when name is taken. */
int nl_link_rename(struct nl_socket *socket, uint32_t ifindex, const char *name);

/* Moves ifindex into the network namespace behind netns_fd (IFLA_NET_NS_FD). */
int nl_link_set_netns(struct nl_socket *socket, uint32_t ifindex, int netns_fd);

/* What status needs of one device. */
struct nl_link_info {
	uint32_t ifindex;
	char name[16];
	char kind[16];		/* IFLA_INFO_KIND, "" if none */
	uint32_t flags;		/* ifi_flags (IFF_UP…) */
	uint32_t mtu;
	int netkit_primary;	/* 1 primary, 0 peer, -1 not netkit / unknown */
	uint32_t netkit_policy, netkit_peer_policy, netkit_mode; /* when netkit */
	int32_t link_netnsid;	/* IFLA_LINK_NETNSID, -1 if absent */
	uint32_t peer_ifindex;	/* IFLA_LINK, 0 if absent */
	/* netkit's IFLA_INFO_DATA: bit N set when attribute N (below 32) was
	 * in it; the values of the later ones that were. */
	uint32_t netkit_attributes;
	uint32_t netkit_scrub, netkit_peer_scrub;
	uint16_t netkit_headroom, netkit_tailroom;
	uint64_t tx_dropped;	/* IFLA_STATS64, 0 if absent */
};

/* RTM_GETLINK by name, parsed: -ENODEV if there is no such device. */
int nl_link_get(struct nl_socket *socket, const char *name, struct nl_link_info *info);

/* The ifindex of a device of the caller's namespace, or a negative errno
 * (-ENODEV: none by that name); on a socket of its own. if_nametoindex()
 * would bring ioctl and string copies of musl along for the same. */
int nl_device_index(const char *name);

/* Dumps every link of the socket's namespace: visit(info, context) for each;
 * a non-zero return stops the walk and is returned. */
int nl_link_list(struct nl_socket *socket,
		 int (*visit)(const struct nl_link_info *link, void *context),
		 void *context);

/* Fills one nl_link_info from an RTM_NEWLINK message (used by nl_link_list,
 * exposed for tests and fuzzing): -EINVAL for a malformed message. */
int nl_link_info_parse(const struct nlmsghdr *message, struct nl_link_info *info);

/* ---- addresses --------------------------------------------------------- */

/* RTM_NEWADDR: family AF_INET (address 4 bytes) or AF_INET6 (16 bytes),
 * with IFA_LOCAL and IFA_ADDRESS, NLM_F_CREATE|NLM_F_REPLACE; for IPv6 the
 * address is marked IFA_F_NODAD (L3 netkit has no neighbour discovery).
 * -EAFNOSUPPORT for another family, -EINVAL for a prefix longer than the
 * address. */
int nl_address_add(struct nl_socket *socket, uint32_t ifindex, int family,
		   const void *address, uint8_t prefix_length);

/* RTM_DELADDR of address/prefix_length from ifindex (refused as above). */
int nl_address_delete(struct nl_socket *socket, uint32_t ifindex, int family,
		      const void *address, uint8_t prefix_length);

/* One address of a device, as nl_address_list reports it. */
struct nl_address {
	int family;			/* AF_INET or AF_INET6 */
	uint8_t address[16];
	uint8_t prefix_length;
	uint8_t scope;			/* RT_SCOPE_UNIVERSE, RT_SCOPE_LINK… */
};

/* Dumps the addresses of ifindex: visit(address, context) for each. */
int nl_address_list(struct nl_socket *socket, uint32_t ifindex,
		    int (*visit)(const struct nl_address *address, void *context),
		    void *context);

/* ---- routes ------------------------------------------------------------ */

/* RTM_NEWROUTE: destination/prefix_length (AF_INET or AF_INET6; prefix 0 is
 * the default route) straight out of ifindex, link scope, main table;
 * -EINVAL for another family or a prefix longer than the address. */
int nl_route_add(struct nl_socket *socket, int family, const void *destination,
		 uint8_t prefix_length, uint32_t ifindex);

#endif
