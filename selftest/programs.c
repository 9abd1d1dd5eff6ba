/* programs.c — BPF on netkit: loading programs for either hook, links
 * through the primary's ifindex (and the two refusals), their order, link
 * update, detach on close, and the query that shows all of it. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "../bpf/bpf.h"
#include "../syscalls/syscalls.h"

#define PROGRAMS_MAX 3

static const char *hook_name(uint32_t attach_type)
{
	return attach_type == BPF_NETKIT_PEER ? "netkit/peer" : "netkit/primary";
}

/* Loads count NETKIT_NEXT programs for attach_type into fds (-1 where not
 * loaded) and their ids. */
static enum ktap_result load_programs(struct selftest *selftest, uint32_t attach_type,
				      int *fds, uint32_t *ids, unsigned count)
{
	enum ktap_result result = KTAP_PASS;

	for (unsigned index = 0; index < count; index++)
		fds[index] = -1;
	for (unsigned index = 0; index < count && result == KTAP_PASS; index++) {
		char what[64];
		int error;

		fds[index] = program_returning(NETKIT_NEXT, attach_type, 0);
		error = fds[index] < 0 ? fds[index] : bpf_program_id(fds[index], &ids[index]);
		format_string(what, sizeof(what), "BPF_PROG_LOAD of a %s program",
			      hook_name(attach_type));
		if (error < 0)
			result = kernel_failing(selftest, error, NULL, what);
	}
	return result;
}

static void close_all(int *fds, unsigned count)
{
	for (unsigned index = 0; index < count; index++)
		if (fds[index] >= 0)
			close(fds[index]);
}

/* Whether the hook runs exactly the programs expected, in that order. */
static enum ktap_result expect_query(struct selftest *selftest, uint32_t ifindex,
				     uint32_t attach_type, const uint32_t *expected,
				     uint32_t count)
{
	uint32_t ids[PROGRAMS_MAX + 1] = { 0 }, found = 0;
	int error = bpf_netkit_query(ifindex, attach_type, ids, PROGRAMS_MAX + 1, &found);

	if (error < 0)
		return kernel_failing(selftest, error, NULL, "BPF_PROG_QUERY");
	if (found != count || memcmp(ids, expected, count * sizeof(*ids)) != 0)
		return failing(selftest, "%s: the query lists %u programs (ids %u %u %u), "
			       "expected %u (ids %u %u %u)", hook_name(attach_type), found, ids[0],
			       ids[1], ids[2], count, expected[0], count > 1 ? expected[1] : 0,
			       count > 2 ? expected[2] : 0);
	return KTAP_PASS;
}

/* variant 0: a netkit/primary program, 1: a netkit/peer one. */
enum ktap_result check_program_load(struct selftest *selftest, unsigned variant)
{
	uint32_t attach_type = variant ? BPF_NETKIT_PEER : BPF_NETKIT_PRIMARY, id = 0;
	int fd;
	enum ktap_result result = load_programs(selftest, attach_type, &fd, &id, 1);

	close_all(&fd, 1);
	return result;
}

enum ktap_result check_link_primary(struct selftest *selftest, unsigned variant)
{
	struct netkit_pair request = { .mode = NETKIT_L3 };
	int programs[2] = { -1, -1 }, links[2] = { -1, -1 };
	uint32_t ids[2] = { 0, 0 };
	struct test_pair pair;
	enum ktap_result result = pair_create(selftest, &pair, "link", &request, 1);

	(void)variant;
	if (result != KTAP_PASS)
		return result;
	for (size_t hook = 0; hook < NETKIT_HOOKS && result == KTAP_PASS; hook++) {
		uint32_t attach_type = netkit_hooks[hook].attach_type;

		result = load_programs(selftest, attach_type, &programs[hook], &ids[hook], 1);
		if (result != KTAP_PASS)
			break;
		links[hook] = bpf_netkit_link_create(programs[hook], pair.primary_ifindex,
						     attach_type);
		if (links[hook] < 0)
			result = kernel_failing(selftest, links[hook], NULL,
						hook ? "linking netkit/peer at the primary"
						     : "linking netkit/primary at the primary");
		else
			result = expect_query(selftest, pair.primary_ifindex, attach_type,
					      &ids[hook], 1);
	}
	close_all(links, 2);
	close_all(programs, 2);
	pair_remove(selftest, &pair);
	return result;
}

/* variant 0: the peer's ifindex (EACCES), 1: lo, not netkit (ENXIO). */
enum ktap_result check_link_refused(struct selftest *selftest, unsigned variant)
{
	struct netkit_pair request = { .mode = NETKIT_L3 };
	int expected = variant ? -ENXIO : -EACCES, program = -1, link;
	uint32_t target = 0, id;
	struct test_pair pair;
	enum ktap_result result;

