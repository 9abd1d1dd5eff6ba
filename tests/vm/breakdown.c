/* breakdown.c — where `yogurt up` and `down` spend their time, by phase, for
 * make bench: one run of each under strace (-f -T -ttt -y: each call's time
 * in the kernel, and what its descriptors are), every call put into a phase
 * by its name, its bpf(2) command, its rtnetlink message type or the path it
 * names. The shipped binary is not changed; strace's overhead is in these
 * figures (the uninstrumented totals are bench_scale.c's). */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "suite.h"

#define STRACE "/usr/bin/strace"

enum phase {
	PHASE_NAMESPACES, PHASE_DEVICES, PHASE_ADDRESSES, PHASE_LINKS, PHASE_LOADS,
	PHASE_ATTACHES, PHASE_PINS, PHASE_RECORDS, PHASE_QUERIES, PHASE_OTHER, PHASES
};

static const char *const phase_names[PHASES] = {
	"namespaces", "devices", "addresses", "links up/mtu", "program loads", "attaches",
	"pins", "records", "queries", "other calls",
};

struct tally {
	uint64_t microseconds[PHASES];
	unsigned calls[PHASES];
	uint64_t first, last;	/* when the first call began and the last one ended, µs */
};

/* Whether the request's flags have NLM_F_CREATE: by name, or in the number
 * strace gives what it cannot name ("NLM_F_REQUEST|NLM_F_ACK|0x600"). */
static int creates(const char *line)
{
	const char *flags = strstr(line, "nlmsg_flags="), *end, *bar;

	if (!flags)
		return 0;
	end = strchrnul(flags, ',');
	if (memmem(flags, (size_t)(end - flags), "NLM_F_CREATE", 12))
		return 1;
	bar = memrchr(flags, '|', (size_t)(end - flags));
	return bar && strncmp(bar + 1, "0x", 2) == 0 && (strtoul(bar + 1, NULL, 16) & NLM_F_CREATE);
}

/* A netlink request by its message type (strace's name or, when it could
 * not tell the socket's protocol, the number). */
static enum phase netlink_phase(const char *line, enum phase previous)
{
	static const struct { const char *name; unsigned number; enum phase phase; } types[] = {
		{ "RTM_NEWLINK", 16, PHASE_LINKS }, { "RTM_DELLINK", 17, PHASE_DEVICES },
		{ "RTM_GETLINK", 18, PHASE_QUERIES }, { "RTM_NEWADDR", 20, PHASE_ADDRESSES },
		{ "RTM_DELADDR", 21, PHASE_ADDRESSES }, { "RTM_GETADDR", 22, PHASE_QUERIES },
	};
	const char *type = strstr(line, "nlmsg_type=");

	if (!type)
		return previous;
	type += strlen("nlmsg_type=");
	for (size_t index = 0; index < sizeof(types) / sizeof(types[0]); index++) {
		size_t length = strlen(types[index].name);

		if ((strncmp(type, types[index].name, length) == 0 && !isalnum(type[length]) &&
		     type[length] != '_') ||
		    strtoul(type, NULL, 0) == types[index].number) {
			/* A new link (NLM_F_CREATE) is a device; a change of one
			 * is bringing it up or its MTU. */
			if (types[index].phase == PHASE_LINKS && creates(line))
				return PHASE_DEVICES;
			return types[index].phase;
		}
	}
	return PHASE_OTHER;
}

static enum phase bpf_phase(const char *line)
{
	static const struct { const char *command; enum phase phase; } commands[] = {
		{ "BPF_PROG_LOAD", PHASE_LOADS }, { "BPF_MAP_CREATE", PHASE_LOADS },
		{ "BPF_MAP_UPDATE_ELEM", PHASE_LOADS }, { "BPF_MAP_FREEZE", PHASE_LOADS },
		{ "BPF_BTF_LOAD", PHASE_LOADS }, { "BPF_LINK_CREATE", PHASE_ATTACHES },
		{ "BPF_OBJ_PIN", PHASE_PINS }, { "BPF_OBJ_GET", PHASE_PINS },
	};

	for (size_t index = 0; index < sizeof(commands) / sizeof(commands[0]); index++)
		if (strncmp(line, commands[index].command, strlen(commands[index].command)) == 0 &&
		    line[strlen(commands[index].command)] == ',')
			return commands[index].phase;
	return PHASE_QUERIES;	/* PROG_QUERY, OBJ_GET_INFO_BY_FD, *_GET_FD_BY_ID, lookups */
}

/* The phase of one call: name is the syscall, arguments what follows "(". */
static enum phase classify(const char *name, const char *arguments, enum phase *netlink)
{
	if (strcmp(name, "bpf") == 0)
		return bpf_phase(arguments);
	if (strcmp(name, "sendto") == 0 || strcmp(name, "sendmsg") == 0)
		return *netlink = netlink_phase(arguments, PHASE_OTHER);
	if (strcmp(name, "recvfrom") == 0 || strcmp(name, "recvmsg") == 0 ||
	    strcmp(name, "recv") == 0)
		return *netlink;	/* the answer to the last request */
	if (strcmp(name, "unshare") == 0 || strcmp(name, "setns") == 0 ||
	    strstr(arguments, "/run/netns") || strstr(arguments, "<net:["))
		return PHASE_NAMESPACES;
	if (strstr(arguments, "/run/yogurt") || strcmp(name, "flock") == 0)
		return PHASE_RECORDS;
	if (strstr(arguments, "/sys/fs/bpf"))
		return PHASE_PINS;
	if (strstr(arguments, "anon_inode:bpf-prog") || strstr(arguments, "anon_inode:bpf-map"))
		return PHASE_LOADS;
	if (strstr(arguments, "anon_inode:bpf_link"))
		return PHASE_ATTACHES;
	if (strstr(arguments, "<socket:[") || strcmp(name, "socket") == 0 ||
	    strcmp(name, "setsockopt") == 0 || strcmp(name, "bind") == 0)
		return PHASE_QUERIES;	/* opening and closing netlink sockets */
	return PHASE_OTHER;
}

