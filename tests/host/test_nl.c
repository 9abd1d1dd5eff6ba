/* test_nl.c — nl/ against hand-made buffers and the real kernel (run as root). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/sockios.h>
#include <linux/veth.h>

#include "nl/nl.h"
#include "nl/internal.h"
#include "netns/netns.h"
#include "netns/internal.h"
#include "tests/ktap.h"

#define NS_A "ygt-nl-a"
#define NS_B "ygt-nl-b"
#define VETH_A "ygt-nl-va"
#define VETH_B "ygt-nl-vb"
#define NETKIT_PRIMARY "ygt-nl-nk0"
#define NETKIT_PEER "ygt-nl-nk1"

/* Leftovers of an earlier (crashed) run, and this run's own mess. */
static void cleanup(void)
{
	static const char *const devices[] = { VETH_A, VETH_B, NETKIT_PRIMARY, NETKIT_PEER };
	struct nl_socket socket;

	netns_delete(NS_A);
	netns_delete(NS_B);
	if (nl_open(&socket) == 0) {
		for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++)
			nl_link_delete(&socket, devices[i]);
		nl_close(&socket);
	}
}

static ino_t current_netns_inode(void)
{
	struct stat st;

	if (stat("/proc/self/ns/net", &st) < 0)
		return 0;
	return st.st_ino;
}

/* ---- 1. encoding ------------------------------------------------------- */

static int string_is(const struct nlattr *attr, const char *expected)
{
	const char *value;

	return attr && nl_attr_string(attr, &value) == 0 && strcmp(value, expected) == 0;
}

static int u32_is(const struct nlattr *attr, uint32_t expected)
{
	uint32_t value;

	return attr && nl_attr_u32(attr, &value) == 0 && value == expected;
}

static void test_netkit_encoding(struct ktap *ktap)
{
	_Alignas(struct nlmsghdr) char buffer[NL_REQUEST_SIZE];
	struct netkit_pair pair = {
		.primary_name = NETKIT_PRIMARY, .peer_name = NETKIT_PEER,
		.policy = NETKIT_PASS, .peer_policy = NETKIT_DROP,
		.mode = NETKIT_L3, .peer_netns_fd = 7,
	};
	const struct nlattr *top[IFLA_MAX + 1], *info[IFLA_INFO_MAX + 1];
	const struct nlattr *data[IFLA_NETKIT_MAX + 1], *peer[IFLA_MAX + 1];
	const size_t attrs_offset = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	struct nl_message message;
	struct ifinfomsg *link, zero = { 0 };
	const struct nlattr *peer_info;
	int err;

	nl_message_init(&message, buffer, sizeof(buffer), RTM_NEWLINK,
			NLM_F_CREATE | NLM_F_EXCL);
	link = nl_put_header(&message, sizeof(*link));
	err = nl_netkit_message(&message, &pair);
	ktap_check(ktap, link && err == 0, "netkit request builds", "err %d", err);
	ktap_check(ktap, message.header->nlmsg_type == RTM_NEWLINK &&
		   message.header->nlmsg_flags == (NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL),
		   "netkit request is RTM_NEWLINK with REQUEST|CREATE|EXCL", NULL);
	ktap_check(ktap, message.header->nlmsg_len % 4 == 0, "message length is aligned",
		   "length %u", message.header->nlmsg_len);

	err = nl_attr_parse(buffer + attrs_offset, message.header->nlmsg_len - attrs_offset,
			    top, IFLA_MAX);
	ktap_check(ktap, err == 0 && string_is(top[IFLA_IFNAME], NETKIT_PRIMARY),
		   "top level: IFLA_IFNAME is the primary name", NULL);
	ktap_check(ktap, top[IFLA_LINKINFO] && top[IFLA_LINKINFO]->nla_type == IFLA_LINKINFO &&
		   (const char *)top[IFLA_LINKINFO] + top[IFLA_LINKINFO]->nla_len ==
		   buffer + message.header->nlmsg_len,
		   "IFLA_LINKINFO is a plain-typed nest that ends the message", NULL);
	if (!top[IFLA_LINKINFO])
		return;

	err = nl_attr_parse(nl_attr_data(top[IFLA_LINKINFO]), nl_attr_len(top[IFLA_LINKINFO]),
			    info, IFLA_INFO_MAX);
	ktap_check(ktap, err == 0 && string_is(info[IFLA_INFO_KIND], "netkit") &&
		   info[IFLA_INFO_DATA], "LINKINFO holds KIND \"netkit\" and INFO_DATA", NULL);
	if (!info[IFLA_INFO_DATA])
		return;

	err = nl_attr_parse(nl_attr_data(info[IFLA_INFO_DATA]), nl_attr_len(info[IFLA_INFO_DATA]),
			    data, IFLA_NETKIT_MAX);
	ktap_check(ktap, err == 0 && u32_is(data[IFLA_NETKIT_POLICY], NETKIT_PASS) &&
		   u32_is(data[IFLA_NETKIT_PEER_POLICY], NETKIT_DROP) &&
		   u32_is(data[IFLA_NETKIT_MODE], NETKIT_L3),
		   "INFO_DATA holds POLICY, PEER_POLICY and MODE", NULL);
	peer_info = data[IFLA_NETKIT_PEER_INFO];
	ktap_check(ktap, peer_info && nl_attr_len(peer_info) >= sizeof(struct ifinfomsg) &&
		   memcmp(nl_attr_data(peer_info), &zero, sizeof(zero)) == 0,
		   "PEER_INFO starts with a zeroed ifinfomsg", NULL);
	if (!peer_info || nl_attr_len(peer_info) < sizeof(struct ifinfomsg))
		return;

	err = nl_attr_parse((const char *)nl_attr_data(peer_info) + sizeof(struct ifinfomsg),
			    nl_attr_len(peer_info) - sizeof(struct ifinfomsg), peer, IFLA_MAX);
	ktap_check(ktap, err == 0 && string_is(peer[IFLA_IFNAME], NETKIT_PEER) &&
		   u32_is(peer[IFLA_NET_NS_FD], 7),
		   "PEER_INFO then holds IFLA_IFNAME (peer) and IFLA_NET_NS_FD", NULL);

	pair.peer_netns_fd = -1;
	nl_message_init(&message, buffer, sizeof(buffer), RTM_NEWLINK, 0);
	nl_put_header(&message, sizeof(*link));
	err = nl_netkit_message(&message, &pair);
	nl_attr_parse(buffer + attrs_offset, message.header->nlmsg_len - attrs_offset,
		      top, IFLA_MAX);
	nl_attr_parse(nl_attr_data(top[IFLA_LINKINFO]), nl_attr_len(top[IFLA_LINKINFO]),
		      info, IFLA_INFO_MAX);
	nl_attr_parse(nl_attr_data(info[IFLA_INFO_DATA]), nl_attr_len(info[IFLA_INFO_DATA]),
		      data, IFLA_NETKIT_MAX);
	peer_info = data[IFLA_NETKIT_PEER_INFO];
	nl_attr_parse((const char *)nl_attr_data(peer_info) + sizeof(struct ifinfomsg),
		      nl_attr_len(peer_info) - sizeof(struct ifinfomsg), peer, IFLA_MAX);
	ktap_check(ktap, err == 0 && !peer[IFLA_NET_NS_FD] && peer[IFLA_IFNAME],
		   "peer_netns_fd -1: no IFLA_NET_NS_FD", NULL);

	pair.peer_name = "ygt-sixteen-char";
	nl_message_init(&message, buffer, sizeof(buffer), RTM_NEWLINK, 0);
	err = nl_netkit_message(&message, &pair);
	pair.peer_name = "";
	ktap_check(ktap, err == -EINVAL && nl_netkit_message(&message, &pair) == -EINVAL,
		   "16-byte and empty device names are refused with -EINVAL", NULL);
}

