/* probe.c — small network checks across namespaces: ping, TCP, UDP, and
 * AF_PACKET injection, for IPv4 and IPv6. One process does both ends: a
 * socket belongs to the namespace it was created in, so it is created there
 * and used from home. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/ip_icmp.h>
#include <netinet/udp.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "internal.h"
#include "../syscalls/syscalls.h"

void probe_endpoint(union probe_address *endpoint, int family, const void *address, uint16_t port)
{
	memset(endpoint, 0, sizeof(*endpoint));
	if (family == AF_INET6) {
		endpoint->v6.sin6_family = AF_INET6;
		memcpy(&endpoint->v6.sin6_addr, address, 16);
		endpoint->v6.sin6_port = htons(port);
	} else {
		endpoint->v4.sin_family = AF_INET;
		memcpy(&endpoint->v4.sin_addr, address, 4);
		endpoint->v4.sin_port = htons(port);
	}
}

socklen_t probe_endpoint_size(const union probe_address *endpoint)
{
	return endpoint->any.sa_family == AF_INET6 ? sizeof(endpoint->v6) : sizeof(endpoint->v4);
}

/* A ping's echoes, one every PROBE_RESEND_MS until a reply or the timeout. */
#define PROBE_ECHOES 32
#define PROBE_RESEND_MS 250

/* Milliseconds left until deadline (monotonic_us), never negative. */
static int remaining_ms(uint64_t deadline)
{
	uint64_t now = monotonic_us();

	return deadline > now ? (int)((deadline - now) / 1000) : 0;
}

/* Waits for events on fd; -ETIMEDOUT after timeout_ms. */
static int wait_for(int fd, short events, int timeout_ms)
{
	struct pollfd entry = { .fd = fd, .events = events };
	int ready = poll(&entry, 1, timeout_ms);

	if (ready < 0)
		return -errno;
	return ready == 0 ? -ETIMEDOUT : 0;
}