/* "SECONDS.MICRO" (strace's -ttt and -T) in microseconds; *end after it. */
static uint64_t parse_microseconds(const char *text, char **end)
{
	uint64_t value = strtoull(text, end, 10) * 1000000u;

	if (**end == '.') {
		const char *digits = *end + 1;
		uint64_t fraction = strtoull(digits, end, 10);

		for (long length = *end - digits; length < 6; length++)
			fraction *= 10;
		for (long length = *end - digits; length > 6; length--)
			fraction /= 10;
		value += fraction;
	}
	return value;
}

/* One strace line: "PID SECONDS.MICRO name(arguments) = result <duration>". */
static void tally_line(struct tally *tally, char *line, enum phase *netlink)
{
	char *timestamp = strchr(line, ' '), *name, *open, *duration;
	uint64_t when, spent;

	if (!timestamp)
		return;
	when = parse_microseconds(timestamp + 1, &name);
	if (!name || *name != ' ')
		return;
	name++;
	open = strchr(name, '(');
	duration = strrchr(line, '<');
	/* Signals, exits and the halves of interrupted calls carry no time. */
	if (!open || !duration || name[0] == '<' || name[0] == '-' || name[0] == '+')
		return;
	*open = '\0';
	if (tally->first == 0)
		tally->first = when;
	spent = parse_microseconds(duration + 1, &duration);
	tally->last = when + spent;
	{
		enum phase phase = classify(name, open + 1, netlink);

		tally->microseconds[phase] += spent;
		tally->calls[phase]++;
	}
}

static int trace(const char *command, const char *config, const char *output, struct tally *tally)
{
	char *arguments[] = { STRACE, "-f", "-T", "-ttt", "-y", "-s", "256", "-o", (char *)output,
			      YOGURT, "-c", (char *)config, (char *)command, NULL };
	char console[4096], line[8192];
	enum phase netlink = PHASE_OTHER;
	FILE *file;
	int status = run_program(arguments, NULL, console, sizeof(console));

	memset(tally, 0, sizeof(*tally));
	if (status != 0) {
		printf("bench: breakdown: strace yogurt %s: exit %d: %s\n", command, status,
		       first_line(console, line, sizeof(line)));
		return -1;
	}
	file = fopen(output, "r");
	if (!file)
		return -1;
	while (fgets(line, sizeof(line), file))
		tally_line(tally, line, &netlink);
	fclose(file);
	return 0;
}

static void print_tally(const char *command, int count, const struct tally *tally)
{
	uint64_t wall = tally->last - tally->first, in_calls = 0, per_phone = 1000u * (uint64_t)count;
	char texts[4][32];

	for (int phase = 0; phase < PHASES; phase++)
		in_calls += tally->microseconds[phase];
	printf("bench: breakdown of %s, %d phones, rcu normal, under strace: %s ms (%s ms/phone), "
	       "%s%% of it in kernel calls; between the calls (yogurt and strace) %s ms/phone\n",
	       command, count, bench_fixed(texts[0], 32, wall, 1000, 0),
	       bench_fixed(texts[1], 32, wall, per_phone, 1),
	       bench_fixed(texts[2], 32, in_calls * 100, wall, 0),
	       bench_fixed(texts[3], 32, wall > in_calls ? wall - in_calls : 0, per_phone, 1));
	for (int phase = 0; phase < PHASES; phase++)
		if (tally->calls[phase])
			printf("bench:   %-4s %-13s %7s ms/phone %5s%%  (%u calls)\n", command,
			       phase_names[phase],
			       bench_fixed(texts[0], 32, tally->microseconds[phase], per_phone, 2),
			       bench_fixed(texts[1], 32, tally->microseconds[phase] * 100, wall, 1),
			       tally->calls[phase]);
}

void bench_breakdown(int count)
{
	char config[64];
	struct tally up, down;

	if (access(STRACE, X_OK) < 0) {
		printf("bench: breakdown: skipped: no %s in the image\n", STRACE);
		return;
	}
	snprintf(config, sizeof(config), "/tmp/bench-%d.conf", count);
	if (access(config, R_OK) < 0) {
		printf("bench: breakdown: skipped: no %s (not one of vmtest.scale's counts)\n",
		       config);
		return;
	}
	printf("bench: the breakdown runs yogurt once under strace -f -T: strace's overhead is "
	       "included in it (every call stops the process twice); the totals above come from "
	       "the uninstrumented runs\n");
	if (trace("up", config, "/tmp/trace-up.txt", &up) == 0)
		print_tally("up", count, &up);
	if (trace("down", config, "/tmp/trace-down.txt", &down) == 0)
		print_tally("down", count, &down);
}
