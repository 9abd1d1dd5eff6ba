/* phone — the yogurt phone as a whole: the topology (what to build) and the
 * commands that build it, take it down, read it back and call across it.
 *
 * Functions return 0 on success or a negative errno; on failure the words
 * for the user are in report->message, printed once by main.c.
 */
#ifndef YOGURT_PHONE_H
#define YOGURT_PHONE_H

#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define PHONE_MAX 16
#define PHONE_NAME_MAX 64		/* namespace and phone names */
#define PHONE_DEVICE_MAX 16		/* IFNAMSIZ */

/* What yogurt made and its lock live here (owned.c). */
#define PHONE_STATE_DIR "/run/yogurt"

/* Where the wire's links are pinned: PIN_ROOT/<host device>/{primary,peer}. */
#define PHONE_BPFFS "/sys/fs/bpf"
#define PHONE_PIN_ROOT "/sys/fs/bpf/yogurt"

/* The address families of an end, the indexes of phone_end.addresses. */
enum { PHONE_IPV4, PHONE_IPV6, PHONE_FAMILIES };

/* Each index's socket family, address size and IP version (topology.c). */
extern const struct phone_family {
	uint8_t family;		/* AF_INET, AF_INET6 */
	uint8_t size;		/* 4, 16 bytes */
	char version;		/* '4', '6' */
} phone_families[PHONE_FAMILIES];

/* The index of a socket family (AF_INET or AF_INET6). */
static inline int phone_family_index(int family)
{
	return family == AF_INET6 ? PHONE_IPV6 : PHONE_IPV4;
}

/* One family's address of an end. */
struct phone_address {
	uint8_t bytes[16];	/* the first 4 for IPv4 */
	uint8_t prefix_length;	/* 0: the end has no address of this family */
};

/* One end of a phone: a namespace and the netkit pair that reaches it. */
struct phone_end {
	char netns[PHONE_NAME_MAX];		/* "yogurt-1" */
	char host_device[PHONE_DEVICE_MAX];	/* "yg1-host", stays on the host */
	char device[PHONE_DEVICE_MAX];		/* "yg1-cont", inside netns */
	struct phone_address addresses[PHONE_FAMILIES];	/* 10.42.0.1/24, fd42::1/64 */
	uint32_t mtu;				/* both devices; 0: the kernel's (1500) */
	uint32_t mode;				/* NETKIT_L3 (default) or NETKIT_L2 */
};

/* Whether the address (bytes of a socket family, AF_INET or AF_INET6, and
 * its prefix) is the one the end is configured with. */
int phone_end_has_address(const struct phone_end *end, int family, const void *bytes,
			  unsigned prefix_length);

struct phone {
	char name[PHONE_NAME_MAX];		/* optional, for messages; "" if none */
	struct phone_end ends[2];
};

struct topology {
	struct phone phones[PHONE_MAX];
	size_t count;
	int without_wire;	/* up --no-wire: bring your own (yogurt attach) */
};

struct report {
	char message[512];
	int kernel_refused;	/* the kernel said no (as opposed to bad input) */
};

/* The classic phone: yogurt-1 (10.42.0.1/24, fd42::1/64) <-> yogurt-2
 * (10.42.0.2/24, fd42::2/64). */
void topology_default(struct topology *topology);

/* Brings the phones of topology into being and keeps them so: what is in
 * place is left alone, what is missing or changed is made again, and phone
 * ends yogurt made that topology no longer has are removed. The phones
 * stay after the process exits. A failure halfway removes whatever this run
 * created. Says per phone what it did on out (may be NULL); elapsed_us (may
 * be NULL) receives the time it took, by CLOCK_MONOTONIC. */
int phone_up(const struct topology *topology, int out, struct report *report, uint64_t *elapsed_us);

/* "up: phone A <-> B ready in N.NNN ms (made: …)" or "… already up". */
void phone_print_ready(const struct phone *phone, const char *changes, uint64_t elapsed_us, int out);

/* Removes everything yogurt's records say it made (and nothing else);
 * prints what it removed to out (may be NULL). */
int phone_down(int out, struct report *report);

/* Removes the pins of one host-side device's wire (absent ones are fine). */
int phone_remove_pins(const char *host_device);

/* Removes one recorded end: its wire's pins, its device, its namespace,
 * each only if it is the one yogurt made. */
struct nl_socket;
struct owned_end;
int phone_remove_end(struct nl_socket *host, const struct owned_end *record, int out, struct report *report);

/* Reads the phones back from the kernel and prints them, as text or (json)
 * as one JSON object. */
int phone_status(const struct topology *topology, int json, int out, struct report *report);

/* Prints, once a second for `seconds` seconds (0: until interrupted), what
 * each wire instance counted in that second. */
int phone_watch(const struct topology *topology, unsigned seconds, int out, struct report *report);

