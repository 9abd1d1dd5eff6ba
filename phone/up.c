/* up.c — builds the phones: namespaces, netkit pairs, addresses, the wire.
 * Every piece created is written into an undo journal first, so that a
 * failure halfway removes exactly what this run made, newest first. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "phone.h"
#include "../bpf/bpf.h"
#include "../nl/nl.h"
#include "../syscalls/syscalls.h"
#include "../format/format.h"

enum undo_kind { UNDO_NETNS, UNDO_DEVICE, UNDO_PIN_DIR, UNDO_PIN_ROOT };

struct undo {
	enum undo_kind kind;
	char name[PHONE_NAME_MAX];
};

struct up_context {
	const struct topology *topology;
	struct report *report;
	struct nl_socket host;			/* rtnetlink in the caller's namespace */
	struct bpf_object wire;
	struct undo journal[PHONE_MAX * 8];
	size_t journal_length;
};

static void remember(struct up_context *context, enum undo_kind kind, const char *name)
{
	struct undo *entry = &context->journal[context->journal_length++];

	entry->kind = kind;
	format_string(entry->name, sizeof(entry->name), "%s", name);
}

static void roll_back(struct up_context *context)
{
	while (context->journal_length > 0) {
		struct undo *entry = &context->journal[--context->journal_length];
		char path[256];

		switch (entry->kind) {
		case UNDO_NETNS:
			netns_delete(entry->name);
			break;
		case UNDO_DEVICE:
			nl_link_delete(&context->host, entry->name);
			break;
		case UNDO_PIN_DIR:
			format_string(path, sizeof(path), "%s/%s/primary", PHONE_PIN_ROOT, entry->name);
			unlink(path);
			format_string(path, sizeof(path), "%s/%s/peer", PHONE_PIN_ROOT, entry->name);
			unlink(path);
			format_string(path, sizeof(path), "%s/%s", PHONE_PIN_ROOT, entry->name);
			rmdir(path);
			break;
		case UNDO_PIN_ROOT:
			rmdir(entry->name);
			break;
		}
	}
}

/* The kernel's words, when it gave some, after ours. */
static int kernel_error(struct up_context *context, int error, const char *what)
{
	const char *words = context->host.error;

	context->report->kernel_refused = 1;
	if (words[0])
		return report_error(context->report, error, "%s: %s (kernel: \"%s\")", what, strerror(-error), words);
	return report_error(context->report, error, "%s: %s", what, strerror(-error));
}

static int create_namespace(struct up_context *context, const struct phone_end *end)
{
	int error = netns_add(end->netns);

	if (error == -EEXIST)
		return report_error(context->report, error,
				    "namespace %s already exists: run 'yogurt down' first, or remove %s/%s",
				    end->netns, NETNS_RUN_DIR, end->netns);
	if (error < 0)
		return report_error(context->report, error, "creating namespace %s under %s: %s",
				    end->netns, NETNS_RUN_DIR, strerror(-error));
	remember(context, UNDO_NETNS, end->netns);
	return 0;
}

static int create_pair(struct up_context *context, const struct phone_end *end, int netns_fd)
{
	struct netkit_pair pair = {
		.primary_name = end->host_device,
		.peer_name = end->device,
		.policy = NETKIT_DROP,		/* blackhole: only the wire speaks */
		.peer_policy = NETKIT_DROP,
		.mode = end->mode,
		.peer_netns_fd = netns_fd,
		.mtu = end->mtu,
	};
	int error = nl_netkit_create(&context->host, &pair);
	char what[128];

	if (error == -EOPNOTSUPP) {
		context->report->kernel_refused = 1;
		return report_error(context->report, error,
				    "this kernel has no netkit devices: yogurt needs Linux >= 6.7 built with CONFIG_NETKIT=y (kernel: \"%s\")",
				    context->host.error[0] ? context->host.error : strerror(-error));
	}
	if (error == -EEXIST)
		return report_error(context->report, error,
				    "device %s already exists: run 'yogurt down' first, or delete it", end->host_device);
	if (error < 0) {
		format_string(what, sizeof(what), "creating netkit pair %s/%s", end->host_device, end->device);
		return kernel_error(context, error, what);
	}
	remember(context, UNDO_DEVICE, end->host_device);
	return 0;
}

