/* internal.h — what the selftest's groups of checks share: the run's
 * context, the check table's shape, and the devices the checks make. */
#ifndef YOGURT_SELFTEST_INTERNAL_H
#define YOGURT_SELFTEST_INTERNAL_H

#include <stdint.h>
#include <linux/bpf.h>

#include "selftest.h"
#include "../format/format.h"
#include "../nl/nl.h"

struct selftest {
	struct ktap_writer ktap;
	struct nl_socket host;		/* rtnetlink in the selftest's namespace */
	char reason[FORMAT_ERROR_MAX];	/* the words of the check that runs */
};

/* A check returns KTAP_PASS, or KTAP_FAIL / KTAP_SKIP with its words in
 * selftest->reason (failing and skipping write them). variant tells apart
 * the checks one function makes (a mode and a policy, a return code). */
struct selftest_check {
	const char *name;		/* GROUP_WHAT: netkit_, bpf_, codes_, wire_ */
	enum ktap_result (*run)(struct selftest *selftest, unsigned variant);
	unsigned variant;
};

/* Words for a failure or a skip: returns KTAP_FAIL / KTAP_SKIP. */
#define failing(selftest, ...) format_error((selftest)->reason, KTAP_FAIL, __VA_ARGS__)
#define skipping(selftest, ...) format_error((selftest)->reason, KTAP_SKIP, __VA_ARGS__)

/* A failed kernel call: "WHAT: error text (kernel: "extack")". */
enum ktap_result kernel_failing(struct selftest *selftest, int error, const char *kernel_words,
				const char *what);

/* ---- devices (devices.c) ------------------------------------------------ */

/* A netkit pair a check made: the primary here, the peer here or in a
 * namespace of its own. */
struct test_pair {
	char primary[16], peer[16];		/* "yst-NAME", "yst-NAME-p" */
	int netns;				/* the peer's namespace; -1: here */
	uint32_t primary_ifindex, peer_ifindex;	/* the peer's: in its namespace */
};

/* Creates the pair yst-NAME / yst-NAME-p as request says (its names and
 * namespace are filled in here), with the peer in a new namespace when
 * own_namespace; both ifindexes looked up. KTAP_PASS, or the failure in
 * words with nothing left behind. */
enum ktap_result pair_create(struct selftest *selftest, struct test_pair *pair, const char *name,
			     struct netkit_pair *request, int own_namespace);

/* Deletes the pair (both ends go) and closes its namespace. */
void pair_remove(struct selftest *selftest, struct test_pair *pair);

/* The peer's view: rtnetlink in its namespace (the caller closes it). */
int pair_peer_socket(const struct test_pair *pair, struct nl_socket *socket);

/* Puts both ends up, the peer with the addresses 10.213.SUBNET.PEER_HOST/24
 * and fd13:SUBNET::PEER_HOST/64, and the primary with .1 and ::1 when
 * primary_addresses (a route from here to the peer). */
enum ktap_result pair_connect(struct selftest *selftest, struct test_pair *pair, unsigned subnet,
			      unsigned peer_host, int primary_addresses);

/* The addresses pair_connect gives: 4 bytes (IPv4) or 16 (IPv6). */
void test_address(int family, unsigned subnet, unsigned host, uint8_t address[16]);

/* A tiny netkit program: r0 = code; exit — or, with redirect_ifindex not
 * 0, bpf_redirect(redirect_ifindex, BPF_F_INGRESS)'s verdict. The fd. */
int program_returning(int32_t code, uint32_t attach_type, uint32_t redirect_ifindex);

/* ---- the groups of checks ----------------------------------------------- */

enum ktap_result check_pair_shape(struct selftest *selftest, unsigned variant);
enum ktap_result check_peer_elsewhere(struct selftest *selftest, unsigned variant);
enum ktap_result check_mtu(struct selftest *selftest, unsigned variant);
enum ktap_result check_delete_either_end(struct selftest *selftest, unsigned variant);
enum ktap_result check_scrub(struct selftest *selftest, unsigned variant);
enum ktap_result check_headroom(struct selftest *selftest, unsigned variant);

enum ktap_result check_program_load(struct selftest *selftest, unsigned variant);
enum ktap_result check_link_primary(struct selftest *selftest, unsigned variant);
enum ktap_result check_link_refused(struct selftest *selftest, unsigned variant);
enum ktap_result check_ordering(struct selftest *selftest, unsigned variant);
enum ktap_result check_link_update(struct selftest *selftest, unsigned variant);
enum ktap_result check_detach_on_close(struct selftest *selftest, unsigned variant);

/* The variants of check_return_code: a program's code, or none. */
enum { CODE_NONE_FORWARD, CODE_NONE_BLACKHOLE, CODE_NEXT, CODE_PASS, CODE_DROP, CODE_REDIRECT,
       CODE_UNKNOWN };
enum ktap_result check_return_code(struct selftest *selftest, unsigned variant);

/* The variants of check_wire. */
enum { WIRE_IPV4, WIRE_IPV6, WIRE_FULL_MTU, WIRE_GSO, WIRE_GATE };
enum ktap_result check_wire(struct selftest *selftest, unsigned variant);

#endif