static void test_overflow(struct ktap *ktap)
{
	enum { CAPACITY = 64, CANARY = 32 };
	_Alignas(struct nlmsghdr) unsigned char buffer[CAPACITY + CANARY];
	struct nl_message message;
	int intact = 1, refused = 0, err;
	uint32_t value = 0;

	memset(buffer, 0xa5, sizeof(buffer));
	nl_message_init(&message, buffer, CAPACITY, RTM_NEWLINK, 0);
	for (int i = 0; i < 20; i++) {
		err = nl_put_u32(&message, IFLA_MTU, value++);
		if (err == -EMSGSIZE)
			refused++;
	}
	for (size_t i = CAPACITY; i < sizeof(buffer); i++)
		intact &= buffer[i] == 0xa5;
	ktap_check(ktap, refused > 0 && intact && message.header->nlmsg_len <= CAPACITY,
		   "nl_put_u32 refuses overflow with -EMSGSIZE, canary intact",
		   "length %u, %d refused", message.header->nlmsg_len, refused);
	ktap_check(ktap, nl_put_header(&message, 4) == NULL && nl_nest_start(&message, 1) == NULL &&
		   nl_put_string(&message, IFLA_IFNAME, "x") == -EMSGSIZE,
		   "a full message refuses headers, nests and strings", NULL);

	/* Exactly-sized heap buffer: ASan sees any byte written past it. */
	unsigned char *exact = malloc(NLMSG_HDRLEN + 12);
	nl_message_init(&message, exact, NLMSG_HDRLEN + 12, RTM_NEWLINK, 0);
	err = nl_put_attr(&message, 1, "abcdefg", 7);	/* 11 -> 12 with padding */
	ktap_check(ktap, err == 0 && message.header->nlmsg_len == NLMSG_HDRLEN + 12 &&
		   nl_put_u8(&message, 2, 1) == -EMSGSIZE,
		   "an attribute that exactly fills the buffer fits; one more byte does not", NULL);
	free(exact);

	memset(buffer, 0xff, sizeof(buffer));
	nl_message_init(&message, buffer, sizeof(buffer), RTM_NEWLINK, 0);
	nl_put_u8(&message, 3, 0x42);
	ktap_check(ktap, ((struct nlattr *)(buffer + NLMSG_HDRLEN))->nla_len == 5 &&
		   buffer[NLMSG_HDRLEN + 5] == 0 && buffer[NLMSG_HDRLEN + 6] == 0 &&
		   buffer[NLMSG_HDRLEN + 7] == 0 && message.header->nlmsg_len == NLMSG_HDRLEN + 8,
		   "nla_len counts the payload, the padding is zeroed", NULL);

	nl_message_init(&message, buffer, sizeof(buffer), RTM_NEWLINK, 0);
	ktap_check(ktap, nl_put_attr(&message, 1, buffer, 70000) == -EMSGSIZE,
		   "a payload longer than nla_len can say is refused", NULL);

	nl_message_init(&message, buffer, 8, RTM_NEWLINK, 0);
	ktap_check(ktap, message.capacity == 0 && nl_put_u8(&message, 1, 1) == -EMSGSIZE,
		   "a buffer smaller than a header is never written", NULL);
}