/* The Internet checksum, over a pseudo-header sum (sum) and data. */
static uint16_t checksum(uint32_t sum, const void *data, size_t length)
{
	const uint8_t *bytes = data;

	for (size_t index = 0; index + 1 < length; index += 2)
		sum += (uint32_t)(bytes[index] << 8 | bytes[index + 1]);
	if (length & 1)
		sum += (uint32_t)bytes[length - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

/* The sequence number of an ICMP or ICMPv6 reply to our echo from `to`, or
 * -1. IPv4 raw sockets hand over the IP header too; IPv6 ones do not. */
static int our_reply(int family, const unsigned char *packet, ssize_t length, const void *to,
		     uint16_t identifier)
{
	if (family == AF_INET) {
		struct ip header;
		struct icmphdr reply;

		if (length < (ssize_t)sizeof(header))
			return -1;
		memcpy(&header, packet, sizeof(header));
		if (length < (ssize_t)(header.ip_hl * 4 + sizeof(reply)) ||
		    memcmp(&header.ip_src, to, 4) != 0)
			return -1;
		memcpy(&reply, packet + header.ip_hl * 4, sizeof(reply));
		return reply.type == ICMP_ECHOREPLY && reply.un.echo.id == htons(identifier) ?
		       ntohs(reply.un.echo.sequence) : -1;
	} else {
		struct icmp6_hdr reply;

		if (length < (ssize_t)sizeof(reply))
			return -1;
		memcpy(&reply, packet, sizeof(reply));
		return reply.icmp6_type == ICMP6_ECHO_REPLY && reply.icmp6_id == htons(identifier) ?
		       ntohs(reply.icmp6_seq) : -1;
	}
}

/* Sends echo number `sequence` (its checksum is the kernel's for ICMPv6,
 * RFC 3542). */
static int send_echo(int fd, int family, unsigned char *request, size_t size,
		     const union probe_address *target, uint16_t sequence)
{
	request[2] = request[3] = 0;
	request[6] = (uint8_t)(sequence >> 8);
	request[7] = (uint8_t)sequence;
	if (family == AF_INET) {
		uint16_t sum = checksum(0, request, size);

		memcpy(request + 2, &sum, 2);
	}
	if (sendto(fd, request, size, 0, &target->any, probe_endpoint_size(target)) < 0)
		return -errno;
	return 0;
}

int probe_ping(int netns_fd, int family, const void *to, size_t payload_size, int timeout_ms,
	       uint64_t *rtt_us)
{
	unsigned char request[8 + 1472];
	uint16_t identifier = (uint16_t)((uint64_t)getpid() ^ monotonic_us());
	uint64_t sent_us[PROBE_ECHOES], deadline;
	union probe_address target;
	uint16_t sent = 0;
	int fd, error = 0;

	if (payload_size > sizeof(request) - 8)
		return -EMSGSIZE;
	probe_endpoint(&target, family, to, 0);
	/* Echo header: type, code, checksum, identifier, sequence. */
	memset(request, 0, 8 + payload_size);
	request[0] = family == AF_INET ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
	request[4] = (uint8_t)(identifier >> 8);
	request[5] = (uint8_t)identifier;
	for (size_t index = 0; index < payload_size; index++)
		request[8 + index] = (uint8_t)index;
	fd = netns_socket(netns_fd, family, SOCK_RAW,
			  family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6);
	if (fd < 0)
		return fd;
	deadline = monotonic_us() + (uint64_t)timeout_ms * 1000;
	while (error == 0) {
		unsigned char packet[1600];
		union probe_address from;
		socklen_t from_size = sizeof(from);
		ssize_t length;
		int sequence, wait_ms = remaining_ms(deadline);

		/* Again every PROBE_RESEND_MS: a device just set up drops what
		 * it is given until the kernel's link watch has activated its
		 * queue, a moment later. */
		if (sent < PROBE_ECHOES && (sent == 0 || monotonic_us() >= sent_us[sent - 1] +
					    PROBE_RESEND_MS * 1000)) {
			sent_us[sent] = monotonic_us();
			sent++;
			error = send_echo(fd, family, request, 8 + payload_size, &target, sent);
			if (error < 0)
				break;
		}
		if (sent < PROBE_ECHOES && wait_ms > PROBE_RESEND_MS)
			wait_ms = PROBE_RESEND_MS;
		error = wait_for(fd, POLLIN, wait_ms);
		if (error == -ETIMEDOUT && remaining_ms(deadline) > 0)
			error = 0;
		if (error < 0)
			break;
		length = recvfrom(fd, packet, sizeof(packet), MSG_DONTWAIT, &from.any, &from_size);
		if (length < 0 || (family == AF_INET6 && memcmp(&from.v6.sin6_addr, to, 16) != 0))
			continue;
		sequence = our_reply(family, packet, length, to, identifier);
		if (sequence >= 1 && sequence <= sent) {
			if (rtt_us)
				*rtt_us = monotonic_us() - sent_us[sequence - 1];
			break;
		}
	}
	close(fd);
	return error;
}

int probe_tcp_listen(int netns_fd, const union probe_address *endpoint)
{
	int one = 1, fd = netns_socket(netns_fd, endpoint->any.sa_family, SOCK_STREAM, 0);

	if (fd < 0)
		return fd;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, &endpoint->any, probe_endpoint_size(endpoint)) < 0 || listen(fd, 4) < 0) {
		int error = -errno;

		close(fd);
		return error;
	}
	return fd;
}

int probe_tcp_connect(int netns_fd, const union probe_address *endpoint, int timeout_ms)
{
	int fd = netns_socket(netns_fd, endpoint->any.sa_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int error = 0, status = 0;
	socklen_t size = sizeof(status);

	if (fd < 0)
		return fd;
	/* Non-blocking: connected at once, or in progress until writable; then
	 * SO_ERROR says how it ended. */
	if (connect(fd, &endpoint->any, probe_endpoint_size(endpoint)) < 0)
		error = errno == EINPROGRESS ? wait_for(fd, POLLOUT, timeout_ms) : -errno;
	if (error == 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &status, &size) == 0 && status != 0)
		error = -status;
	if (error < 0) {
		close(fd);
		return error;
	}
	return fd;
}

