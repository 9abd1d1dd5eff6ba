/* up.c — brings the configured phones into being, and keeps them so: a
 * piece already in place (and made by yogurt) is left alone, a missing or
 * changed one is made again, and ends yogurt made that are no longer
 * configured are removed. Every piece this run creates goes into an undo
 * journal first, so a failure halfway removes exactly what this run made. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/stat.h>

#include "phone.h"
#include "../bpf/bpf.h"
#include "../wire/wire.h"
#include "../format/format.h"
#include "../nl/nl.h"
#include "../syscalls/syscalls.h"

enum undo_kind { UNDO_NETNS, UNDO_DEVICE, UNDO_PIN_DIR, UNDO_PIN_ROOT };

struct undo {
	enum undo_kind kind;
	char name[PHONE_NAME_MAX];
};

struct up_context {
	const struct topology *topology;
	struct report *report;
	int out;
	struct nl_socket host;			/* rtnetlink in the caller's namespace */
	struct bpf_object wire;
	struct owned owned;
	/* Per phone at most: 2 namespaces, 2 devices, 2 pin directories; and
	 * the pin root once. */
	struct undo journal[PHONE_MAX * 6 + 1];
	size_t journal_length;
	unsigned changes;			/* what this phone needed: CHANGE_* */
};

enum { CHANGE_NAMESPACE = 1, CHANGE_DEVICES = 2, CHANGE_ADDRESSES = 4, CHANGE_WIRE = 8 };

static void remember(struct up_context *context, enum undo_kind kind, const char *name)
{
	struct undo *entry;

	if (context->journal_length == sizeof(context->journal) / sizeof(context->journal[0]))
		return;	/* cannot happen: sized for PHONE_MAX phones above */
	entry = &context->journal[context->journal_length++];

	entry->kind = kind;
	format_string(entry->name, sizeof(entry->name), "%s", name);
}

/* The changes in words, for the one line up prints per phone. */
static const char *change_words(unsigned changes, char *words, size_t size)
{
	static const char *const names[] = { "namespaces", "devices", "addresses", "wire" };
	size_t length = 0;

	words[0] = '\0';
	for (unsigned bit = 0; bit < 4; bit++)
		if (changes & (1u << bit))
			length += format_string(words + length, size - length, "%s%s", length ? ", " : "", names[bit]);
	return words;
}

static void roll_back(struct up_context *context)
{
	struct report ignored;

	while (context->journal_length > 0) {
		struct undo *entry = &context->journal[--context->journal_length];

		switch (entry->kind) {
		case UNDO_NETNS:
			netns_delete(entry->name);
			owned_forget(&context->owned, entry->name);
			break;
		case UNDO_DEVICE:
			nl_link_delete(&context->host, entry->name);
			break;
		case UNDO_PIN_DIR:
			phone_remove_pins(entry->name);
			break;
		case UNDO_PIN_ROOT:
			rmdir(entry->name);
			break;
		}
	}
	owned_save(&context->owned, &ignored);
}

/* The kernel's words, when it gave some, after ours. */
static int kernel_error(struct up_context *context, int error, const char *words, const char *what)
{
	context->report->kernel_refused = 1;
	if (words[0])
		return report_error(context->report, error, "%s: %s (kernel: \"%s\")", what, error_text(-error), words);
	return report_error(context->report, error, "%s: %s", what, error_text(-error));
}

static int save(struct up_context *context)
{
	return owned_save(&context->owned, context->report);
}

/* The namespace: ours already, or new; somebody else's is an error. */
static int ensure_namespace(struct up_context *context, const struct phone_end *end, struct owned_end **record)
{
	uint64_t inode = netns_inode(end->netns);
	int error;

	*record = owned_find(&context->owned, end->netns);
	if (inode && (!*record || (*record)->netns_inode != inode))
		return report_error(context->report, -EEXIST,
				    "namespace %s already exists and yogurt did not make it: remove it "
				    "(ip netns delete %s) or configure another name", end->netns, end->netns);
	if (inode)
		return 0;
	error = netns_add(end->netns);
	if (error == -EPERM || error == -EACCES) {
		context->report->kernel_refused = 1;
		return report_error(context->report, error, "creating namespace %s under %s: %s (needs root in the "
				    "host's user namespace, and %s writable)", end->netns, NETNS_RUN_DIR, error_text(-error),
				    NETNS_RUN_DIR);
	}
	if (error < 0)
		return report_error(context->report, error, "creating namespace %s under %s: %s", end->netns,
				    NETNS_RUN_DIR, error_text(-error));
	remember(context, UNDO_NETNS, end->netns);
	*record = owned_remember(&context->owned, end->netns);
	if (!*record)
		return report_error(context->report, -ENOSPC, "too many phone ends to keep track of");
	(*record)->netns_inode = netns_inode(end->netns);
	(*record)->host_ifindex = 0;	/* a new namespace: the pair is made anew */
	format_string((*record)->host_device, sizeof((*record)->host_device), "%s", end->host_device);
	context->changes |= CHANGE_NAMESPACE;
	return save(context);
}