	/* Both ends here: the peer's ifindex must name it in this namespace. */
	pair.primary[0] = '\0';
	pair.netns = -1;
	if (variant)
		result = nl_link_index(&selftest->host, "lo", &target) < 0 ?
			 failing(selftest, "no lo in the selftest's namespace") : KTAP_PASS;
	else
		result = pair_create(selftest, &pair, "peer", &request, 0);
	if (result == KTAP_PASS && !variant)
		target = pair.peer_ifindex;
	if (result == KTAP_PASS)
		result = load_programs(selftest, BPF_NETKIT_PRIMARY, &program, &id, 1);
	if (result == KTAP_PASS) {
		link = bpf_netkit_link_create(program, target, BPF_NETKIT_PRIMARY);
		if (link >= 0) {
			close(link);
			result = failing(selftest, "the kernel linked it (ifindex %u)", target);
		} else if (link != expected) {
			result = failing(selftest, "the kernel refused with %s, not %s",
					 error_text(-link), error_text(-expected));
		}
	}
	close_all(&program, 1);
	pair_remove(selftest, &pair);
	return result;
}

enum ktap_result check_ordering(struct selftest *selftest, unsigned variant)
{
	static const uint32_t flags[PROGRAMS_MAX] = { 0, BPF_F_BEFORE, BPF_F_AFTER };
	struct netkit_pair request = { .mode = NETKIT_L3 };
	int programs[PROGRAMS_MAX], links[PROGRAMS_MAX] = { -1, -1, -1 };
	uint32_t ids[PROGRAMS_MAX], expected[PROGRAMS_MAX];
	struct test_pair pair;
	enum ktap_result result = pair_create(selftest, &pair, "order", &request, 1);

	(void)variant;
	if (result != KTAP_PASS)
		return result;
	result = load_programs(selftest, BPF_NETKIT_PRIMARY, programs, ids, PROGRAMS_MAX);
	/* The first alone, the second BPF_F_BEFORE it, the third BPF_F_AFTER
	 * it: the hook then runs second, first, third. */
	for (unsigned index = 0; index < PROGRAMS_MAX && result == KTAP_PASS; index++) {
		links[index] = bpf_netkit_link_create_relative(programs[index],
							       pair.primary_ifindex,
							       BPF_NETKIT_PRIMARY, flags[index],
							       index ? programs[0] : 0);
		if (links[index] < 0)
			result = kernel_failing(selftest, links[index], NULL,
						index == 1 ? "linking with BPF_F_BEFORE the first"
							   : "linking with BPF_F_AFTER the first");
	}
	expected[0] = ids[1], expected[1] = ids[0], expected[2] = ids[2];
	if (result == KTAP_PASS)
		result = expect_query(selftest, pair.primary_ifindex, BPF_NETKIT_PRIMARY, expected,
				      PROGRAMS_MAX);
	close_all(links, PROGRAMS_MAX);
	close_all(programs, PROGRAMS_MAX);
	pair_remove(selftest, &pair);
	return result;
}

/* A pair with one program linked at its primary hook, for the two checks
 * below; programs[1] is loaded too, not linked. */
static enum ktap_result linked_pair(struct selftest *selftest, struct test_pair *pair,
				    const char *name, int programs[2], uint32_t ids[2],
				    int *link)
{
	struct netkit_pair request = { .mode = NETKIT_L3 };
	enum ktap_result result = pair_create(selftest, pair, name, &request, 1);

	programs[0] = programs[1] = *link = -1;
	if (result == KTAP_PASS)
		result = load_programs(selftest, BPF_NETKIT_PRIMARY, programs, ids, 2);
	if (result == KTAP_PASS) {
		*link = bpf_netkit_link_create(programs[0], pair->primary_ifindex,
					       BPF_NETKIT_PRIMARY);
		if (*link < 0)
			result = kernel_failing(selftest, *link, NULL, "linking netkit/primary");
	}
	return result;
}

enum ktap_result check_link_update(struct selftest *selftest, unsigned variant)
{
	int programs[2], link, error;
	uint32_t ids[2];
	struct test_pair pair;
	enum ktap_result result = linked_pair(selftest, &pair, "update", programs, ids, &link);

	(void)variant;
	if (result == KTAP_PASS) {
		error = bpf_link_update(link, programs[1]);
		result = error < 0 ? kernel_failing(selftest, error, NULL, "BPF_LINK_UPDATE")
				   : expect_query(selftest, pair.primary_ifindex,
						  BPF_NETKIT_PRIMARY, &ids[1], 1);
	}
	close_all(&link, 1);
	close_all(programs, 2);
	pair_remove(selftest, &pair);
	return result;
}

enum ktap_result check_detach_on_close(struct selftest *selftest, unsigned variant)
{
	int programs[2], link;
	uint32_t ids[2], found = 1, ignored;
	struct test_pair pair;
	enum ktap_result result = linked_pair(selftest, &pair, "close", programs, ids, &link);
	uint64_t deadline = monotonic_us() + 5000000;

	(void)variant;
	if (result == KTAP_PASS)
		result = expect_query(selftest, pair.primary_ifindex, BPF_NETKIT_PRIMARY, ids, 1);
	close_all(&link, 1);
	/* The last reference goes with the close; give the kernel a few
	 * seconds all the same, should it let go of it later. */
	while (result == KTAP_PASS && found && monotonic_us() < deadline) {
		if (bpf_netkit_query(pair.primary_ifindex, BPF_NETKIT_PRIMARY, &ignored, 1,
				     &found) < 0)
			break;
		if (found)
			poll(NULL, 0, 10);
	}
	if (result == KTAP_PASS && found)
		result = failing(selftest, "%u programs still attached after the link's only fd "
				 "was closed", found);
	close_all(programs, 2);
	pair_remove(selftest, &pair);
	return result;
}
