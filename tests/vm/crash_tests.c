/* crash_tests.c — killed at any instant, nothing stranded (issue 11): the
 * shipped /bin/yogurt run under inject.c's listener, with every one of its
 * kernel calls failing in turn (up of two phones, down, attach), and
 * killed by SIGKILL at instants spread over an up of four phones and over
 * a down; after each, a plain up must work and a plain down leave nothing,
 * and a bystander namespace and device with yogurt-like names are never
 * touched. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>

#include "suite.h"
#include "format/format.h"
#include "netns/netns.h"
#include "nl/nl.h"
#include "wire/wire.h"

#define TWO_PHONES "/tmp/crash-two.conf"
#define FOUR_PHONES "/tmp/crash-four.conf"
#define WIRE_OBJECT_COPY "/tmp/crash-wire.o"
#define PHONES_MAX 4
#define KILL_INSTANTS_UP 40
#define KILL_INSTANTS_DOWN 15
#define OUTPUT_SIZE 8192
/* Every call on x86-64; aarch64's emulation is slower, and there every
 * fourth call of up, down and attach fails (the same code, another
 * architecture's calls). */
#if defined(__aarch64__)
#define CALL_STRIDE 4
#else
#define CALL_STRIDE 1
#endif

struct crash_context {
	struct suite *suite;
	struct phone phones[PHONES_MAX];
	char clean[SNAPSHOT_SIZE];	/* the machine with no phone up */
	uint64_t bystander_inode;
	uint32_t bystander_ifindex;
};

/* End words of phone `index` (0..3): yogurt-cN1/N2, ygcN1-host... */
static void end_words(char *words, size_t size, int index, int side)
{
	format_string(words, size, "netns=yogurt-c%d%d host=ygc%d%d-host device=ygc%d%d-cont "
		      "address=10.6%d.0.%d/24 address=fd6%d::%d/64", index, side + 1, index,
		      side + 1, index, side + 1, index, side + 1, index, side + 1);
}

static int write_config(struct crash_context *crash, const char *path, int phones)
{
	char text[2048], first[160], second[160];
	size_t length = 0;

	for (int index = 0; index < phones; index++) {
		end_words(first, sizeof(first), index, 0);
		end_words(second, sizeof(second), index, 1);
		if (phone_from_words(&crash->phones[index], first, second, " ") < 0)
			return -EINVAL;
		length += format_string(text + length, sizeof(text) - length,
					"phone c%d\nend %s\nend %s\n", index, first, second);
	}
	return write_text_file(path, text);
}

/* The bystanders: a namespace and a netkit device whose names look like
 * yogurt's, made by somebody else. */
static int make_bystanders(struct crash_context *crash)
{
	struct netkit_pair pair = {
		.primary_name = "ygc9-host", .peer_name = "ygc9-cont", .policy = NETKIT_PASS,
		.peer_policy = NETKIT_PASS, .mode = NETKIT_L3, .peer_netns_fd = -1,
	};
	struct nl_socket host;
	int error = netns_add("yogurt-c91");

	if (error == 0)
		error = nl_open(&host);
	if (error == 0) {
		error = nl_netkit_create(&host, &pair);
		nl_close(&host);
	}
	crash->bystander_inode = netns_inode("yogurt-c91");
	crash->bystander_ifindex = if_nametoindex("ygc9-host");
	return error;
}

static int bystanders_intact(const struct crash_context *crash)
{
	return crash->bystander_inode && netns_inode("yogurt-c91") == crash->bystander_inode &&
	       crash->bystander_ifindex && if_nametoindex("ygc9-host") == crash->bystander_ifindex;
}

static void remove_bystanders(void)
{
	struct nl_socket host;

	netns_delete("yogurt-c91");
	if (nl_open(&host) == 0) {
		nl_link_delete(&host, "ygc9-host");
		nl_close(&host);
	}
}

