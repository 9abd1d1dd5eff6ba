/* internal.h — what the phone commands share among themselves (and with
 * the VM tests): the report helpers, yogurt's records of what it made,
 * the pins, the capabilities check, and the probes. Same conventions as
 * phone.h. */
#ifndef YOGURT_PHONE_INTERNAL_H
#define YOGURT_PHONE_INTERNAL_H

#include <stdint.h>
#include <sys/socket.h>
#include <linux/bpf.h>

#include "phone.h"
#include "../format/format.h"
#include "../netns/netns.h"
#include "../nl/nl.h"
#include "../bpf/bpf.h"

/* ---- the report (report.c) ---------------------------------------------- */

/* yogurt's own refusal (usage, configuration, a name taken, a file, device
 * or section not there): writes the message into report; returns error. */
#define report_error(report, error, ...) \
	format_error((report)->message, error, __VA_ARGS__)

/* A kernel call failed (or the capabilities it demands are missing): the
 * message, then the kernel's own words (may be NULL or "") quoted after
 * it as ` (kernel: "…")`, and the mark that makes the exit status 2.
 * Returns error. */
int report_kernel(struct report *report, int error, const char *kernel_words, const char *format,
		  ...) __attribute__((format(printf, 4, 5)));

/* ---- rtnetlink (rtnetlink.c) -------------------------------------------- */

/* rtnetlink in this namespace: 0, or the failure reported. */
int phone_open_rtnetlink(struct nl_socket *socket, struct report *report);

/* rtnetlink inside the namespace behind netns_fd, and the device named name
 * there. 0: both; the caller closes *inside. A negative errno either from
 * opening (then inside->fd is -1) or from reading the device (-ENODEV: none;
 * *inside stays open, with the kernel's words, for the caller to close). */
int phone_inside_device(int netns_fd, const char *name, struct nl_socket *inside,
			struct nl_link_info *device);

/* ---- the pins (pins.c) -------------------------------------------------- */

/* Whether a pin directory that stays after its pins are gone (other files
 * in it, EBUSY) is an error. */
enum pin_directory_staying { PIN_DIRECTORY_MUST_GO, PIN_DIRECTORY_MAY_STAY };

/* Unpins the links pinned in directory (the pin layout of bpf/bpf.h;
 * unpinning a link's last reference detaches it; absent pins are fine) and
 * removes the directory. Returns how many links it unpinned, or a negative
 * errno. */
int phone_unpin(const char *directory, enum pin_directory_staying staying);

/* ---- programs (programs.c) --------------------------------------------- */

/* A program attached at a netkit hook, as the kernel tells it. */
struct hook_program {
	char name[BPF_OBJ_NAME_LEN];
	uint32_t id, instructions;
	char tag[2 * BPF_TAG_SIZE + 1];		/* hex; "" when the kernel told only the id */
};

#define HOOK_PROGRAMS_MAX 8

/* The programs attached at hook (an index into bpf/bpf.h's netkit_hooks) of
 * the netkit device ifindex: fills programs[0..capacity) (capacity at most
 * HOOK_PROGRAMS_MAX) and returns how many it filled, 0 when none or on
 * error. */
uint32_t phone_hook_programs(uint32_t ifindex, size_t hook, struct hook_program *programs,
			     uint32_t capacity);

/* ---- the ends by name and address (end_index.c) ------------------------ */

/* End numbers count ends: phone * PHONE_ENDS + side. */
static inline const struct phone_end *topology_end(const struct topology *topology, size_t end)
{
	return &topology->phones[end / PHONE_ENDS].ends[end % PHONE_ENDS];
}

/* What an end is found by. */
enum end_field { END_NETNS, END_HOST_DEVICE, END_DEVICE, END_IPV4, END_IPV6, END_FIELDS };

/* A zeroed index is empty. It refers to the topology's ends by number, so
 * it is only good with the topology it was filled from. */
struct end_index {
	uint32_t *slots;
	size_t capacity, used;
};

/* The end already holding a name or address another end wanted, and which
 * of the new end's fields clashed. */
struct end_clash {
	size_t end;
	enum end_field field;
};