/* The address sizes and prefixes of address.c and route.c; text copies. */
static void test_address_size_and_text(struct ktap *ktap)
{
	_Alignas(4) unsigned char attr[12] = { 11, 0, 1, 0, 'a', 'b', 'c', 'd', 'e', 'f', 'g' };
	char field[4];

	ktap_check(ktap, nl_address_size(AF_INET, 32) == 4 &&
		   nl_address_size(AF_INET6, 128) == 16 &&
		   nl_address_size(AF_INET, 33) == -EINVAL &&
		   nl_address_size(AF_INET6, 129) == -EINVAL &&
		   nl_address_size(AF_UNIX, 0) == -EAFNOSUPPORT,
		   "nl_address_size: 4 and 16 bytes, too long a prefix and other families refused",
		   NULL);
	nl_attr_copy_text(field, sizeof(field), (const struct nlattr *)attr);
	ktap_check(ktap, strcmp(field, "abc") == 0, "nl_attr_copy_text cuts an unterminated text",
		   "got \"%s\"", field);
	attr[5] = '\0';
	nl_attr_copy_text(field, sizeof(field), (const struct nlattr *)attr);
	ktap_check(ktap, strcmp(field, "a") == 0, "nl_attr_copy_text stops at the first NUL",
		   "got \"%s\"", field);
}

/* ---- 2. malformed attributes ------------------------------------------- */

/* Parses a copy of bytes in an exactly-sized heap block (offset by one or
 * more bytes when misaligned), so ASan sees any read past the end. */
static int parse_copy(const void *bytes, size_t len, int misaligned,
		      const struct nlattr **table, uint16_t max)
{
	unsigned char *block = malloc(len + (size_t)misaligned + (len + misaligned == 0));
	unsigned char *data = block + misaligned;
	int err;

	if (len)
		memcpy(data, bytes, len);
	err = nl_attr_parse(data, len, table, max);
	free(block);
	return err;
}