static int create_pair(struct up_context *context, const struct phone_end *end, int netns_fd,
		       struct owned_end *record, uint32_t *ifindex)
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
				    context->host.error[0] ? context->host.error : error_text(-error));
	}
	if (error == -EPERM)
		return report_error(context->report, error, "creating netkit devices needs CAP_NET_ADMIN: run yogurt as root");
	if (error == -EEXIST)
		return report_error(context->report, error, "device %s already exists and yogurt did not make it: "
				    "delete it or configure another name", end->host_device);
	if (error < 0) {
		format_string(what, sizeof(what), "creating netkit pair %s/%s", end->host_device, end->device);
		return kernel_error(context, error, context->host.error, what);
	}
	remember(context, UNDO_DEVICE, end->host_device);
	error = nl_link_index(&context->host, end->host_device, ifindex);
	if (error < 0)
		return kernel_error(context, error, context->host.error, "reading back the new device");
	record->host_ifindex = *ifindex;
	format_string(record->host_device, sizeof(record->host_device), "%s", end->host_device);
	context->changes |= CHANGE_DEVICES;
	return save(context);
}

/* Is the namespace side of the pair there, as configured? */
static int inside_matches(int netns_fd, const struct phone_end *end)
{
	struct nl_socket inside;
	struct nl_link_info device;
	int matches = 0;

	if (nl_open_in_netns(&inside, netns_fd) < 0)
		return 0;
	if (nl_link_get(&inside, end->device, &device) == 0)
		matches = device.netkit_primary == 0 && device.netkit_mode == end->mode;
	nl_close(&inside);
	return matches;
}

/* The netkit pair: ours and as configured, or (re)made. *fresh says it was. */
static int ensure_pair(struct up_context *context, const struct phone_end *end, int netns_fd,
		       struct owned_end *record, uint32_t *ifindex, int *fresh)
{
	struct nl_link_info host;
	int error = nl_link_get(&context->host, end->host_device, &host);

	*fresh = 0;
	if (error == 0) {
		if (host.ifindex != record->host_ifindex || strcmp(record->host_device, end->host_device) != 0)
			return report_error(context->report, -EEXIST, "device %s already exists and yogurt did not "
					    "make it: delete it or configure another name", end->host_device);
		if (host.netkit_primary == 1 && host.netkit_mode == end->mode && inside_matches(netns_fd, end)) {
			*ifindex = host.ifindex;
			return 0;
		}
		/* Changed behind yogurt's back (or its mode changed): make it again. */
		nl_link_delete(&context->host, end->host_device);
	} else if (error != -ENODEV) {
		return kernel_error(context, error, context->host.error, "reading device state");
	}
	*fresh = 1;
	return create_pair(context, end, netns_fd, record, ifindex);
}

#define STRAY_ADDRESSES_MAX 16

/* What a device's addresses look like next to the configured ones. The
 * strays are deleted after the dump: a request sent on the socket while
 * the kernel is still dumping would take the dump's replies for its own. */
struct address_sync {
	const struct phone_end *end;
	int found4, found6;
	struct nl_address strays[STRAY_ADDRESSES_MAX];
	size_t stray_count;
};

/* Notes configured addresses found, and global ones that are not configured. */
static int sync_address(const struct nl_address *address, void *context)
{
	struct address_sync *sync = context;
	const struct phone_end *end = sync->end;

	if (address->scope != RT_SCOPE_UNIVERSE)
		return 0;	/* link-local addresses are the kernel's own */
	if (address->family == AF_INET && end->prefix_length && address->prefix_length == end->prefix_length &&
	    memcmp(address->address, &end->address, 4) == 0) {
		sync->found4 = 1;
		return 0;
	}
	if (address->family == AF_INET6 && end->prefix6_length && address->prefix_length == end->prefix6_length &&
	    memcmp(address->address, &end->address6, 16) == 0) {
		sync->found6 = 1;
		return 0;
	}
	if (sync->stray_count < STRAY_ADDRESSES_MAX)
		sync->strays[sync->stray_count++] = *address;
	return 0;
}

/* Inside the namespace: lo and the device up, exactly the configured
 * addresses, the configured MTU. */