/* Adds the names and addresses of end. 0; -EEXIST with *clash filled when
 * one of them is another end's (the new end is then partly in the index);
 * -ENOMEM. */
int end_index_add(struct end_index *index, const struct topology *topology, size_t end,
		  struct end_clash *clash);

/* The number of the end whose field is key (a name, or an address's 4 or
 * 16 bytes), or -1. */
long end_index_find(const struct end_index *index, const struct topology *topology,
		    enum end_field field, const void *key);
void end_index_free(struct end_index *index);

/* ---- what yogurt owns (owned.c; phone/RECORDS.md) ----------------------- */

/* The name of a host-side device while yogurt makes it: only yogurt uses
 * it (a leftover of a killed run is deleted by the next one); the device
 * gets its name only once it is recorded. */
#define PHONE_DEVICE_TEMPORARY "yg~new"

/* The first line of the records, and the longest line they have. */
#define OWNED_HEADER "yogurt records 1\n"
#define OWNED_LINE_MAX 256

/* What is under a recorded namespace's name now (checked by owned_load). */
enum owned_netns_state {
	OWNED_NETNS_GONE,	/* nothing */
	OWNED_NETNS_OURS,	/* the mount point yogurt made, its namespace on it */
	OWNED_NETNS_HALF,	/* the mount point yogurt made, not its namespace */
	OWNED_NETNS_OTHER,	/* somebody else's */
};

/* One phone end yogurt made: its namespace (the inode of the mount point
 * file yogurt made for it, which a tmpfs never reuses, and of the
 * namespace), and its host-side device (the netkit pair; its pins follow;
 * "" when not recorded). */
struct owned_end {
	char netns[PHONE_NAME_MAX];
	uint64_t mount_point_inode, netns_inode;
	char host_device[PHONE_DEVICE_MAX];
	uint32_t host_ifindex;
	uint8_t netns_state;	/* enum owned_netns_state */
};

struct owned {
	struct owned_end *ends;		/* in arena, grown by doubling */
	size_t count, capacity;
	uint32_t *index;		/* by name: records.c */
	size_t forgotten;
	size_t lines;			/* record lines the file holds */
	uint64_t written;		/* its bytes */
	unsigned broken, first_broken_line;	/* lines that are not records */
	int fd;				/* open to append; -1 */
	int loaded;
	struct memory_arena arena;
	int caught_signal;		/* SIGINT, SIGTERM or SIGHUP: stop */
};

void owned_unlock(int fd);

/* The records of PHONE_STATE_DIR/owned. owned_parse (records.c) reads a file's text
 * (untrusted: any bytes, any length) into owned, which starts zeroed:
 * lines that are not records are counted in broken and skipped; -ENOMEM.
 * owned_load opens and parses the file and checks each recorded namespace
 * against the kernel (netns_state); a broken line is said on stderr. */
int owned_parse(struct owned *owned, const char *text, size_t length);
int owned_load(struct owned *owned, struct report *report);
struct owned_end *owned_find(struct owned *owned, const char *netns);
/* NULL: no memory. */
struct owned_end *owned_remember(struct owned *owned, const char *netns);
void owned_forget(struct owned *owned, const char *netns);

/* Appends the record of an end's namespace or device, durably; called
 * after the object exists under a temporary name and before it gets its
 * own. */
int owned_record_netns(struct owned *owned, const struct owned_end *entry,
		       struct report *report);
int owned_record_device(struct owned *owned, const struct owned_end *entry,
			struct report *report);

/* What up and down begin with, in this order: the capabilities they need
 * (needs_bpf: up's), SIGINT, SIGTERM, SIGHUP and SIGPIPE blocked, the lock
 * of PHONE_STATE_DIR (waiting up to 10 s for another run, then naming it:
 * the holder writes "pid N, yogurt COMMAND" into it), the records, rtnetlink
 * here, leftovers of a killed run under the temporary names removed. 0 with
 * all of it held until owned_finish, or the failure reported and nothing
 * held. owned_finish writes the records whole if they say more than
 * needed, removes them when nothing is owned any more (a failure to is
 * reported and returned: they would claim what is gone). The signals stay
 * blocked (phone.h, phone_signals_release). */