/* Calls across the first phone: ICMP echo both ways, a TCP message each way,
 * and a host-side injection that must not get through. Prints a KTAP-style
 * transcript; returns 0 if every step passed, -EPROTO if one failed. */
int phone_call(const struct topology *topology, int out, struct report *report);

/* ---- what yogurt owns (owned.c) ----------------------------------------- */

#define OWNED_MAX (PHONE_MAX * 2)

/* One phone end yogurt made: its namespace (and the inode that namespace had
 * then, so a namespace somebody else made under the same name is not taken
 * for ours), and its host-side device (the netkit pair; its pins follow). */
struct owned_end {
	char netns[PHONE_NAME_MAX];
	uint64_t netns_inode;
	char host_device[PHONE_DEVICE_MAX];
	uint32_t host_ifindex;
};

struct owned {
	struct owned_end ends[OWNED_MAX];
	size_t count;
};

/* Takes the lock of PHONE_STATE_DIR (waiting up to 10 s for another run). */
int owned_lock(int *fd, struct report *report);
void owned_unlock(int fd);

/* The records, read from / written to PHONE_STATE_DIR/owned. */
int owned_load(struct owned *owned, struct report *report);
int owned_save(const struct owned *owned, struct report *report);
struct owned_end *owned_find(struct owned *owned, const char *netns);
struct owned_end *owned_remember(struct owned *owned, const char *netns);	/* NULL: full */
void owned_forget(struct owned *owned, const char *netns);

/* The inode of /run/netns/NAME (its namespace), 0 if there is none. */
uint64_t netns_inode(const char *name);

/* 0 when the process has what building or removing phones needs
 * (CAP_NET_ADMIN, CAP_SYS_ADMIN for namespaces and bpffs; CAP_BPF is implied
 * by CAP_SYS_ADMIN); otherwise -EPERM with the missing ones named. */
int phone_check_capabilities(int needs_bpf, struct report *report);

/* Writes a formatted message into report; returns error. */
int report_error(struct report *report, int error, const char *format, ...)
	__attribute__((format(printf, 3, 4)));


/* ---- probes: small network checks used by call and by the tests -------- */

/* An IPv4 or IPv6 socket address. */
union probe_address {
	struct sockaddr any;
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;
};

/* Fills endpoint with address (4 or 16 bytes, by family) and port. */
void probe_endpoint(union probe_address *endpoint, int family, const void *address, uint16_t port);
socklen_t probe_endpoint_size(const union probe_address *endpoint);

/* A socket created inside the namespace behind netns_fd (-1: right here);
 * it keeps working there after the caller has returned home. */
int probe_socket(int netns_fd, int domain, int type, int protocol);

/* ICMP or ICMPv6 echo from inside netns_fd to `to` (family AF_INET or
 * AF_INET6); 0 when the reply came within timeout_ms (round trip in
 * *rtt_us, may be NULL), -ETIMEDOUT when it did not. payload_size bytes of
 * payload (0 to 1472) follow the echo header. */
int probe_ping(int netns_fd, int family, const void *to, size_t payload_size, int timeout_ms, uint64_t *rtt_us);

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
int probe_send_raw_udp(int netns_fd, const union probe_address *from, const union probe_address *to,
		       const void *payload, size_t length);

/* ---- config: phones from a config file or the kernel command line ------ */

/* Parses a whole config text (source_name names it in messages, e.g.
 * "/etc/yogurt.conf"); fills topology (count = phones read) and checks it
 * before anything touches the system: names the kernel would refuse, names
 * or addresses used twice, the two ends of a phone not in one network, the
 * networks of two phones overlapping. 0, or -EINVAL with one line in report
 * naming the source, the line, the bad word and what was expected; then
 * topology->count is 0. */
int config_parse(struct topology *topology, const char *text, size_t length, const char *source_name,
		 struct report *report);

/* Reads (at most 64 KiB) and parses a file. */
int config_read_file(struct topology *topology, const char *path, struct report *report);

/* The configured phones: path's, or (path NULL) those of
 * CONFIG_DEFAULT_PATH, or the default phone when that file does not exist. */
#define CONFIG_DEFAULT_PATH "/etc/yogurt.conf"
int config_load(struct topology *topology, const char *path, struct report *report);

/* From the kernel command line (the contents of /proc/cmdline): phones of
 * yogurt.conf=PATH files and yogurt.phone=END+END words, checked together.
 * *found = 0 when there is neither (the caller then uses the default phone). */
int config_from_command_line(struct topology *topology, const char *command_line, int *found,
			     struct report *report);

/* The value of the last word NAME=VALUE of a kernel command line with a
 * VALUE (name "yogurt.init"), copied into value (size bytes, cut if need
 * be); value stays as it is when there is none. */
void config_command_line_value(const char *command_line, const char *name, char *value,
			       size_t size);

/* The text of `yogurt help config`. */
extern const char config_help[];

#endif