static int configure_inside(struct up_context *context, const struct phone_end *end, int netns_fd)
{
	struct address_sync sync = { .end = end };
	struct nl_link_info device;
	struct nl_socket inside;
	uint32_t lo;
	char what[128];
	int error;

	error = nl_open_in_netns(&inside, netns_fd);
	if (error < 0)
		return report_error(context->report, error, "entering namespace %s: %s", end->netns, error_text(-error));
	format_string(what, sizeof(what), "configuring %s in %s", end->device, end->netns);
	error = nl_link_index(&inside, "lo", &lo);
	if (error == 0)
		error = nl_link_set_up(&inside, lo);
	if (error == 0)
		error = nl_link_get(&inside, end->device, &device);
	if (error == 0)
		error = nl_address_list(&inside, device.ifindex, sync_address, &sync);
	for (size_t index = 0; index < sync.stray_count && error == 0; index++)
		error = nl_address_delete(&inside, device.ifindex, sync.strays[index].family, sync.strays[index].address,
					  sync.strays[index].prefix_length);
	if (error == 0 && end->prefix_length && !sync.found4)
		error = nl_address_add(&inside, device.ifindex, AF_INET, &end->address, end->prefix_length);
	if (error == 0 && end->prefix6_length && !sync.found6)
		error = nl_address_add(&inside, device.ifindex, AF_INET6, &end->address6, end->prefix6_length);
	if (error == 0 && end->mtu && device.mtu != end->mtu)
		error = nl_link_set_mtu(&inside, device.ifindex, end->mtu);
	if (error == 0 && !(device.flags & IFF_UP))
		error = nl_link_set_up(&inside, device.ifindex);
	if (error == 0 && (sync.stray_count || (end->prefix_length && !sync.found4) || (end->prefix6_length && !sync.found6)))
		context->changes |= CHANGE_ADDRESSES;
	if (error < 0)
		error = kernel_error(context, error, inside.error, what);
	nl_close(&inside);
	return error;
}

static int ensure_end(struct up_context *context, const struct phone_end *end, uint32_t *ifindex, int *fresh)
{
	struct owned_end *record;
	struct nl_link_info host;
	char what[128];
	int netns_fd, error;

	error = ensure_namespace(context, end, &record);
	if (error < 0)
		return error;
	netns_fd = netns_open(end->netns);
	if (netns_fd < 0)
		return report_error(context->report, netns_fd, "opening namespace %s: %s", end->netns, error_text(-netns_fd));
	error = ensure_pair(context, end, netns_fd, record, ifindex, fresh);
	if (error == 0)
		error = configure_inside(context, end, netns_fd);
	close(netns_fd);
	if (error < 0)
		return error;
	format_string(what, sizeof(what), "bringing up %s", end->host_device);
	error = nl_link_get(&context->host, end->host_device, &host);
	if (error == 0 && end->mtu && host.mtu != end->mtu)
		error = nl_link_set_mtu(&context->host, host.ifindex, end->mtu);
	if (error == 0 && !(host.flags & IFF_UP))
		error = nl_link_set_up(&context->host, host.ifindex);
	return error < 0 ? kernel_error(context, error, context->host.error, what) : 0;
}

static int prepare_pins(struct up_context *context)
{
	int error = bpffs_mount(PHONE_BPFFS);

	if (error < 0)
		return report_error(context->report, error,
				    "bpffs is not mounted on %s and mounting it failed: %s (needs CAP_SYS_ADMIN and a kernel "
				    "with CONFIG_BPF_SYSCALL)", PHONE_BPFFS, error_text(-error));
	if (mkdir(PHONE_PIN_ROOT, 0700) == 0)
		remember(context, UNDO_PIN_ROOT, PHONE_PIN_ROOT);
	else if (errno != EEXIST)
		return report_error(context->report, -errno, "creating %s: %s", PHONE_PIN_ROOT, error_text(errno));
	return 0;
}

/* Both pins there, and the wire's programs attached at both hooks? */
static int wire_in_place(const char *device, uint32_t ifindex)
{
	static const struct { const char *pin, *program; uint32_t type; } hooks[] = {
		{ "primary", "wire_primary", BPF_NETKIT_PRIMARY }, { "peer", "wire_peer", BPF_NETKIT_PEER },
	};

	for (size_t hook = 0; hook < 2; hook++) {
		uint32_t ids[8], count = 0, found = 0;
		char path[256];

		format_string(path, sizeof(path), "%s/%s/%s", PHONE_PIN_ROOT, device, hooks[hook].pin);
		if (access(path, F_OK) < 0 || bpf_netkit_query(ifindex, hooks[hook].type, ids, 8, &count) < 0)
			return 0;
		for (uint32_t index = 0; index < count && index < 8; index++) {
			struct bpf_prog_info info;

			found |= bpf_program_info(ids[index], &info, NULL, NULL) == 0 &&
				 strcmp(info.name, hooks[hook].program) == 0;
		}
		if (!found)
			return 0;
	}
	return 1;
}

/* The wire: left alone when both ends have it; otherwise both ends get a
 * fresh instance with a fresh secret (the two must share one). */