static uint64_t next_random(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

static void test_malformed_attrs(struct ktap *ktap)
{
	const struct nlattr *table[8];
	unsigned char bytes[32];
	int err;

	memset(bytes, 0, sizeof(bytes));
	err = parse_copy(bytes, 8, 0, table, 7);
	ktap_check(ktap, err == -EINVAL, "nla_len 0 gives -EINVAL", "got %d", err);

	bytes[0] = 3;
	err = parse_copy(bytes, 8, 0, table, 7);
	ktap_check(ktap, err == -EINVAL, "nla_len 3 (shorter than a header) gives -EINVAL",
		   "got %d", err);

	bytes[0] = 12; bytes[2] = 1;
	err = parse_copy(bytes, 8, 0, table, 7);
	ktap_check(ktap, err == -EINVAL, "nla_len beyond the buffer gives -EINVAL", "got %d", err);

	/* One good u32 attribute of type 2, then 1..3 stray bytes. */
	memset(bytes, 0, sizeof(bytes));
	bytes[0] = 8; bytes[2] = 2; bytes[4] = 0x2a;
	for (int extra = 1; extra <= 3; extra++) {
		static const char *const names[] = {
			"1 trailing byte is taken as padding",
			"2 trailing bytes are taken as padding",
			"3 trailing bytes are taken as padding",
		};

		err = parse_copy(bytes, 8 + (size_t)extra, extra == 2, table, 7);
		ktap_check(ktap, err == 0, names[extra - 1], "got %d", err);
	}

	/* A last attribute without its padding: 5 bytes, no 3 after. */
	bytes[0] = 5; bytes[2] = 3;
	err = parse_copy(bytes, 5, 1, table, 7);
	ktap_check(ktap, err == 0, "a final unpadded attribute is accepted, misaligned",
		   "got %d", err);

	/* Type masking and types above max. */
	memset(bytes, 0, sizeof(bytes));
	bytes[0] = 4; bytes[2] = 2; bytes[3] = 0x80;	/* NLA_F_NESTED | 2 */
	bytes[4] = 4; bytes[6] = 9;			/* above max: ignored */
	err = nl_attr_parse(bytes, 8, table, 7);
	ktap_check(ktap, err == 0 && table[2] == (const struct nlattr *)bytes && !table[1],
		   "NLA_F_NESTED is masked off, types above max are skipped", NULL);

	/* Typed readers refuse short payloads and unterminated strings. */
	_Alignas(4) unsigned char attr[8] = { 7, 0, 1, 0, 'a', 'b', 'c', 0 };
	const char *text;
	uint32_t u32;
	uint8_t u8;
	ktap_check(ktap, nl_attr_string((struct nlattr *)attr, &text) == -EINVAL &&
		   nl_attr_u32((struct nlattr *)attr, &u32) == -EINVAL &&
		   nl_attr_u8((struct nlattr *)attr, &u8) == 0 && u8 == 'a',
		   "typed readers check payload length and termination", NULL);

	/* Random buffers: any answer but a crash or an ASan report. */
	uint64_t state = 0x9e3779b97f4a7c15ull;
	int bad = 0;
	for (int round = 0; round < 20000; round++) {
		unsigned char random_bytes[64];
		size_t len = next_random(&state) % sizeof(random_bytes);

		for (size_t i = 0; i < len; i++)
			random_bytes[i] = (unsigned char)next_random(&state);
		/* Keep lengths small so that some of them are plausible. */
		if (len >= 2 && (round & 1))
			random_bytes[1] = 0;
		err = parse_copy(random_bytes, len, round & 3, table, 7);
		bad += err != 0 && err != -EINVAL;
	}
	ktap_check(ktap, bad == 0, "20000 random buffers: only 0 or -EINVAL", NULL);
}

/* ---- talking to the kernel --------------------------------------------- */

static void test_netkit_unsupported(struct ktap *ktap, int netns)
{
	struct nl_socket socket;
	struct netkit_pair pair = {
		.primary_name = NETKIT_PRIMARY, .peer_name = NETKIT_PEER,
		.policy = NETKIT_PASS, .peer_policy = NETKIT_PASS,
		.mode = NETKIT_L3, .peer_netns_fd = -1,
	};
	int err;

	if (nl_open_in_netns(&socket, netns) < 0) {
		ktap_check(ktap, 0, "socket in " NS_A " for netkit", NULL);
		return;
	}
	err = nl_netkit_create(&socket, &pair);
	if (err == 0) {
		ktap_comment("this kernel has netkit");
		nl_link_delete(&socket, NETKIT_PRIMARY);
	}
	ktap_check(ktap, err == -EOPNOTSUPP && strstr(socket.error, "Unknown device type"),
		   "netkit create without netkit: -EOPNOTSUPP, \"Unknown device type\"",
		   "got %d, extack \"%s\"", err, socket.error);
	nl_close(&socket);
}

struct link_search {
	const char *name;
	struct nl_link_info found;
	int seen;
	int count;
};

static int find_link(const struct nl_link_info *link, void *context)
{
	struct link_search *search = context;

	search->count++;
	if (strcmp(link->name, search->name) == 0) {
		search->found = *link;
		search->seen = 1;
	}
	return 0;
}

static int stop_at_first(const struct nlmsghdr *reply, void *context)
{
	(void)reply;
	++*(int *)context;
	return 42;
}

static void test_namespace(struct ktap *ktap)
{
	ino_t home = current_netns_inode();
	struct link_search search = { .name = "lo" };
	_Alignas(struct nlmsghdr) char buffer[NL_REQUEST_SIZE];
	struct nl_message message;
	struct nl_socket socket;
	struct ifinfomsg *link;
	uint32_t ifindex = 0;
	int netns, err, calls = 0;
	struct stat st;

	ktap_check(ktap, netns_add("a/b") == -EINVAL && netns_add("..") == -EINVAL &&
		   netns_add("") == -EINVAL && netns_open(".") == -EINVAL,
		   "namespace names with '/', \".\", \"..\" or empty are refused", NULL);

	err = netns_add(NS_A);
	ktap_check(ktap, err == 0 && stat(NETNS_RUN_DIR "/" NS_A, &st) == 0,
		   "netns_add creates " NETNS_RUN_DIR "/" NS_A, "got %d", err);
	ktap_check(ktap, current_netns_inode() == home && home != 0,
		   "the caller's namespace is unchanged", NULL);
	err = netns_add(NS_A);
	ktap_check(ktap, err == -EEXIST, "a second netns_add gives -EEXIST", "got %d", err);

	netns = netns_open(NS_A);
	ktap_check(ktap, netns >= 0, "netns_open", "got %d", netns);
	if (netns < 0)
		return;
	fstat(netns, &st);
	ktap_check(ktap, st.st_ino != home, "it is another namespace", NULL);

	err = nl_open_in_netns(&socket, netns);
	ktap_check(ktap, err == 0 && current_netns_inode() == home,
		   "nl_open_in_netns opens a socket there and comes home", "got %d", err);
	close(netns);
	if (err < 0)
		return;

	err = nl_link_index(&socket, "lo", &ifindex);
	ktap_check(ktap, err == 0 && ifindex == 1, "nl_link_index(\"lo\") is 1",
		   "got %u (%d)", ifindex, err);
	err = nl_link_set_up(&socket, ifindex);
	ktap_check(ktap, err == 0, "nl_link_set_up(lo)", "got %d", err);

	err = nl_link_list(&socket, find_link, &search);
	ktap_check(ktap, err == 0 && search.seen && search.found.ifindex == 1 &&
		   (search.found.flags & IFF_UP) && search.found.mtu > 0 &&
		   search.found.kind[0] == '\0' && search.found.netkit_primary == -1 &&
		   search.found.link_netnsid == -1,
		   "nl_link_list lists lo, up", "%d links, err %d", search.count, err);

	/* A walk stopped by visit drains the dump: the socket stays usable. */
	nl_message_init(&message, buffer, sizeof(buffer), RTM_GETLINK, 0);
	link = nl_put_header(&message, sizeof(*link));
	link->ifi_family = AF_UNSPEC;
	err = nl_dump(&socket, &message, stop_at_first, &calls);
	ifindex = 0;
	ktap_check(ktap, err == 42 && calls == 1 &&
		   nl_link_index(&socket, "lo", &ifindex) == 0 && ifindex == 1,
		   "a stopped dump returns visit's value and the socket goes on",
		   "got %d after %d calls, then lo %u", err, calls, ifindex);

	nl_close(&socket);
}

/* ---- the namespace hop ------------------------------------------------- */

static ino_t fd_inode(int fd)
{
	struct stat st;

	return fd >= 0 && fstat(fd, &st) == 0 ? st.st_ino : 0;
}

/* The inode of the namespace a socket belongs to (0 if unknown). */
static ino_t socket_netns_inode(int fd)
{
	int netns = ioctl(fd, SIOCGSKNS);
	ino_t inode = fd_inode(netns);

	if (netns >= 0)
		close(netns);
	return inode;
}

static int make_nothing(void *context)
{
	++*(int *)context;
	return -ENOTTY;
}

/* Makes a socket, then leaves for a user namespace of its own, where the
 * thread has no right to join the host's network namespace again. */
static int make_and_strand(void *context)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	*(int *)context = fd;
	if (unshare(CLONE_NEWUSER) < 0)
		ktap_comment("unshare(CLONE_NEWUSER): %s", strerror(errno));
	return fd;
}