/* Lines yogurt said about a failure ("yogurt: ..."). */
static int error_lines(const char *output)
{
	int lines = 0;

	for (const char *line = output; *line; line++)
		if ((line == output || line[-1] == '\n') && strncmp(line, "yogurt: ", 8) == 0)
			lines++;
	return lines;
}

static int machine_clean(const struct crash_context *crash, char *why, size_t size)
{
	char now[SNAPSHOT_SIZE];

	snapshot(now);
	if (strcmp(now, crash->clean) != 0) {
		format_string(why, size, "left behind; before:\n%s# after:\n%s", crash->clean, now);
		return 0;
	}
	if (path_exists(PHONE_STATE_DIR "/owned")) {
		format_string(why, size, "the records are left behind");
		return 0;
	}
	return 1;
}

/* Every phone of the first `phones` there as configured and carrying pings. */
static int phones_work(const struct crash_context *crash, int phones, char *why, size_t size)
{
	for (int index = 0; index < phones; index++)
		if (!configured_phone_present(&crash->phones[index], why, size) ||
		    ping_across(&crash->phones[index], why, size) == 0)
			return 0;
	return 1;
}

/* A plain up works and a plain down then leaves nothing. */
static int up_then_down(const struct crash_context *crash, const char *config, int phones,
			char *why, size_t size)
{
	char command[64], output[OUTPUT_SIZE];
	int status;

	format_string(command, sizeof(command), "up -c %s", config);
	status = run_yogurt(command, output, sizeof(output));
	if (status != 0 || !phones_work(crash, phones, why, size)) {
		format_string(why + strlen(why), size - strlen(why), " (then up exit %d: %s)", status,
			      output);
		return 0;
	}
	status = run_yogurt("down", output, sizeof(output));
	if (status != 0) {
		format_string(why, size, "then down exit %d: %s", status, output);
		return 0;
	}
	return machine_clean(crash, why, size);
}

struct tally {
	int points, clean_failures, absorbed, problems;
	char first_problem[3072];
};

static void problem(struct tally *tally, const char *format, ...)
	__attribute__((format(printf, 2, 3)));
static void problem(struct tally *tally, const char *format, ...)
{
	size_t length = strlen(tally->first_problem);
	va_list arguments;

	/* The first three, each cut to a third of the room. */
	if (tally->problems++ >= 3)
		return;
	va_start(arguments, format);
	format_string_list(tally->first_problem + length, sizeof(tally->first_problem) / 3 - 2,
			   format, arguments);
	va_end(arguments);
	length = strlen(tally->first_problem);
	format_string(tally->first_problem + length, sizeof(tally->first_problem) - length, "\n");
}

static int count_calls(const char *command)
{
	struct injection injection = { .at = 0 };
	char output[OUTPUT_SIZE];

	return run_yogurt_injected(command, &injection, output, sizeof(output)) == 0 ?
	       injection.calls : -1;
}

/* One injected failure: a non-zero exit with one line, or (a retried or
 * harmless failure) an exit 0 with everything as configured. */
static void judge(struct tally *tally, const struct injection *injection, int status,
		  const char *output, int succeeded_whole, const char *why)
{
	char name[32];

	tally->points++;
	if (status == 0 && succeeded_whole) {
		tally->absorbed++;
	} else if (status > 0 && error_lines(output) == 1 && why[0] == '\0') {
		tally->clean_failures++;
	} else {
		problem(tally, "call %d (%s, %s): exit %d: %s %s", injection->at,
			inject_call_name(injection->injected_call, name, sizeof(name)),
			error_text(injection->injected_error), status, output, why);
	}
}