/* Inside the namespace: lo and the device up, the address on the device. */
static int configure_inside(struct up_context *context, const struct phone_end *end, int netns_fd)
{
	struct nl_socket inside;
	uint32_t lo, device;
	char what[128];
	int error;

	error = nl_open_in_netns(&inside, netns_fd);
	if (error < 0)
		return report_error(context->report, error, "entering namespace %s: %s", end->netns, strerror(-error));
	format_string(what, sizeof(what), "configuring %s in %s", end->device, end->netns);
	error = nl_link_index(&inside, "lo", &lo);
	if (error == 0)
		error = nl_link_set_up(&inside, lo);
	if (error == 0)
		error = nl_link_index(&inside, end->device, &device);
	if (error == 0 && end->prefix_length)
		error = nl_address_add(&inside, device, AF_INET, &end->address, end->prefix_length);
	if (error == 0 && end->prefix6_length)
		error = nl_address_add(&inside, device, AF_INET6, &end->address6, end->prefix6_length);
	if (error == 0)
		error = nl_link_set_up(&inside, device);
	if (error < 0) {
		memcpy(context->host.error, inside.error, sizeof(inside.error));
		error = kernel_error(context, error, what);
	}
	nl_close(&inside);
	return error;
}

static int build_end(struct up_context *context, const struct phone_end *end, uint32_t *host_ifindex)
{
	char what[128];
	int netns_fd, error;

	error = create_namespace(context, end);
	if (error < 0)
		return error;
	netns_fd = netns_open(end->netns);
	if (netns_fd < 0)
		return report_error(context->report, netns_fd, "opening namespace %s: %s", end->netns, strerror(-netns_fd));
	error = create_pair(context, end, netns_fd);
	if (error == 0)
		error = configure_inside(context, end, netns_fd);
	close(netns_fd);
	if (error < 0)
		return error;
	format_string(what, sizeof(what), "bringing up %s", end->host_device);
	error = nl_link_index(&context->host, end->host_device, host_ifindex);
	if (error == 0)
		error = nl_link_set_up(&context->host, *host_ifindex);
	return error < 0 ? kernel_error(context, error, what) : 0;
}

static int prepare_pins(struct up_context *context)
{
	int error = bpffs_mount(PHONE_BPFFS);

	if (error < 0)
		return report_error(context->report, error,
				    "bpffs is not mounted on %s and mounting it failed: %s (is CONFIG_BPF_SYSCALL set, are you root?)",
				    PHONE_BPFFS, strerror(-error));
	if (mkdir(PHONE_PIN_ROOT, 0700) == 0)
		remember(context, UNDO_PIN_ROOT, PHONE_PIN_ROOT);
	else if (errno != EEXIST)
		return report_error(context->report, -errno, "creating %s: %s", PHONE_PIN_ROOT, strerror(errno));
	return 0;
}

static int attach_wire(struct up_context *context, const struct phone *phone, const uint32_t ifindex[2])
{
	uint32_t secret[WIRE_SECRET_WORDS];
	long got = sys_getrandom(secret, sizeof(secret), 0);

	if (got != (long)sizeof(secret))
		return report_error(context->report, got < 0 ? (int)got : -EIO,
				    "no random numbers for the wire's gate secret: %s", strerror(got < 0 ? (int)-got : EIO));
	for (int side = 0; side < 2; side++) {
		const struct phone_end *end = &phone->ends[side];
		char pin_dir[256];
		int error;

		format_string(pin_dir, sizeof(pin_dir), "%s/%s", PHONE_PIN_ROOT, end->host_device);
		error = wire_attach(&context->wire, ifindex[side], ifindex[!side], secret, pin_dir);
		if (error < 0) {
			context->report->kernel_refused = 1;
			return report_error(context->report, error, "wire on %s: %s", end->host_device, context->wire.error);
		}
		remember(context, UNDO_PIN_DIR, end->host_device);
	}
	memset(secret, 0, sizeof(secret));
	return 0;
}

static uint64_t now_us(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000000u + (uint64_t)now.tv_nsec / 1000u;
}

int phone_up(const struct topology *topology, struct report *report, uint64_t *elapsed_us)
{
	struct up_context context = { .topology = topology, .report = report };
	uint64_t start = now_us();
	size_t image_size;
	const void *image = wire_object_image(&image_size);
	int error;

	error = bpf_object_parse(&context.wire, "wire", image, image_size);
	if (error < 0)
		return report_error(report, error, "the embedded wire object is broken: %s", context.wire.error);
	error = nl_open(&context.host);
	if (error < 0) {
		bpf_object_free(&context.wire);
		return report_error(report, error, "opening rtnetlink: %s", strerror(-error));
	}
	error = prepare_pins(&context);
	for (size_t index = 0; index < topology->count && error == 0; index++) {
		const struct phone *phone = &topology->phones[index];
		uint32_t ifindex[2];

		error = build_end(&context, &phone->ends[0], &ifindex[0]);
		if (error == 0)
			error = build_end(&context, &phone->ends[1], &ifindex[1]);
		if (error == 0)
			error = attach_wire(&context, phone, ifindex);
	}
	if (error < 0)
		roll_back(&context);
	nl_close(&context.host);
	bpf_object_free(&context.wire);
	if (elapsed_us)
		*elapsed_us = now_us() - start;
	return error;
}