/* In a child process, as it stays stranded: 0 when the way back failed,
 * netns_make said so and the socket make had made is closed. */
static int stranded_child(int netns)
{
	int made = -1;
	int result = netns_make(netns, make_and_strand, &made);

	if (result >= 0 || made < 0)
		return 1;
	return fcntl(made, F_GETFD) < 0 && errno == EBADF ? 0 : 2;
}

static void test_hop(struct ktap *ktap, int netns)
{
	ino_t home = current_netns_inode(), there = fd_inode(netns), inode;
	int fd, calls = 0, status = -1;
	pid_t child;

	fd = netns_socket(netns, AF_INET, SOCK_DGRAM, 0);
	inode = socket_netns_inode(fd);
	ktap_check(ktap, fd >= 0 && inode == there && there != home &&
		   current_netns_inode() == home,
		   "netns_socket: a socket there, and the thread back home",
		   "fd %d in %lu (there %lu, home %lu)", fd, (unsigned long)inode,
		   (unsigned long)there, (unsigned long)home);
	if (fd >= 0)
		close(fd);

	fd = netns_socket(-ENOENT, AF_INET, SOCK_DGRAM, 0);
	inode = socket_netns_inode(fd);
	ktap_check(ktap, fd >= 0 && inode == home, "a negative netns_fd: the socket is made here",
		   "fd %d in %lu", fd, (unsigned long)inode);
	if (fd >= 0)
		close(fd);

	fd = netns_make(NETNS_NEW, netns_open_current, NULL);
	inode = fd_inode(fd);
	ktap_check(ktap, fd >= 0 && inode != home && inode != there &&
		   current_netns_inode() == home,
		   "NETNS_NEW: make runs in a new namespace, the thread comes back",
		   "fd %d, namespace %lu", fd, (unsigned long)inode);
	if (fd >= 0)
		close(fd);

	fd = netns_make(netns, make_nothing, &calls);
	ktap_check(ktap, fd == -ENOTTY && calls == 1 && current_netns_inode() == home,
		   "make's error is the caller's, the thread back home",
		   "got %d after %d calls", fd, calls);

	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	calls = 0;
	status = netns_make(fd, make_nothing, &calls);
	ktap_check(ktap, status == -EINVAL && calls == 0 && current_netns_inode() == home,
		   "a descriptor that is no namespace: setns's error, make never runs",
		   "got %d after %d calls", status, calls);
	close(fd);

	child = fork();
	if (child == 0)
		_exit(stranded_child(netns));
	status = -1;
	if (child > 0)
		waitpid(child, &status, 0);
	ktap_check(ktap, child > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
		   "no way back: what make made is closed and the caller gets the error",
		   "child status %#x", status);
}

static void test_open_in_netns(struct ktap *ktap)
{
	struct nl_socket socket = { .fd = 1234 };
	int err = nl_open_in_netns(&socket, -ENOENT);

	ktap_check(ktap, err == -EBADF && socket.fd == -1,
		   "nl_open_in_netns with a failed open's error: -EBADF, never here",
		   "got %d, fd %d", err, socket.fd);
}