static int ensure_wire(struct up_context *context, const struct phone *phone, const uint32_t ifindex[2],
		       const int fresh[2])
{
	uint32_t secret[WIRE_SECRET_WORDS];
	long got;

	if (!fresh[0] && !fresh[1] && wire_in_place(phone->ends[0].host_device, ifindex[0]) &&
	    wire_in_place(phone->ends[1].host_device, ifindex[1]))
		return 0;
	got = sys_getrandom(secret, sizeof(secret), 0);
	if (got != (long)sizeof(secret))
		return report_error(context->report, got < 0 ? (int)got : -EIO,
				    "no random numbers for the wire's gate secret: %s", error_text(got < 0 ? (int)-got : EIO));
	for (int side = 0; side < 2; side++)
		phone_remove_pins(phone->ends[side].host_device);
	for (int side = 0; side < 2; side++) {
		const struct phone_end *end = &phone->ends[side];
		char pin_dir[256];
		int error;

		format_string(pin_dir, sizeof(pin_dir), "%s/%s", PHONE_PIN_ROOT, end->host_device);
		error = wire_attach(&context->wire, ifindex[side], ifindex[!side], secret, pin_dir);
		if (error == -EPERM)
			return report_error(context->report, error, "wire on %s: %s: loading and attaching BPF programs "
					    "needs CAP_BPF and CAP_NET_ADMIN (or CAP_SYS_ADMIN)", end->host_device,
					    context->wire.error);
		if (error < 0) {
			context->report->kernel_refused = 1;
			return report_error(context->report, error, "wire on %s: %s", end->host_device, context->wire.error);
		}
		remember(context, UNDO_PIN_DIR, end->host_device);
	}
	memset(secret, 0, sizeof(secret));
	context->changes |= CHANGE_WIRE;
	return 0;
}

static int configured(const struct topology *topology, const char *netns)
{
	for (size_t index = 0; index < topology->count; index++)
		for (int side = 0; side < 2; side++)
			if (strcmp(topology->phones[index].ends[side].netns, netns) == 0)
				return 1;
	return 0;
}

/* Ends yogurt made that the configuration no longer has. */
static int remove_unconfigured(struct up_context *context)
{
	for (size_t index = context->owned.count; index-- > 0;) {
		struct owned_end record = context->owned.ends[index];
		int error;

		if (configured(context->topology, record.netns))
			continue;
		error = phone_remove_end(&context->host, &record, context->out, context->report);
		if (error < 0)
			return error;
		owned_forget(&context->owned, record.netns);
		error = save(context);
		if (error < 0)
			return error;
	}
	return 0;
}

static uint64_t now_us(void)
{
	struct timespec now;

	sys_clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000000u + (uint64_t)now.tv_nsec / 1000u;
}

static int bring_up(struct up_context *context, uint64_t start)
{
	int error = prepare_pins(context);

	for (size_t index = 0; index < context->topology->count && error == 0; index++) {
		const struct phone *phone = &context->topology->phones[index];
		uint32_t ifindex[2];
		int fresh[2];
		char words[64];

		context->changes = 0;
		error = ensure_end(context, &phone->ends[0], &ifindex[0], &fresh[0]);
		if (error == 0)
			error = ensure_end(context, &phone->ends[1], &ifindex[1], &fresh[1]);
		if (error == 0 && !context->topology->without_wire)
			error = ensure_wire(context, phone, ifindex, fresh);
		if (error == 0 && context->out >= 0)
			phone_print_ready(phone, change_words(context->changes, words, sizeof(words)), now_us() - start,
					  context->out);
	}
	if (error == 0)
		error = remove_unconfigured(context);
	return error;
}

int phone_up(const struct topology *topology, int out, struct report *report, uint64_t *elapsed_us)
{
	struct up_context context = { .topology = topology, .report = report, .out = out };
	uint64_t start = now_us();
	size_t image_size;
	const void *image = wire_object_image(&image_size);
	int lock = -1, error;

	error = phone_check_capabilities(1, report);
	if (error == 0)
		error = owned_lock(&lock, report);
	if (error < 0)
		return error;
	error = bpf_object_parse(&context.wire, "wire", image, image_size);
	if (error < 0) {
		owned_unlock(lock);
		return report_error(report, error, "the embedded wire object is broken: %s", context.wire.error);
	}
	error = nl_open(&context.host);
	if (error < 0)
		report_error(report, error, "opening rtnetlink: %s", error_text(-error));
	if (error == 0)
		error = owned_load(&context.owned, report);
	if (error == 0) {
		error = bring_up(&context, start);
		if (error < 0)
			roll_back(&context);
		nl_close(&context.host);
	}
	bpf_object_free(&context.wire);
	owned_unlock(lock);
	if (elapsed_us)
		*elapsed_us = now_us() - start;
	return error;
}
