/* suite.h — the VM test suite's shared pieces: KTAP checks (tests/ktap.h),
 * running /bin/yogurt, and looking at what is on the machine. The tests
 * use the phone's internals too (probes, records): phone/internal.h. */
#ifndef YOGURT_VM_SUITE_H
#define YOGURT_VM_SUITE_H

#include <stddef.h>
#include <stdint.h>

#include "phone/internal.h"
#include "tests/ktap.h"

#define YOGURT "/bin/yogurt"

struct suite {
	struct ktap ktap;
	struct topology topology;	/* the default phone */
};

/* One KTAP line; reason (printf-style, may be NULL) explains a failure. */
#define check(suite, ok, name, ...) ktap_check(&(suite)->ktap, ok, name, __VA_ARGS__)

/* Runs the program arguments[0] (a path) with arguments (NULL-terminated),
 * prepare() (may be NULL) run in the child just before exec; stdout and
 * stderr land in output. Returns the exit status, or -1 if it did not exit
 * normally. */
int run_program(char *const arguments[], int (*prepare)(void), char *output, size_t size);

/* Reads fd to its end (or until output is full) into output, NUL-ended,
 * and closes it. */
void read_output(int fd, char *output, size_t size);

/* Runs /bin/yogurt with the space-separated arguments in command; stdout
 * and stderr land in output.
 * Returns the exit status, or -1 if it did not exit normally. */
int run_yogurt(const char *command, char *output, size_t size);

/* The same, with prepare() run in the child just before exec (a failure
 * makes the child exit 126): to run yogurt under a seccomp filter. */
int run_yogurt_prepared(const char *command, int (*prepare)(void), char *output, size_t size);

/* A prepare for run_yogurt_prepared (appliance_tests.c): a seccomp filter
 * under which every BPF_PROG_LOAD fails with EACCES. */
int deny_program_load(void);
/* inject.c: runs /bin/yogurt (command split on spaces) under a seccomp
 * listener that counts its kernel calls (those that can fail; not the
 * exec, exit, signal mask, pids or clock) in calls; the one numbered at
 * (1-based; 0: none) fails with an errno that call can return (kill 0), or
 * the process is killed by SIGKILL as it makes it (kill 1), or is sent
 * signal there, the call going on (and again at again_at). Returns the
 * exit status, -1 when killed, -2 when it could not run. */
struct injection {
	int at, kill;
	int signal, again_at;	/* instead: send signal at `at` and again at again_at */
	int calls;		/* counted */
	int injected_call;	/* the system call number made to fail, -1: none */
	int injected_error;
};
int run_yogurt_injected(const char *command, struct injection *injection, char *output,
			size_t size);
const char *inject_call_name(int number, char *buffer, size_t size);

/* The kernel command line (/proc/cmdline, read once). */
const char *command_line(void);

int count_lines(const char *text);
int occurrences(const char *text, const char *needle);	/* how many times, overlaps too */
const char *first_line(const char *text, char *line, size_t size);
int path_exists(const char *path);

/* What of any phone is on the machine: yogurt-* namespaces, netkit or yg*
 * devices in the host namespace, the pin root. */
struct leftovers {
	int namespaces, devices, pins;
};
struct leftovers look_for_leftovers(void);

/* snapshot.c: everything a run could leave behind (namespaces, pins, host
 * devices) as one text; equal texts before and after: nothing changed. */
#define SNAPSHOT_SIZE 4096
void snapshot(char text[SNAPSHOT_SIZE]);

/* phones.c: an end as the tests read its config words ("netns=a host=b
 * device=c address=A/P mtu=N mode=l2", split on any of separators), with
 * libc's inet_pton rather than yogurt's parser; -EINVAL for words it does
 * not know. phone_from_words reads both ends of a phone. */
int end_from_words(struct phone_end *end, const char *words, const char *separators);
int phone_from_words(struct phone *phone, const char *first, const char *second,
		     const char *separators);

/* Whether every piece of phone is on the machine as configured (namespaces;
 * both netkit devices of each end with their side, mode, MTU, up; exactly
 * the configured addresses; both pins), or every piece is gone; ping_across
 * pings both ways in each family both ends have. 1 if so; otherwise 0 and
 * the first problem in why. */
int configured_phone_present(const struct phone *phone, char *why, size_t size);
int configured_phone_gone(const struct phone *phone, char *why, size_t size);
int ping_across(const struct phone *phone, char *why, size_t size);

/* The MTU of a device in the namespace netns (NULL: the host's); 0 if it
 * cannot be read. */
uint32_t device_mtu(const char *netns, const char *device);

int write_text_file(const char *path, const char *text);

/* Counters of the wire on a host-side device (zeros if none). */
uint64_t gate_drops(const char *device);
uint64_t wire_passed(const char *device);

/* Sends total bytes of pseudo-random data over TCP from inside netns_from
 * to a listener on endpoint inside netns_to; 0 when the receiver's hash of
 * what arrived equals the sender's (no byte lost or changed), -EBADMSG when
 * not. elapsed_us (may be NULL): connect to last answer. */
int tcp_transfer(int netns_from, int netns_to, const union probe_address *endpoint, size_t total,
		 uint64_t *elapsed_us);

/* A veth pair name <-> peer_name in the namespace of host (veth is a
 * module on Debian's kernels: modules_tests.c and bench.c). */
struct nl_socket;
int veth_pair_create(struct nl_socket *host, const char *name, const char *peer_name);

/* Quick ping from one end of the default phone to the other: 0 if it works. */
int phone_works(struct suite *suite);

void bench(struct suite *suite, int rounds);	/* bench.c */
/* vmtest.scale=1,10,100: up, up again, down per phone at those counts, the
 * kernel's floor, memory, iproute2 (bench_scale.c); the breakdown of up and
 * down by phase under strace at count phones (breakdown.c); the floor
 * itself as a process: vmtest floor up|down CONFIG (floor.c). */
void bench_scale(const char *counts, int trace_count);
void bench_breakdown(int count);
/* numerator / denominator as text with 0 to 3 decimals, in integers (no
 * floating point here: -mno-sse). */
const char *bench_fixed(char *text, size_t size, uint64_t numerator, uint64_t denominator,
			int decimals);
int floor_main(int argc, char **argv);
void test_phone(struct suite *suite);		/* phone_tests.c */
void test_traffic(struct suite *suite);		/* traffic_tests.c */
void test_attach(struct suite *suite);		/* attach_tests.c */
void test_attacks(struct suite *suite);		/* attack_tests.c */
void test_lifecycle(struct suite *suite);	/* phone_tests.c */
void test_appliance(struct suite *suite);	/* appliance_tests.c */
void test_no_netkit(struct suite *suite);	/* phone_tests.c */
void test_init_script(struct suite *suite);	/* init_script_tests.c */
void test_config(struct suite *suite);		/* config_tests.c */
void test_many(struct suite *suite);		/* many_tests.c */
/* The modules PID 1 loaded from the initramfs (vmtest.modules=1). */
void test_modules(struct suite *suite);		/* modules_tests.c */
void test_selftest(struct suite *suite);	/* selftest_tests.c */
void test_crashes(struct suite *suite);		/* crash_tests.c */
/* The phones PID 1 built from the kernel command line (mode "two"), or that
 * it refused to build (mode "broken"): config_boot_tests.c */
void test_config_boot(struct suite *suite, const char *mode);

#endif