/* ---- veth, addresses ---------------------------------------------------- */

static int veth_create(struct nl_socket *socket, const char *name, const char *peer_name)
{
	_Alignas(struct nlmsghdr) char buffer[NL_REQUEST_SIZE];
	struct nl_message message;
	struct nlattr *linkinfo, *data, *peer;

	nl_message_init(&message, buffer, sizeof(buffer), RTM_NEWLINK,
			NLM_F_CREATE | NLM_F_EXCL);
	nl_put_header(&message, sizeof(struct ifinfomsg));
	nl_put_string(&message, IFLA_IFNAME, name);
	linkinfo = nl_nest_start(&message, IFLA_LINKINFO);
	nl_put_string(&message, IFLA_INFO_KIND, "veth");
	data = nl_nest_start(&message, IFLA_INFO_DATA);
	peer = nl_nest_start(&message, VETH_INFO_PEER);
	nl_put_header(&message, sizeof(struct ifinfomsg));
	if (nl_put_string(&message, IFLA_IFNAME, peer_name) < 0)
		return -EMSGSIZE;
	nl_nest_end(&message, peer);
	nl_nest_end(&message, data);
	nl_nest_end(&message, linkinfo);
	return nl_request(socket, &message);
}

struct address_search {
	uint32_t ifindex;
	int family;
	unsigned char address[16];
	uint8_t prefix_length;
	int seen;
};

static int find_address(const struct nlmsghdr *reply, void *context)
{
	struct address_search *search = context;
	const struct nlattr *table[IFA_MAX + 1];
	const struct ifaddrmsg *header = NLMSG_DATA(reply);
	size_t len = search->family == AF_INET ? 4 : 16;

	if (reply->nlmsg_type != RTM_NEWADDR ||
	    reply->nlmsg_len < NLMSG_LENGTH(sizeof(*header)))
		return 0;
	if (nl_attr_parse((const char *)header + NLMSG_ALIGN(sizeof(*header)),
			  reply->nlmsg_len - NLMSG_LENGTH(sizeof(*header)), table, IFA_MAX) < 0)
		return -EINVAL;
	if (header->ifa_family == search->family && header->ifa_index == search->ifindex &&
	    header->ifa_prefixlen == search->prefix_length && table[IFA_ADDRESS] &&
	    nl_attr_len(table[IFA_ADDRESS]) == len &&
	    memcmp(nl_attr_data(table[IFA_ADDRESS]), search->address, len) == 0)
		search->seen = 1;
	return 0;
}

static int address_present(struct nl_socket *socket, struct address_search *search)
{
	_Alignas(struct nlmsghdr) char buffer[NL_REQUEST_SIZE];
	struct nl_message message;
	struct ifaddrmsg *header;
	int err;

	nl_message_init(&message, buffer, sizeof(buffer), RTM_GETADDR, 0);
	header = nl_put_header(&message, sizeof(*header));
	header->ifa_family = AF_UNSPEC;
	search->seen = 0;
	err = nl_dump(socket, &message, find_address, search);
	return err < 0 ? err : search->seen;
}

