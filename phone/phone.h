/* phone — the yogurt phone as a whole: the topology (what to build) and the
 * commands that build it, take it down, read it back and call across it.
 *
 * Functions return 0 on success or a negative errno; on failure the words
 * for the user are in report->message, printed once by main.c.
 */
#ifndef YOGURT_PHONE_H
#define YOGURT_PHONE_H

#include <stdint.h>
#include <stdio.h>
#include <netinet/in.h>

#define PHONE_MAX 8
#define PHONE_NAME_MAX 64
#define PHONE_DEVICE_MAX 16		/* IFNAMSIZ */

/* Where the wire's links are pinned: PIN_ROOT/<host device>/{primary,peer}. */
#define PHONE_BPFFS "/sys/fs/bpf"
#define PHONE_PIN_ROOT "/sys/fs/bpf/yogurt"

/* One end of a phone: a namespace and the netkit pair that reaches it. */
struct phone_end {
	char netns[PHONE_NAME_MAX];		/* "yogurt-1" */
	char host_device[PHONE_DEVICE_MAX];	/* "yg1-host", stays on the host */
	char device[PHONE_DEVICE_MAX];		/* "yg1-cont", inside netns */
	struct in_addr address;			/* 10.42.0.1 */
	uint8_t prefix_length;			/* 24 */
	struct in6_addr address6;		/* fd42::1 */
	uint8_t prefix6_length;			/* 64; 0: no IPv6 address */
};

struct phone {
	struct phone_end ends[2];
};

struct topology {
	struct phone phones[PHONE_MAX];
	size_t count;
};

struct report {
	char message[512];
	int kernel_refused;	/* the kernel said no (as opposed to bad input) */
};

/* The classic phone: yogurt-1 (10.42.0.1/24, fd42::1/64) <-> yogurt-2
 * (10.42.0.2/24, fd42::2/64). */
void topology_default(struct topology *topology);

/* Builds every phone; the phone stays after the process exits. A failure
 * halfway removes whatever this run created. elapsed_us (may be NULL)
 * receives the time it took in microseconds, by CLOCK_MONOTONIC. */
int phone_up(const struct topology *topology, struct report *report, uint64_t *elapsed_us);

/* Prints "up: phone A <-> B ready in N.NNN ms" for each phone. */
void phone_print_ready(const struct topology *topology, uint64_t elapsed_us, FILE *out);

/* Removes the namespaces, devices and pins of every phone; absent pieces are
 * fine. Prints what it removed to out (may be NULL). */
int phone_down(const struct topology *topology, FILE *out, struct report *report);

/* Reads the phones back from the kernel and prints them. */
int phone_status(const struct topology *topology, FILE *out, struct report *report);

/* Calls across the first phone: ICMP echo both ways, a TCP message each way,
 * and a host-side injection that must not get through. Prints a KTAP-style
 * transcript; returns 0 if every step passed, -EPROTO if one failed. */
int phone_call(const struct topology *topology, FILE *out, struct report *report);

/* Writes a formatted message into report; returns error. */
int report_error(struct report *report, int error, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

#endif

/* ---- probes: small network checks used by call and by the tests -------- */

/* A socket created inside the namespace behind netns_fd (-1: right here);
 * it keeps working there after the caller has returned home. */
int probe_socket(int netns_fd, int domain, int type, int protocol);

/* ICMP echo from inside netns_fd to `to`; 0 when the reply came within
 * timeout_ms (round trip in *rtt_us), -ETIMEDOUT when it did not. */
int probe_ping(int netns_fd, struct in_addr to, int timeout_ms, uint64_t *rtt_us);

/* ICMPv6 echo, the same way. */
int probe_ping6(int netns_fd, const struct in6_addr *to, int timeout_ms, uint64_t *rtt_us);

/* A TCP listener on address:port inside netns_fd; returns its fd. */
int probe_tcp_listen(int netns_fd, struct in_addr address, uint16_t port);

/* A TCP connection from inside netns_fd to to:port within timeout_ms. */
int probe_tcp_connect(int netns_fd, struct in_addr to, uint16_t port, int timeout_ms);

/* Accepts one connection on listener within timeout_ms. */
int probe_tcp_accept(int listener, int timeout_ms);

/* Sends all of data; receives exactly length bytes. Both give up after
 * timeout_ms without progress. */
int probe_send_all(int fd, const void *data, size_t length, int timeout_ms);
int probe_receive_all(int fd, void *data, size_t length, int timeout_ms);

/* Waits up to timeout_ms for a datagram on fd: its length, or -ETIMEDOUT. */
int probe_receive_datagram(int fd, void *data, size_t length, int timeout_ms);

/* Writes a whole IPv4/UDP frame (zero MACs, as L3 netkit has) straight onto
 * device with an AF_PACKET socket, bypassing routing: what a capture tool
 * or a container runtime holding CAP_NET_RAW could do. */
int probe_inject_udp(const char *device, struct in_addr from, struct in_addr to, uint16_t port,
		     const void *payload, size_t length);