int probe_tcp_accept(int listener, int timeout_ms)
{
	int error = wait_for(listener, POLLIN, timeout_ms);

	if (error < 0)
		return error;
	return sys_accept4(listener, SOCK_NONBLOCK);
}

int probe_udp_bind(int netns_fd, const union probe_address *endpoint)
{
	int fd = netns_socket(netns_fd, endpoint->any.sa_family, SOCK_DGRAM, 0);

	if (fd >= 0 && bind(fd, &endpoint->any, probe_endpoint_size(endpoint)) < 0) {
		int error = -errno;

		close(fd);
		return error;
	}
	return fd;
}

int probe_send_all(int fd, const void *data, size_t length, int timeout_ms)
{
	const unsigned char *bytes = data;

	while (length > 0) {
		ssize_t sent = send(fd, bytes, length, MSG_NOSIGNAL | MSG_DONTWAIT);
		int error;

		if (sent > 0) {
			bytes += sent;
			length -= (size_t)sent;
			continue;
		}
		if (sent < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		error = wait_for(fd, POLLOUT, timeout_ms);
		if (error < 0)
			return error;
	}
	return 0;
}

int probe_receive_all(int fd, void *data, size_t length, int timeout_ms)
{
	unsigned char *bytes = data;

	while (length > 0) {
		ssize_t got = recv(fd, bytes, length, MSG_DONTWAIT);
		int error;

		if (got > 0) {
			bytes += got;
			length -= (size_t)got;
			continue;
		}
		if (got == 0)
			return -ECONNRESET;
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
		error = wait_for(fd, POLLIN, timeout_ms);
		if (error < 0)
			return error;
	}
	return 0;
}

int probe_receive_datagram(int fd, void *data, size_t length, int timeout_ms)
{
	int error = wait_for(fd, POLLIN, timeout_ms);
	ssize_t got;

	if (error < 0)
		return error;
	got = recv(fd, data, length, MSG_DONTWAIT);
	return got < 0 ? -errno : (int)got;
}

/* The UDP checksum's pseudo-header sum (RFC 768, RFC 8200 8.1). */
static uint32_t pseudo_header_sum(const union probe_address *from, const union probe_address *to,
				  size_t udp_length)
{
	const uint8_t *source, *destination;
	size_t address_size;
	uint32_t sum = (uint32_t)IPPROTO_UDP + (uint32_t)udp_length;

	if (from->any.sa_family == AF_INET6) {
		source = from->v6.sin6_addr.s6_addr;
		destination = to->v6.sin6_addr.s6_addr;
		address_size = 16;
	} else {
		source = (const uint8_t *)&from->v4.sin_addr;
		destination = (const uint8_t *)&to->v4.sin_addr;
		address_size = 4;
	}
	for (size_t index = 0; index < address_size; index += 2)
		sum += (uint32_t)(source[index] << 8 | source[index + 1]) +
		       (uint32_t)(destination[index] << 8 | destination[index + 1]);
	return sum;
}

/* Lays out [Ethernet | IPv4 or IPv6 | UDP | payload] in frame; its length. */
static size_t build_udp_frame(unsigned char *frame, const union probe_address *from,
			      const union probe_address *to, const void *payload, size_t length)
{
	int is_ipv6 = from->any.sa_family == AF_INET6;
	size_t ip_size = is_ipv6 ? sizeof(struct ip6_hdr) : sizeof(struct ip);
	size_t udp_length = sizeof(struct udphdr) + length;
	struct udphdr udp = {
		.uh_sport = is_ipv6 ? from->v6.sin6_port : from->v4.sin_port,
		.uh_dport = is_ipv6 ? to->v6.sin6_port : to->v4.sin_port,
		.uh_ulen = htons((uint16_t)udp_length),
	};
	uint16_t ethertype = htons(is_ipv6 ? ETH_P_IPV6 : ETH_P_IP);
	unsigned char *udp_start = frame + ETH_HLEN + ip_size;

	memset(frame, 0, ETH_HLEN);
	memcpy(frame + 2 * ETH_ALEN, &ethertype, sizeof(ethertype));
	if (is_ipv6) {
		struct ip6_hdr ip = { .ip6_src = from->v6.sin6_addr, .ip6_dst = to->v6.sin6_addr };

		ip.ip6_flow = htonl(6u << 28);
		ip.ip6_plen = htons((uint16_t)udp_length);
		ip.ip6_nxt = IPPROTO_UDP;
		ip.ip6_hlim = 64;
		memcpy(frame + ETH_HLEN, &ip, sizeof(ip));
	} else {
		struct ip ip = { .ip_v = 4, .ip_hl = 5, .ip_ttl = 64, .ip_p = IPPROTO_UDP,
				 .ip_src = from->v4.sin_addr, .ip_dst = to->v4.sin_addr };

		ip.ip_len = htons((uint16_t)(sizeof(ip) + udp_length));
		ip.ip_sum = checksum(0, &ip, sizeof(ip));
		memcpy(frame + ETH_HLEN, &ip, sizeof(ip));
	}
	memcpy(udp_start, &udp, sizeof(udp));
	memcpy(udp_start + sizeof(udp), payload, length);
	udp.uh_sum = checksum(pseudo_header_sum(from, to, udp_length), udp_start, udp_length);
	if (udp.uh_sum == 0)
		udp.uh_sum = 0xffff;	/* zero means "no checksum" */
	memcpy(udp_start + offsetof(struct udphdr, uh_sum), &udp.uh_sum, sizeof(udp.uh_sum));
	return ETH_HLEN + ip_size + udp_length;
}

int probe_inject_udp(int netns_fd, const char *device, const union probe_address *from,
		     const union probe_address *to, const void *payload, size_t length)
{
	unsigned char frame[ETH_HLEN + sizeof(struct ip6_hdr) + sizeof(struct udphdr) + 512];
	struct sockaddr_ll link = { .sll_family = AF_PACKET, .sll_halen = ETH_ALEN };
	struct ifreq request;
	size_t total;
	int fd, error = 0;

	if (length > 512 || from->any.sa_family != to->any.sa_family ||
	    strlen(device) >= sizeof(request.ifr_name))
		return -EINVAL;
	total = build_udp_frame(frame, from, to, payload, length);
	link.sll_protocol = htons(from->any.sa_family == AF_INET6 ? ETH_P_IPV6 : ETH_P_IP);
	fd = netns_socket(netns_fd, AF_PACKET, SOCK_RAW, 0);
	if (fd < 0)
		return fd;
	/* The socket's own namespace resolves the device name. */
	memset(&request, 0, sizeof(request));
	memcpy(request.ifr_name, device, strlen(device));
	if (ioctl(fd, SIOCGIFINDEX, &request) < 0)
		error = -errno;
	link.sll_ifindex = request.ifr_ifindex;
	if (error == 0 && sendto(fd, frame, total, 0, (struct sockaddr *)&link, sizeof(link)) < 0)
		error = -errno;
	close(fd);
	return error;
}

int probe_send_raw_udp(int netns_fd, const union probe_address *from, const union probe_address *to,
		       const void *payload, size_t length)
{
	unsigned char frame[ETH_HLEN + sizeof(struct ip6_hdr) + sizeof(struct udphdr) + 512];
	union probe_address target = *to;
	size_t total;
	int fd, error = 0;

	if (length > 512 || from->any.sa_family != to->any.sa_family)
		return -EINVAL;
	total = build_udp_frame(frame, from, to, payload, length);
	/* The port of a raw socket's address is the protocol: leave it 0. */
	if (target.any.sa_family == AF_INET6)
		target.v6.sin6_port = 0;
	else
		target.v4.sin_port = 0;
	fd = netns_socket(netns_fd, from->any.sa_family, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0)
		return fd;
	if (sendto(fd, frame + ETH_HLEN, total - ETH_HLEN, 0, &target.any,
		   probe_endpoint_size(&target)) < 0)
		error = -errno;
	close(fd);
	return error;
}