static void test_veth(struct ktap *ktap)
{
	struct nl_socket socket_a, socket_b;
	struct link_search search = { .name = VETH_A };
	struct address_search v4 = { .family = AF_INET, .prefix_length = 24 };
	struct address_search v6 = { .family = AF_INET6, .prefix_length = 64 };
	uint32_t index_a = 0, index_b = 0, index = 0;
	int netns_a, netns_b, err;

	err = netns_add(NS_B);
	netns_a = netns_open(NS_A);
	netns_b = netns_open(NS_B);
	ktap_check(ktap, err == 0 && netns_a >= 0 && netns_b >= 0, "second namespace " NS_B,
		   "got %d", err);
	if (netns_a < 0 || netns_b < 0)
		goto close_fds;
	if (nl_open_in_netns(&socket_a, netns_a) < 0)
		goto close_fds;
	if (nl_open_in_netns(&socket_b, netns_b) < 0)
		goto close_a;

	err = veth_create(&socket_a, VETH_A, VETH_B);
	ktap_check(ktap, err == 0, "veth pair created by a raw request",
		   "got %d \"%s\"", err, socket_a.error);
	err = nl_link_index(&socket_a, VETH_A, &index_a);
	ktap_check(ktap, err == 0 && index_a > 1, "nl_link_index(" VETH_A ")",
		   "got %u (%d)", index_a, err);
	err = nl_link_index(&socket_a, VETH_B, &index_b);
	ktap_check(ktap, err == 0 && index_b > 1 && index_b != index_a,
		   "nl_link_index(" VETH_B ")", "got %u (%d)", index_b, err);

	err = nl_link_set_netns(&socket_a, index_b, netns_b);
	ktap_check(ktap, err == 0 && nl_link_index(&socket_a, VETH_B, &index) == -ENODEV,
		   "nl_link_set_netns moves " VETH_B " out", "got %d", err);
	err = nl_link_index(&socket_b, VETH_B, &index_b);
	ktap_check(ktap, err == 0, "and it is found in " NS_B,
		   "got %u (%d)", index_b, err);

	err = nl_link_list(&socket_a, find_link, &search);
	ktap_check(ktap, err == 0 && search.seen && strcmp(search.found.kind, "veth") == 0 &&
		   search.found.link_netnsid >= 0 && search.found.peer_ifindex == index_b,
		   "nl_link_list: " VETH_A " of kind veth, its peer in another namespace",
		   "kind \"%s\", peer %u in netnsid %d", search.found.kind,
		   search.found.peer_ifindex, search.found.link_netnsid);

	err = nl_link_set_up(&socket_b, index_b);
	ktap_check(ktap, err == 0, "nl_link_set_up(" VETH_B ")", "got %d", err);

	v4.ifindex = v6.ifindex = index_b;
	inet_pton(AF_INET, "10.99.0.1", v4.address);
	inet_pton(AF_INET6, "fd99::1", v6.address);
	err = nl_address_add(&socket_b, index_b, AF_INET, v4.address, 24);
	ktap_check(ktap, err == 0, "nl_address_add 10.99.0.1/24",
		   "got %d \"%s\"", err, socket_b.error);
	err = nl_address_add(&socket_b, index_b, AF_INET6, v6.address, 64);
	ktap_check(ktap, err == 0, "nl_address_add fd99::1/64",
		   "got %d \"%s\"", err, socket_b.error);
	ktap_check(ktap, address_present(&socket_b, &v4) == 1,
		   "RTM_GETADDR dump shows 10.99.0.1/24", NULL);
	ktap_check(ktap, address_present(&socket_b, &v6) == 1,
		   "RTM_GETADDR dump shows fd99::1/64", NULL);
	err = nl_address_add(&socket_b, index_b, AF_INET, v4.address, 24);
	ktap_check(ktap, err == 0, "adding it again replaces it", "got %d", err);
	err = nl_address_add(&socket_b, index_b, AF_UNIX, v4.address, 24);
	ktap_check(ktap, err == -EAFNOSUPPORT, "other families: -EAFNOSUPPORT", "got %d", err);

	err = nl_address_add(&socket_b, 999999, AF_INET, v4.address, 24);
	ktap_check(ktap, err < 0 && socket_b.error[0] != '\0',
		   "address on ifindex 999999: an error with extack text",
		   "got %d, extack \"%s\"", err, socket_b.error);
	err = nl_link_index(&socket_b, "lo", &index);
	ktap_check(ktap, err == 0 && socket_b.error[0] == '\0',
		   "a later success clears the error text",
		   "got %d, \"%s\"", err, socket_b.error);

	err = nl_link_delete(&socket_b, VETH_B);
	ktap_check(ktap, err == 0, "nl_link_delete(" VETH_B ")", "got %d", err);
	err = nl_link_index(&socket_a, VETH_A, &index);
	ktap_check(ktap, err == -ENODEV, "its peer " VETH_A " is gone too",
		   "got %d \"%s\"", err, socket_a.error);
	err = nl_link_delete(&socket_a, VETH_A);
	ktap_check(ktap, err == -ENODEV, "deleting a missing device: -ENODEV",
		   "got %d \"%s\"", err, socket_a.error);

	nl_close(&socket_b);
close_a:
	nl_close(&socket_a);
close_fds:
	if (netns_a >= 0)
		close(netns_a);
	if (netns_b >= 0)
		close(netns_b);
}

/* ---- 6. nl_link_info_parse on damaged messages ------------------------- */

struct captured {
	unsigned char bytes[4096];
	size_t len;
};

static int capture_first(const struct nlmsghdr *reply, void *context)
{
	struct captured *captured = context;

	if (reply->nlmsg_type != RTM_NEWLINK || reply->nlmsg_len > sizeof(captured->bytes))
		return 0;
	memcpy(captured->bytes, reply, reply->nlmsg_len);
	captured->len = reply->nlmsg_len;
	return 1;
}

/* Parses bytes[0..len) from an exactly-sized heap copy with nlmsg_len = len. */
static int parse_link_copy(const unsigned char *bytes, size_t len, int misaligned,
			   struct nl_link_info *info)
{
	size_t size = len < NLMSG_HDRLEN ? NLMSG_HDRLEN : len;
	unsigned char *block = calloc(1, size + (size_t)misaligned);
	struct nlmsghdr header;
	int err;

	if (len)
		memcpy(block + misaligned, bytes, len);
	memcpy(&header, block + misaligned, sizeof(header));
	header.nlmsg_len = (uint32_t)len;
	memcpy(block + misaligned, &header, sizeof(header));
	err = nl_link_info_parse((const struct nlmsghdr *)(block + misaligned), info);
	free(block);
	return err;
}