static void test_up_failures(struct crash_context *crash, int calls)
{
	struct tally tally = { 0 };
	char output[OUTPUT_SIZE], why[1024];

	for (int at = 1; at <= calls; at += CALL_STRIDE) {
		struct injection injection = { .at = at };
		int status = run_yogurt_injected("up -c " TWO_PHONES, &injection, output, sizeof(output));
		int whole = 0;

		why[0] = '\0';
		if (status == 0) {
			char down_output[OUTPUT_SIZE];

			whole = phones_work(crash, 2, why, sizeof(why));
			run_yogurt("down", down_output, sizeof(down_output));
		} else {
			machine_clean(crash, why, sizeof(why));
		}
		judge(&tally, &injection, status, output, whole, why);
		why[0] = '\0';
		if (!bystanders_intact(crash))
			problem(&tally, "call %d: a bystander was touched", at);
		if (!up_then_down(crash, TWO_PHONES, 2, why, sizeof(why)))
			problem(&tally, "after call %d failed: %s", at, why);
	}
	check(crash->suite, tally.problems == 0 && tally.points == (calls + CALL_STRIDE - 1) / CALL_STRIDE,
	      "up of two phones with each of its kernel calls failing in turn: one line and nothing "
	      "left, or retried and whole; then up works, down leaves nothing", "%d problems; the first:\n%s",
	      tally.problems, tally.first_problem);
	printf("# figure: injection points of up (two phones): %d kernel calls, %d failed in turn: "
	       "%d failed with one line leaving nothing, %d retried or harmless (came up whole)\n",
	       calls, tally.points, tally.clean_failures, tally.absorbed);
}

static void test_down_failures(struct crash_context *crash, int calls)
{
	struct tally tally = { 0 };
	char output[OUTPUT_SIZE], why[1024];

	for (int at = 1; at <= calls; at += CALL_STRIDE) {
		struct injection injection = { .at = at };
		int status;

		if (run_yogurt("up -c " TWO_PHONES, output, sizeof(output)) != 0) {
			problem(&tally, "call %d: up before down failed: %s", at, output);
			continue;
		}
		status = run_yogurt_injected("down", &injection, output, sizeof(output));
		why[0] = '\0';
		judge(&tally, &injection, status, output,
		      status == 0 && machine_clean(crash, why, sizeof(why)), "");
		status = run_yogurt("down", output, sizeof(output));
		if (status != 0 || !machine_clean(crash, why, sizeof(why)))
			problem(&tally, "after call %d of down failed, down: exit %d: %s %s", at, status,
				output, why);
		if (!bystanders_intact(crash))
			problem(&tally, "call %d: a bystander was touched", at);
	}
	check(crash->suite, tally.problems == 0 && tally.points == (calls + CALL_STRIDE - 1) / CALL_STRIDE,
	      "down of two phones with each of its kernel calls failing in turn: one line, and the "
	      "next down leaves nothing", "%d problems; the first:\n%s", tally.problems, tally.first_problem);
	printf("# figure: injection points of down (two phones): %d kernel calls, %d failed in turn: "
	       "%d with one line, %d retried or harmless\n", calls, tally.points, tally.clean_failures,
	       tally.absorbed);
}

static int write_wire_object(void)
{
	size_t size;
	const void *image = wire_object_image(&size);
	int fd = open(WIRE_OBJECT_COPY, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), error;

	if (fd < 0)
		return -errno;
	error = write(fd, image, size) == (ssize_t)size ? 0 : -EIO;
	close(fd);
	return error;
}