int owned_start(int needs_bpf, int *lock, struct owned *owned, struct nl_socket *host,
		struct report *report);
int owned_finish(int lock, struct owned *owned, struct nl_socket *host, struct report *report);

/* The signal (SIGINT, SIGTERM or SIGHUP) that asked this run to stop, by
 * name, or NULL. */
const char *owned_interrupted(struct owned *owned);

/* Removes one recorded end: its wire's pins, its device, its namespace,
 * each only if it is the one yogurt made (down.c; up uses it for ends no
 * longer configured). */
int phone_remove_end(struct nl_socket *host, const struct owned_end *record, int out,
		     struct report *report);

/* ---- the rest ------------------------------------------------------------ */

/* 0 when the process has what building or removing phones needs
 * (CAP_NET_ADMIN, CAP_SYS_ADMIN for namespaces and bpffs; CAP_BPF is implied
 * by CAP_SYS_ADMIN); otherwise -EPERM with the missing ones named. */
int phone_check_capabilities(int needs_bpf, struct report *report);

/* Every netkit device here: both sides' programs (name, id, tag,
 * instructions), read from the kernel (netkit_list.c, for status). */
int phone_list_netkit(int out, struct report *report);

/* ---- probes: small network checks used by call and by the tests -------- */

/* An IPv4 or IPv6 socket address. */
union probe_address {
	struct sockaddr any;
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;
};

/* Fills endpoint with address (4 or 16 bytes, by family) and port. */
void probe_endpoint(union probe_address *endpoint, int family, const void *address,
		    uint16_t port);
socklen_t probe_endpoint_size(const union probe_address *endpoint);

/* The probes make their sockets with netns_socket (netns/netns.h): inside
 * the namespace behind netns_fd (-1: right here), where they keep working
 * after the caller has returned home. */

/* ICMP or ICMPv6 echoes from inside netns_fd to `to` (family AF_INET or
 * AF_INET6), a new one every 250 ms; 0 when a reply came within timeout_ms
 * (its echo's round trip in *rtt_us, may be NULL), -ETIMEDOUT when none
 * did. payload_size bytes of payload (0 to 1472) follow the echo header. */
int probe_ping(int netns_fd, int family, const void *to, size_t payload_size, int timeout_ms,
	       uint64_t *rtt_us);

/* TCP: a listener on endpoint inside netns_fd; a connection from inside
 * netns_fd to endpoint within timeout_ms; accepting one within timeout_ms.
 * Each returns an fd. */
int probe_tcp_listen(int netns_fd, const union probe_address *endpoint);
int probe_tcp_connect(int netns_fd, const union probe_address *endpoint, int timeout_ms);
int probe_tcp_accept(int listener, int timeout_ms);

/* A UDP socket bound to endpoint inside netns_fd. */
int probe_udp_bind(int netns_fd, const union probe_address *endpoint);

/* Sends all of data; receives exactly length bytes. Both give up after
 * timeout_ms without progress. */
int probe_send_all(int fd, const void *data, size_t length, int timeout_ms);
int probe_receive_all(int fd, void *data, size_t length, int timeout_ms);

/* Waits up to timeout_ms for a datagram on fd: its length, or -ETIMEDOUT. */
int probe_receive_datagram(int fd, void *data, size_t length, int timeout_ms);

/* Writes a whole IPv4 or IPv6 UDP frame (zero MACs, as L3 netkit has, and
 * valid checksums) straight onto device inside netns_fd with an AF_PACKET
 * socket, bypassing routing: what a capture tool or a container runtime
 * holding CAP_NET_RAW could do. from and to hold the ports. ENOBUFS means
 * the device dropped it on transmit. */
int probe_inject_udp(int netns_fd, const char *device, const union probe_address *from,
		     const union probe_address *to, const void *payload, size_t length);

/* Sends an IPv4 or IPv6 UDP packet with a source address of the caller's
 * choosing through a raw IP socket (IPPROTO_RAW, header included) from
 * inside netns_fd: what a CAP_NET_RAW process could forge. */
int probe_send_raw_udp(int netns_fd, const union probe_address *from,
		       const union probe_address *to, const void *payload, size_t length);

#endif