static void test_link_info_damaged(struct ktap *ktap)
{
	_Alignas(struct nlmsghdr) char buffer[NL_REQUEST_SIZE];
	struct nl_message message;
	struct nl_link_info info;
	struct nl_socket socket;
	struct ifinfomsg *link;
	static struct captured captured;
	int err, bad = 0, netns;

	netns = netns_open(NS_A);
	if (netns < 0 || nl_open_in_netns(&socket, netns) < 0) {
		ktap_check(ktap, 0, "socket in " NS_A " for a real link message", NULL);
		if (netns >= 0)
			close(netns);
		return;
	}
	close(netns);
	nl_message_init(&message, buffer, sizeof(buffer), RTM_GETLINK, 0);
	link = nl_put_header(&message, sizeof(*link));
	link->ifi_family = AF_UNSPEC;
	err = nl_dump(&socket, &message, capture_first, &captured);
	nl_close(&socket);
	ktap_check(ktap, err == 1 && captured.len > 0, "captured a real RTM_NEWLINK",
		   "got %d, %zu bytes", err, captured.len);
	if (captured.len == 0)
		return;

	err = parse_link_copy(captured.bytes, captured.len, 0, &info);
	ktap_check(ktap, err == 0 && strcmp(info.name, "lo") == 0 && info.ifindex == 1,
		   "the whole message parses: lo, index 1",
		   "%s, index %u (%d)", info.name, info.ifindex, err);

	/* Every truncation: 0 or -EINVAL, never a read past nlmsg_len. */
	for (size_t len = 0; len < captured.len; len++) {
		err = parse_link_copy(captured.bytes, len, (int)(len & 1), &info);
		if (len < NLMSG_LENGTH(sizeof(struct ifinfomsg)) ? err != -EINVAL
		    : (err != 0 && err != -EINVAL))
			bad++;
	}
	ktap_check(ktap, bad == 0, "every truncation gives 0 or -EINVAL", "%d bad", bad);

	unsigned char copy[sizeof(captured.bytes)];
	memcpy(copy, captured.bytes, captured.len);
	((struct nlmsghdr *)copy)->nlmsg_type = RTM_NEWADDR;
	ktap_check(ktap, parse_link_copy(copy, captured.len, 0, &info) == -EINVAL,
		   "a message of another type gives -EINVAL", NULL);

	memcpy(copy, captured.bytes, captured.len);
	struct nlattr *first = (struct nlattr *)(copy + NLMSG_LENGTH(sizeof(struct ifinfomsg)));
	first->nla_len = 0xfff0;
	ktap_check(ktap, parse_link_copy(copy, captured.len, 0, &info) == -EINVAL,
		   "an attribute longer than the message gives -EINVAL", NULL);

	/* Garbage behind a plausible header, and flipped bytes in a real one. */
	uint64_t state = 0x243f6a8885a308d3ull;
	bad = 0;
	for (int round = 0; round < 20000; round++) {
		size_t len = next_random(&state) % captured.len;
		memcpy(copy, captured.bytes, captured.len);
		if (round & 1) {
			for (size_t i = NLMSG_HDRLEN; i < len; i++)
				copy[i] = (unsigned char)next_random(&state);
		} else {
			for (int flips = 0; flips < 4; flips++)
				copy[next_random(&state) % captured.len] =
					(unsigned char)next_random(&state);
			((struct nlmsghdr *)copy)->nlmsg_type = RTM_NEWLINK;
		}
		err = parse_link_copy(copy, len, round & 3, &info);
		bad += err != 0 && err != -EINVAL;
	}
	ktap_check(ktap, bad == 0, "20000 damaged messages: only 0 or -EINVAL", NULL);
}

int main(void)
{
	struct ktap ktap = { 0 };
	struct nl_socket socket;
	uint32_t index;
	int netns, err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("KTAP version 1\n");
	cleanup();

	test_netkit_encoding(&ktap);
	test_overflow(&ktap);
	test_address_size_and_text(&ktap);
	test_malformed_attrs(&ktap);

	test_namespace(&ktap);
	netns = netns_open(NS_A);
	if (netns >= 0) {
		test_netkit_unsupported(&ktap, netns);
		test_hop(&ktap, netns);
		close(netns);
	}
	test_open_in_netns(&ktap);
	test_veth(&ktap);
	test_link_info_damaged(&ktap);

	err = nl_open(&socket);
	ktap_check(&ktap, err == 0 && nl_link_index(&socket, "ygt-nl-none", &index) == -ENODEV,
		   "nl_link_index on a missing name: -ENODEV",
		   "\"%s\"", socket.error);
	nl_close(&socket);

	err = netns_delete(NS_B);
	ktap_check(&ktap, err == 0, "netns_delete(" NS_B ")", "got %d", err);
	err = netns_delete(NS_A);
	ktap_check(&ktap, err == 0 && access(NETNS_RUN_DIR "/" NS_A, F_OK) < 0,
		   "netns_delete(" NS_A ") removes it", "got %d", err);
	err = netns_delete(NS_A);
	ktap_check(&ktap, err == -ENOENT, "deleting it again: -ENOENT", "got %d", err);
	ktap_check(&ktap, netns_open(NS_A) == -ENOENT, "netns_open after delete: -ENOENT", NULL);

	cleanup();
	ktap_comment("%d checks, %d failed", ktap.number, ktap.failed);
	return ktap_exit_status(&ktap);
}