static void test_attach_failures(struct crash_context *crash)
{
	static const char attach[] = "attach " WIRE_OBJECT_COPY " --dev yg1-host";
	struct tally tally = { 0 };
	char output[OUTPUT_SIZE], before[SNAPSHOT_SIZE], after[SNAPSHOT_SIZE];
	int calls;

	if (write_wire_object() < 0 || run_yogurt("up --no-wire", output, sizeof(output)) != 0) {
		check(crash->suite, 0, "attach with each kernel call failing: set up", "%s", output);
		return;
	}
	calls = count_calls(attach);
	run_yogurt("detach --dev yg1-host", output, sizeof(output));
	for (int at = 1; at <= calls; at += CALL_STRIDE) {
		struct injection injection = { .at = at };
		int status;

		snapshot(before);
		status = run_yogurt_injected(attach, &injection, output, sizeof(output));
		snapshot(after);
		judge(&tally, &injection, status, output, 1,
		      status == 0 || strcmp(before, after) == 0 ? "" : "pins left behind");
		run_yogurt("detach --dev yg1-host", output, sizeof(output));
		status = run_yogurt(attach, output, sizeof(output));
		if (status != 0)
			problem(&tally, "after call %d failed, attach: exit %d: %s", at, status, output);
		run_yogurt("detach --dev yg1-host", output, sizeof(output));
	}
	run_yogurt("down", output, sizeof(output));
	check(crash->suite, calls > 0 && tally.problems == 0 && tally.points == (calls + CALL_STRIDE - 1) / CALL_STRIDE &&
			    machine_clean(crash, output, sizeof(output)),
	      "attach with each of its kernel calls failing in turn: one line and nothing pinned; "
	      "then attach works", "%d calls, %d problems; first: %s", calls, tally.problems,
	      tally.first_problem);
	printf("# figure: injection points of attach: %d kernel calls, %d failed in turn: %d with one "
	       "line, %d harmless\n", calls, tally.points, tally.clean_failures, tally.absorbed);
}

/* SIGKILL at `instants` calls spread over a run of command (calls long);
 * each followed by a plain up (every phone works) and down (nothing left). */
static void test_kills(struct crash_context *crash, const char *command, int calls, int instants,
		       int up_first)
{
	struct tally tally = { 0 };
	char output[OUTPUT_SIZE], why[1024];

	for (int instant = 0; instant < instants && calls > 0; instant++) {
		struct injection injection = {
			.at = 1 + (int)((long)instant * (calls - 1) / (instants - 1)), .kill = 1,
		};
		int status;

		if (up_first && run_yogurt("up -c " FOUR_PHONES, output, sizeof(output)) != 0) {
			problem(&tally, "up before the killed down failed: %s", output);
			continue;
		}
		status = run_yogurt_injected(command, &injection, output, sizeof(output));
		tally.points++;
		why[0] = '\0';
		if (status != -1)
			problem(&tally, "call %d: not killed (exit %d: %s)", injection.at, status,
				output);
		else if (!up_then_down(crash, FOUR_PHONES, 4, why, sizeof(why)))
			problem(&tally, "killed at call %d (%s): %s", injection.at,
				inject_call_name(injection.injected_call, output, 32), why);
		if (!bystanders_intact(crash))
			problem(&tally, "killed at call %d: a bystander was touched", injection.at);
	}
	check(crash->suite, tally.problems == 0 && tally.points == instants,
	      up_first ? "down of four phones killed (SIGKILL) at instants spread over its run: then "
			 "up makes every phone work, down leaves nothing, bystanders untouched"
		       : "up of four phones killed (SIGKILL) at instants spread over its run: then up "
			 "makes every phone work, down leaves nothing, bystanders untouched",
	      "%d problems; the first:\n%s", tally.problems, tally.first_problem);
	printf("# figure: %s of four phones (%d kernel calls) killed at %d instants\n",
	       up_first ? "down" : "up", calls, tally.points);
}

/* SIGINT, SIGTERM, SIGHUP at instants spread over an up of two phones, a
 * second one 25 calls later (during the rollback): one line saying so,
 * nothing left, and the next up works. */
