/* floor.c — the kernel's floor for `make bench`: only the kernel calls the
 * phones of a configuration need, through yogurt's own nl/, netns/, bpf/
 * and wire/ code, so that bench.c can print yogurt's time over this one.
 * Run as a process of its own, as yogurt is (`vmtest floor up|down FILE`).
 *
 *   up:   per end a namespace (bind mount under /run/netns), a netkit pair
 *         created with its peer inside it (IFLA_NET_NS_FD in the peer info),
 *         the configured addresses, lo, the peer and the host device up;
 *         the wire's two programs loaded ONCE for every device (their
 *         target and secret are then wrong for all but one: the floor only
 *         counts kernel calls, it carries no traffic), and per host device
 *         both hooks linked and pinned: four attaches, four pins a phone.
 *   down: the namespaces dropped, and the kernel left to destroy their
 *         devices in batches (cleanup_net); waits until every host device
 *         is reported gone, then unpins the links the devices took along.
 * No records, no checks, no lookups of what is already there. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "suite.h"
#include "bpf/bpf.h"
#include "netns/netns.h"
#include "nl/nl.h"
#include "wire/wire.h"

#define FLOOR_PIN_ROOT "/sys/fs/bpf/floor"

static int floor_error(const char *what, const char *name, int error, const char *words)
{
	printf("floor: %s %s: %s %s\n", what, name, strerror(-error), words ? words : "");
	return error;
}

static int floor_end_up(struct nl_socket *host, const struct phone_end *end,
			const int program_fds[NETKIT_HOOKS])
{
	struct netkit_pair pair = {
		.primary_name = end->host_device, .peer_name = end->device,
		.policy = NETKIT_DROP, .peer_policy = NETKIT_DROP, .mode = end->mode,
		.mtu = end->mtu,
	};
	char directory[NETKIT_PIN_PATH_MAX], path[NETKIT_PIN_PATH_MAX];
	struct nl_socket inside;
	uint32_t ifindex, lo;
	int error, pin_failed;

	error = netns_add(end->netns);
	if (error < 0)
		return floor_error("namespace", end->netns, error, NULL);
	pair.peer_netns_fd = netns_open(end->netns);
	if (pair.peer_netns_fd < 0)
		return floor_error("opening namespace", end->netns, pair.peer_netns_fd, NULL);
	error = nl_netkit_create(host, &pair);
	if (error == 0)
		error = nl_open_in_netns(&inside, pair.peer_netns_fd);
	close(pair.peer_netns_fd);
	if (error < 0)
		return floor_error("netkit pair", end->host_device, error, host->error);
	/* A new namespace's lo is always ifindex 1; the peer's ifindex is
	 * asked for (so is the host device's below): a lookup each. */
	lo = 1;
	error = nl_link_index(&inside, end->device, &ifindex);
	for (int family = 0; family < PHONE_FAMILIES && error == 0; family++)
		if (end->addresses[family].prefix_length)
			error = nl_address_add(&inside, ifindex, phone_families[family].family,
					       end->addresses[family].bytes,
					       end->addresses[family].prefix_length);
	if (error == 0)
		error = nl_link_set_up(&inside, lo);
	if (error == 0)
		error = nl_link_set_up(&inside, ifindex);
	if (error < 0)
		floor_error("inside", end->netns, error, inside.error);
	nl_close(&inside);
	if (error == 0)
		error = nl_link_index(host, end->host_device, &ifindex);
	if (error == 0)
		error = nl_link_set_up(host, ifindex);
	if (error < 0)
		return floor_error("host device", end->host_device, error, host->error);
	netkit_pin_directory(directory, sizeof(directory), FLOOR_PIN_ROOT, end->host_device);
	if (mkdir(directory, 0700) < 0)
		return floor_error("pin directory", directory, -errno, NULL);
	for (size_t hook = 0; hook < NETKIT_HOOKS && error == 0; hook++)
		error = netkit_link_and_pin(program_fds[hook], ifindex, hook, directory, path,
					    &pin_failed);
	if (error < 0)
		return floor_error("wire on", end->host_device, error, NULL);
	return 0;
}

static int floor_up(const struct topology *topology)
{
	static const uint32_t secret[WIRE_SECRET_WORDS];
	static struct bpf_object wire;
	int program_fds[NETKIT_HOOKS], error;
	uint32_t target = 1;
	struct nl_socket host;
	size_t size;
	const void *image = wire_object_image(&size);

	error = bpffs_mount(PHONE_BPFFS);
	if (error == 0 && mkdir(FLOOR_PIN_ROOT, 0700) < 0 && errno != EEXIST)
		error = -errno;
	if (error == 0)
		error = bpf_object_parse(&wire, "wire", image, size);
	if (error == 0)
		error = bpf_object_set_global(&wire, WIRE_SYMBOL_TARGET, &target, sizeof(target));
	if (error == 0)
		error = bpf_object_set_global(&wire, WIRE_SYMBOL_SECRET, secret, sizeof(secret));
	if (error == 0)
		error = bpf_object_load(&wire);
	for (size_t hook = 0; hook < NETKIT_HOOKS && error == 0; hook++) {
		struct bpf_object_program *program =
			bpf_object_find_program(&wire, netkit_hooks[hook].section);

		program_fds[hook] = program ? program->fd : -1;
		error = program ? 0 : -ENOENT;
	}
	if (error < 0)
		return floor_error("loading the wire", "once", error, wire.error);
	error = nl_open(&host);
	for (size_t index = 0; index < topology->count && error == 0; index++)
		for (int side = 0; side < PHONE_ENDS && error == 0; side++)
			error = floor_end_up(&host, &topology->phones[index].ends[side],
					     program_fds);
	nl_close(&host);
	bpf_object_free(&wire);
	return error;
}

