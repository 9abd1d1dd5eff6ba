/* phone — the yogurt phone as a whole: the topology (what to build), the
 * report a command leaves, and the commands that build the phones, take
 * them down, read them back and call across them. What the commands share
 * among themselves is in internal.h.
 *
 * Functions return 0 on success or a negative errno; on failure the words
 * for the user are in report->message, printed once by main.c.
 */
#ifndef YOGURT_PHONE_H
#define YOGURT_PHONE_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "../format/format.h"

#define PHONE_NAME_MAX 64		/* namespace and phone names */
#define PHONE_DEVICE_MAX 16		/* IFNAMSIZ */

/* What yogurt made and its lock live here (owned.c). */
#define PHONE_STATE_DIR "/run/yogurt"

/* Where the wire's links are pinned: PIN_ROOT/<host device>/{primary,peer}
 * (the layout is bpf/bpf.h's netkit_pin_directory and netkit_pin_path). */
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

/* The two ends of a phone, ends[PHONE_END_FIRST] and ends[PHONE_END_SECOND]. */
#define PHONE_ENDS 2
#define PHONE_END_FIRST 0
#define PHONE_END_SECOND 1

/* Whether the address (bytes of a socket family, AF_INET or AF_INET6, and
 * its prefix) is the one the end is configured with. */
int phone_end_has_address(const struct phone_end *end, int family, const void *bytes,
			  unsigned prefix_length);

struct phone {
	char name[PHONE_NAME_MAX];		/* optional, for messages; "" if none */
	struct phone_end ends[PHONE_ENDS];
};

/* Any number of phones, as many as memory holds: phones[0..count) in one
 * mapping (memory/memory.h) that topology_add_phone grows. A copy of a
 * topology shares its phones (a smaller count makes a subset); only the
 * original is freed. */
struct topology {
	struct phone *phones;
	size_t count, capacity;
	int without_wire;	/* up --no-wire: bring your own (yogurt attach) */
};

/* A zeroed phone added at the end (phones may move): NULL when out of
 * memory. */
struct phone *topology_add_phone(struct topology *topology);

/* Frees the phones; the topology is then empty. */
void topology_free(struct topology *topology);

/* What a failed command has to say, and whether the kernel refused it (a
 * kernel call failed, or the capabilities it demands are missing) rather
 * than yogurt itself (usage, configuration, names taken, files or devices
 * not there): exit 2 or 1. Only report_kernel (internal.h) sets it. */
struct report {
	char message[FORMAT_ERROR_MAX];
	int kernel_refused;
	/* selftest: its verdict, kselftest's exit code (0, 1 a check failed,
	 * 4 all skipped), which main.c makes the exit status. */
	int kselftest_status;
};

/* The classic phone: yogurt-1 (10.42.0.1/24, fd42::1/64) <-> yogurt-2
 * (10.42.0.2/24, fd42::2/64), as the only phone of topology. 0 or
 * -ENOMEM. */
int topology_default(struct topology *topology);

/* Brings the phones of topology into being and keeps them so: what is in
 * place is left alone, what is missing or changed is made again, and phone
 * ends yogurt made that topology no longer has are removed. The phones
 * stay after the process exits. A failure halfway removes whatever this run
 * created. Says per phone what it did on out (may be -1); elapsed_us (may
 * be NULL) receives the time it took, by CLOCK_MONOTONIC. */
int phone_up(const struct topology *topology, int out, struct report *report,
	     uint64_t *elapsed_us);

/* phone_up and phone_down block SIGINT, SIGTERM, SIGHUP (up stops at its
 * next step and rolls back) and SIGPIPE (a closed stdout only fails the
 * writes), and return with them still blocked, what came taken as done: a
 * command then exits. A caller that goes on (PID 1 before it hands over)
 * releases them: the pending ones are dropped, the rest delivered again. */
void phone_signals_release(void);

/* Removes everything yogurt's records say it made (and nothing else);
 * prints what it removed to out (may be -1). */
int phone_down(int out, struct report *report);

/* What status prints: a line per phone and a count of their states (the
 * default); the phones named (a phone's name or either end's namespace) in
 * detail; every phone in detail followed by every netkit device here and
 * what is attached to it (detail, naming none); or (json) the phones asked
 * for in full as one JSON object, written phone by phone. */
struct status_request {
	int json, detail;
	char **names;
	int name_count;
};

/* Reads the phones back from the kernel, never from memory, and prints
 * them as request says. A name that is no phone's is an error. */
int phone_status(const struct topology *topology, const struct status_request *request, int out,
		 struct report *report);

/* Prints, once a second for `seconds` seconds (0: until interrupted), what
 * each wire instance counted in that second. */
int phone_watch(const struct topology *topology, unsigned seconds, int out,
		struct report *report);

/* Calls across the first phone: ICMP echo both ways, a TCP message each way,
 * and a host-side injection that must not get through. Prints a KTAP-style
 * transcript; returns 0 if every step passed, -EPROTO if one failed. */
int phone_call(const struct topology *topology, int out, struct report *report);

/* Your own programs on the host side of a netkit pair:
 *   yogurt attach OBJECT.o --dev IFNAME [--primary SECTION] [--peer SECTION]
 *                 [--pin DIR]
 *   yogurt detach --dev IFNAME [--pin DIR] */
struct attach_request {
	const char *object;		/* OBJECT.o (attach only) */
	const char *device;		/* IFNAME */
	const char *pin_directory;	/* NULL: PHONE_PIN_ROOT/IFNAME, where up pins */
	/* The section or program name for the primary and the peer hook; NULL:
	 * the hook's own section ("netkit/primary", "netkit/peer"), if any. */
	const char *programs[2];
};

/* Loads the object, links its programs to the device and pins the links in
 * the pin directory, so that they stay after yogurt exits; says what it
 * pinned on out. On failure nothing stays pinned. */
int phone_attach(const struct attach_request *request, int out, struct report *report);

/* Unpins what is pinned in the pin directory, which detaches it. */
int phone_detach(const struct attach_request *request, int out, struct report *report);

/* ---- config: phones from a config file or the kernel command line ------ */

/* Parses a whole config text (source_name names it in messages, e.g.
 * "/etc/yogurt.conf"); fills topology (count = phones read) and checks it
 * before anything touches the system: names the kernel would refuse, names
 * or addresses used twice, the two ends of a phone not in one network, the
 * networks of two phones overlapping. 0, or -EINVAL with one line in report
 * naming the source, the line, the bad word and what was expected; then
 * topology->count is 0. */
int config_parse(struct topology *topology, const char *text, size_t length,
		 const char *source_name, struct report *report);

/* Reads (of any size) and parses a file. */
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