static void test_signals(struct crash_context *crash, int calls)
{
	static const struct { int number; const char *name; } signals[] = {
		{ SIGINT, "SIGINT" }, { SIGTERM, "SIGTERM" }, { SIGHUP, "SIGHUP" },
	};
	struct tally tally = { 0 };
	char output[OUTPUT_SIZE], why[1024];

	for (int instant = 0; instant < 12; instant++) {
		struct injection injection = {
			/* From the second instant: before up blocks them, the
			 * signals kill it, before it has made anything. */
			.at = 1 + (instant + 1) * (calls - 1) / 13, .signal = signals[instant % 3].number,
		};
		int status;

		injection.again_at = injection.at + 25;
		status = run_yogurt_injected("up -c " TWO_PHONES, &injection, output, sizeof(output));
		tally.points++;
		why[0] = '\0';
		if (status != 1 || error_lines(output) != 1 || !strstr(output, signals[instant % 3].name) ||
		    !strstr(output, "interrupted") || !machine_clean(crash, why, sizeof(why)))
			problem(&tally, "%s at call %d: exit %d: %s %s", signals[instant % 3].name,
				injection.at, status, output, why);
		else if (!up_then_down(crash, TWO_PHONES, 2, why, sizeof(why)))
			problem(&tally, "after %s at call %d: %s", signals[instant % 3].name, injection.at,
				why);
	}
	check(crash->suite, tally.problems == 0,
	      "SIGINT, SIGTERM, SIGHUP during up (and a second one during its rollback): one line "
	      "saying so, nothing left, then up works", "%d problems; the first:\n%s", tally.problems,
	      tally.first_problem);
}

/* up | head -1: stdout closed after the first line. */
static void test_closed_stdout(struct crash_context *crash)
{
	char output[OUTPUT_SIZE], why[1024] = "";
	char *const arguments[] = { "/bin/busybox", "sh", "-c",
				    YOGURT " up -c " FOUR_PHONES " | /bin/busybox head -1", NULL };
	int status = run_program(arguments, NULL, output, sizeof(output));
	int works = phones_work(crash, 4, why, sizeof(why));

	run_yogurt("down", output + strlen(output), sizeof(output) - strlen(output));
	check(crash->suite, status == 0 && works && machine_clean(crash, why, sizeof(why)),
	      "yogurt up | head -1: the run goes on to the end (every phone works), down leaves "
	      "nothing", "exit %d: %s %s", status, output, why);
}

void test_crashes(struct suite *suite)
{
	static struct crash_context crash;
	char output[OUTPUT_SIZE];
	int up_calls, down_calls, up_four_calls, down_four_calls;

	crash.suite = suite;
	run_yogurt("down", output, sizeof(output));
	if (write_config(&crash, FOUR_PHONES, 4) < 0 || write_config(&crash, TWO_PHONES, 2) < 0 ||
	    make_bystanders(&crash) < 0) {
		check(suite, 0, "crash tests: set up", "configurations or bystanders");
		return;
	}
	write_config(&crash, FOUR_PHONES, 4);	/* phones[] holds all four */
	snapshot(crash.clean);
	up_calls = count_calls("up -c " TWO_PHONES);
	down_calls = count_calls("down");
	up_four_calls = count_calls("up -c " FOUR_PHONES);
	down_four_calls = count_calls("down");
	check(suite, up_calls > 0 && down_calls > 0 && up_four_calls > up_calls &&
		     machine_clean(&crash, output, sizeof(output)),
	      "up and down run under the injecting listener, counted", "up %d, down %d, four %d: %s",
	      up_calls, down_calls, up_four_calls, output);
	printf("# figure: kernel calls: up of two phones %d, down %d; up of four phones %d, down %d\n",
	       up_calls, down_calls, up_four_calls, down_four_calls);
	test_signals(&crash, up_calls);
	test_closed_stdout(&crash);
	test_up_failures(&crash, up_calls);
	test_down_failures(&crash, down_calls);
	test_attach_failures(&crash);
	test_kills(&crash, "up -c " FOUR_PHONES, up_four_calls, KILL_INSTANTS_UP, 0);
	test_kills(&crash, "down", down_four_calls, KILL_INSTANTS_DOWN, 1);
	check(suite, bystanders_intact(&crash), "the bystander namespace yogurt-c91 and device "
	      "ygc9-host were never touched", NULL);
	remove_bystanders();
	run_yogurt("up", output, sizeof(output));	/* the default phone, as the suite found it */
}