/* Whether name is a host device of the topology that is still to go. */
static int floor_forget_device(const struct topology *topology, char *gone, const char *name)
{
	for (size_t index = 0; index < topology->count; index++)
		for (int side = 0; side < PHONE_ENDS; side++)
			if (!gone[index * PHONE_ENDS + side] &&
			    strcmp(topology->phones[index].ends[side].host_device, name) == 0) {
				gone[index * PHONE_ENDS + side] = 1;
				return 1;
			}
	return 0;
}

struct floor_count {
	const struct topology *topology;
	char *gone;
	size_t left;
};

static int floor_count_link(const struct nl_link_info *link, void *context)
{
	struct floor_count *count = context;

	count->left -= floor_forget_device(count->topology, count->gone, link->name);
	return 0;
}

/* Until every host device is gone: RTM_DELLINK notifications on a socket
 * that joined RTNLGRP_LINK before the namespaces went; should the socket
 * overflow, one dump says what is still there. */
static int floor_wait_for_devices(struct nl_socket *events, const struct topology *topology)
{
	static char buffer[1 << 16];
	size_t total = topology->count * PHONE_ENDS, left = total;
	char *gone = calloc(total, 1);

	while (gone && left > 0) {
		struct pollfd ready = { .fd = events->fd, .events = POLLIN };
		ssize_t length;

		if (poll(&ready, 1, 30000) <= 0)
			break;
		length = recv(events->fd, buffer, sizeof(buffer), 0);
		if (length < 0 && errno == ENOBUFS) {
			struct floor_count count = { topology, calloc(total, 1), total };
			struct nl_socket host;

			if (count.gone && nl_open(&host) == 0) {
				nl_link_list(&host, floor_count_link, &count);
				nl_close(&host);
				/* What the dump did not find is gone. */
				memcpy(gone, count.gone, total);
				for (size_t index = 0; index < total; index++)
					gone[index] = !gone[index];
				left = count.left;
			}
			free(count.gone);
			continue;
		}
		for (struct nlmsghdr *message = (struct nlmsghdr *)buffer;
		     length > 0 && NLMSG_OK(message, (size_t)length);
		     message = NLMSG_NEXT(message, length)) {
			const size_t offset = NLMSG_LENGTH(NLMSG_ALIGN(sizeof(struct ifinfomsg)));
			const struct nlattr *table[IFLA_MAX + 1];
			char name[PHONE_DEVICE_MAX];

			/* nl_link_info_parse reads RTM_NEWLINK only: the name
			 * is all a deletion needs. */
			if (message->nlmsg_type != RTM_DELLINK || message->nlmsg_len < offset ||
			    nl_attr_parse((const char *)message + offset, message->nlmsg_len - offset,
					  table, IFLA_MAX) < 0 || !table[IFLA_IFNAME])
				continue;
			nl_attr_copy_text(name, sizeof(name), table[IFLA_IFNAME]);
			left -= floor_forget_device(topology, gone, name);
		}
	}
	free(gone);
	return left == 0 ? 0 : floor_error("waiting for the devices to go", "", -ETIMEDOUT, NULL);
}

static int floor_down(const struct topology *topology)
{
	struct nl_socket events;
	unsigned group = RTNLGRP_LINK;
	int error = nl_open(&events);

	if (error == 0 && setsockopt(events.fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group,
				     sizeof(group)) < 0)
		error = -errno;
	if (error < 0)
		return floor_error("listening for links", "", error, NULL);
	for (size_t index = 0; index < topology->count; index++)
		for (int side = 0; side < PHONE_ENDS; side++)
			netns_delete(topology->phones[index].ends[side].netns);
	error = floor_wait_for_devices(&events, topology);
	nl_close(&events);
	for (size_t index = 0; index < topology->count; index++)
		for (int side = 0; side < PHONE_ENDS; side++) {
			char directory[NETKIT_PIN_PATH_MAX], path[NETKIT_PIN_PATH_MAX];

			netkit_pin_directory(directory, sizeof(directory), FLOOR_PIN_ROOT,
					     topology->phones[index].ends[side].host_device);
			for (size_t hook = 0; hook < NETKIT_HOOKS; hook++) {
				netkit_pin_path(path, sizeof(path), directory, hook);
				unlink(path);
			}
			rmdir(directory);
		}
	return error;
}

int floor_main(int argc, char **argv)
{
	struct topology topology = { 0 };
	struct report report = { 0 };
	int error;

	if (argc != 4 || (strcmp(argv[2], "up") != 0 && strcmp(argv[2], "down") != 0)) {
		printf("usage: vmtest floor up|down CONFIG\n");
		return 2;
	}
	error = config_read_file(&topology, argv[3], &report);
	if (error < 0) {
		printf("floor: %s\n", report.message);
		return 1;
	}
	error = strcmp(argv[2], "up") == 0 ? floor_up(&topology) : floor_down(&topology);
	topology_free(&topology);
	return error < 0 ? 1 : 0;
}
