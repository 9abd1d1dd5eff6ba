/* bench_scale.c — figures, not assertions (vmtest.scale=1,10,100,1000): in
 * one boot, `yogurt up`, `up` again, `down` and `up` right after `down` for
 * generated configurations of that many phones, yogurt run as a process;
 * the kernel's floor (floor.c) for the same phones; kernel memory per phone
 * and yogurt's peak RSS; with normal and with expedited RCU grace periods.
 * Then the default phone and 100 phones built by iproute2 (veth, no BPF):
 * the seed's lab script and the best sequence ip(8) allows. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "suite.h"
#include "format/format.h"

#define SCALE_COUNTS_MAX 8
#define RCU_EXPEDITED "/sys/kernel/rcu_expedited"
#define IP "/sbin/ip"
#define BUSYBOX "/bin/busybox"

static char spawn_output[1 << 20];

struct spawned {
	int status;		/* exit status; -1 if it did not exit */
	uint64_t elapsed_us;	/* fork to wait4, CLOCK_MONOTONIC */
	long max_rss_kib;	/* ru_maxrss of the child */
	const char *output;	/* stdout and stderr (spawn_output) */
};

static uint64_t now_us(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000000u + (uint64_t)now.tv_nsec / 1000u;
}

/* Runs arguments[0] with its output in spawn_output (cut at 1 MiB). */
static struct spawned spawn(char *const arguments[])
{
	struct spawned result = { -1, 0, 0, spawn_output };
	struct rusage usage;
	size_t length = 0;
	int pipe_fds[2], status;
	uint64_t start = now_us();
	pid_t child;

	spawn_output[0] = '\0';
	if (pipe2(pipe_fds, O_CLOEXEC) < 0)
		return result;
	child = fork();
	if (child == 0) {
		dup2(pipe_fds[1], 1);
		dup2(pipe_fds[1], 2);
		execv(arguments[0], arguments);
		_exit(127);
	}
	close(pipe_fds[1]);
	for (;;) {
		char discard[4096];
		ssize_t got = length < sizeof(spawn_output) - 1
			? read(pipe_fds[0], spawn_output + length, sizeof(spawn_output) - 1 - length)
			: read(pipe_fds[0], discard, sizeof(discard));

		if (got <= 0)
			break;
		if (length < sizeof(spawn_output) - 1)
			length += (size_t)got;
	}
	spawn_output[length] = '\0';
	close(pipe_fds[0]);
	if (child > 0 && wait4(child, &status, 0, &usage) == child) {
		result.elapsed_us = now_us() - start;
		result.max_rss_kib = usage.ru_maxrss;
		result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	}
	return result;
}

static struct spawned spawn_yogurt(const char *command, const char *config)
{
	char *arguments[5] = { YOGURT };
	int count = 1;

	if (config) {
		arguments[count++] = "-c";
		arguments[count++] = (char *)config;
	}
	arguments[count++] = (char *)command;
	arguments[count] = NULL;
	return spawn(arguments);
}

/* The last line yogurt's output has that starts with "yogurt: ", or its
 * last line. */
static const char *last_words(const char *output, char *line, size_t size)
{
	const char *found = NULL, *last = output;

	for (const char *start = output; *start;) {
		const char *stop = strchrnul(start, '\n');

		if (strncmp(start, "yogurt: ", 8) == 0)
			found = start;
		if (stop > start)
			last = start;
		start = *stop ? stop + 1 : stop;
	}
	return first_line(found ? found : last, line, size);
}

/* /proc/meminfo in KiB: what is available, and what the kernel holds. */
struct memory {
	long available, kernel;
};

static struct memory read_memory(void)
{
	static const char *const kernel_fields[] = {
		"Slab:", "KernelStack:", "PageTables:", "Percpu:", "VmallocUsed:",
	};
	struct memory memory = { 0, 0 };
	char text[4096];
	int fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);
	ssize_t length = fd < 0 ? -1 : read(fd, text, sizeof(text) - 1);

	if (fd >= 0)
		close(fd);
	text[length > 0 ? length : 0] = '\0';
	for (char *line = text; *line; line = *strchrnul(line, '\n') ? strchrnul(line, '\n') + 1
								  : strchrnul(line, '\n')) {
		if (strncmp(line, "MemAvailable:", 13) == 0)
			memory.available = atol(line + 13);
		for (size_t index = 0; index < sizeof(kernel_fields) / sizeof(kernel_fields[0]); index++)
			if (strncmp(line, kernel_fields[index], strlen(kernel_fields[index])) == 0)
				memory.kernel += atol(line + strlen(kernel_fields[index]));
	}
	return memory;
}

/* The kernel finishes a namespace's teardown later (cleanup_net): wait
 * until what it frees settles (MemAvailable steady for half a second, at
 * most 20 s), so that one run's leftovers do not weigh on the next. */
static void settle(void)
{
	long before = read_memory().available;

	for (int round = 0; round < 40; round++) {
		long after;

		usleep(500000);
		after = read_memory().available;
		if (labs(after - before) < 256)
			return;
		before = after;
	}
}

static int write_rcu_expedited(int value)
{
	int fd = open(RCU_EXPEDITED, O_WRONLY | O_CLOEXEC);
	int written = fd < 0 ? -1 : (int)write(fd, value ? "1" : "0", 1);

	if (fd >= 0)
		close(fd);
	return written == 1 ? 0 : -1;
}

/* Phone i: bench-I-a (10.X.Y.1/24) <-> bench-I-b (10.X.Y.2/24), X.Y from
 * 100.0 on: networks of their own, none the default phone's. IPv4 only. */
static int write_phones(const char *path, int count)
{
	size_t size = (size_t)count * 192 + 64, length = 0;
	char *text = malloc(size);
	int error;

	if (!text)
		return -ENOMEM;
	length += format_string(text + length, size - length, "# %d phones for make bench\n", count);
	for (int index = 0; index < count; index++) {
		int x = 100 + index / 256, y = index % 256;

		length += format_string(text + length, size - length,
					"phone bench-%d\n"
					"end netns=bench-%d-a host=bh%da device=bc%da address=10.%d.%d.1/24\n"
					"end netns=bench-%d-b host=bh%db device=bc%db address=10.%d.%d.2/24\n",
					index, index, index, index, x, y, index, index, index, x, y);
	}
	error = write_text_file(path, text);
	free(text);
	return error;
}

/* numerator / denominator with decimals (0 to 3) digits after the point,
 * rounded, in integers (the test programs are built without floating
 * point, -mno-sse). */
const char *bench_fixed(char *text, size_t size, uint64_t numerator, uint64_t denominator,
			int decimals)
{
	uint64_t scale = decimals == 0 ? 1 : decimals == 1 ? 10 : decimals == 2 ? 100 : 1000;
	uint64_t value = denominator ? (numerator * scale + denominator / 2) / denominator : 0;

	if (decimals == 0)
		snprintf(text, size, "%llu", (unsigned long long)value);
	else
		snprintf(text, size, "%llu.%0*llu", (unsigned long long)(value / scale), decimals,
			 (unsigned long long)(value % scale));
	return text;
}

/* "1234 ms (12.3/phone)" */
static const char *per_phone(uint64_t microseconds, int count, char *text, size_t size)
{
	char total[32], each[32];

	snprintf(text, size, "%s ms (%s/phone)", bench_fixed(total, sizeof(total), microseconds,
							      1000, 0),
		 bench_fixed(each, sizeof(each), microseconds, 1000u * (uint64_t)count, 1));
	return text;
}

static const char *const rcu_names[2] = { "rcu normal", "rcu expedited" };

struct scale_figures {
	int done;
	uint64_t up_us, down_us;
};

/* One count under one RCU setting: yogurt, then the floor. skipped holds
 * the reason once yogurt refused (set in the first pass, kept for the
 * second). */
static void scale_count(int count, int expedited, char *skipped, size_t skipped_size,
			struct scale_figures *yogurt_figures)
{
	char config[64], line[256], texts[4][64];
	struct spawned up, again, down, down_up;
	struct memory before, after;
	long rss[3];

	yogurt_figures->done = 0;
	if (skipped[0]) {
		printf("bench: yogurt %4d phones, %s: skipped: %s\n", count, rcu_names[expedited],
		       skipped);
		return;
	}
	snprintf(config, sizeof(config), "/tmp/bench-%d.conf", count);
	if (write_phones(config, count) < 0) {
		printf("bench: yogurt %4d phones: cannot write %s\n", count, config);
		return;
	}
	settle();
	before = read_memory();
	up = spawn_yogurt("up", config);
	if (up.status != 0) {
		snprintf(skipped, skipped_size, "yogurt up refused (exit %d): %s", up.status,
			 last_words(up.output, line, sizeof(line)));
		printf("bench: yogurt %4d phones, %s: skipped: %s\n", count, rcu_names[expedited],
		       skipped);
		spawn_yogurt("down", NULL);
		return;
	}
	after = read_memory();
	rss[0] = up.max_rss_kib;
	again = spawn_yogurt("up", config);
	rss[1] = again.max_rss_kib;
	down = spawn_yogurt("down", NULL);
	rss[2] = down.max_rss_kib;
	down_up = spawn_yogurt("up", config);
	spawn_yogurt("down", NULL);
	printf("bench: yogurt %4d phones, %s: up %s, up again %s, down %s, up right after down %s%s\n",
	       count, rcu_names[expedited], per_phone(up.elapsed_us, count, texts[0], 64),
	       per_phone(again.elapsed_us, count, texts[1], 64),
	       per_phone(down.elapsed_us, count, texts[2], 64),
	       per_phone(down_up.elapsed_us, count, texts[3], 64),
	       again.status || down.status || down_up.status ? " (a run failed!)" : "");
	if (!expedited)
		printf("bench: memory %4d phones: kernel per phone %ld KiB of MemAvailable, %ld KiB of "
		       "Slab+KernelStack+PageTables+Percpu+VmallocUsed; yogurt peak RSS: up %ld KiB, "
		       "up again %ld KiB, down %ld KiB\n", count,
		       (before.available - after.available) / count,
		       (after.kernel - before.kernel) / count, rss[0], rss[1], rss[2]);
	yogurt_figures->done = 1;
	yogurt_figures->up_us = up.elapsed_us;
	yogurt_figures->down_us = down.elapsed_us;
	settle();
	{
		char *floor_up[] = { "/bin/vmtest", "floor", "up", config, NULL };
		char *floor_down[] = { "/bin/vmtest", "floor", "down", config, NULL };
		struct spawned floor_made = spawn(floor_up), floor_gone = spawn(floor_down);

		if (floor_made.status != 0 || floor_gone.status != 0) {
			printf("bench: floor  %4d phones, %s: failed: %s\n", count, rcu_names[expedited],
			       last_words(floor_made.status ? floor_made.output : floor_gone.output,
					  line, sizeof(line)));
			return;
		}
		printf("bench: floor  %4d phones, %s: up %s, down %s; yogurt/floor: up %s, down %s\n",
		       count, rcu_names[expedited], per_phone(floor_made.elapsed_us, count, texts[0], 64),
		       per_phone(floor_gone.elapsed_us, count, texts[1], 64),
		       bench_fixed(texts[2], 64, up.elapsed_us, floor_made.elapsed_us, 2),
		       bench_fixed(texts[3], 64, down.elapsed_us, floor_gone.elapsed_us, 2));
	}
}

/* ---- iproute2: veth pairs (Debian 12's ip has no netkit), no BPF ---------- */

static void append(char **text, size_t *length, size_t *size, const char *format, ...)
	__attribute__((format(printf, 4, 5)));

static void append(char **text, size_t *length, size_t *size, const char *format, ...)
{
	va_list arguments;
	int wanted;

	for (;;) {
		va_start(arguments, format);
		wanted = vsnprintf(*text + *length, *size - *length, format, arguments);
		va_end(arguments);
		if (wanted >= 0 && (size_t)wanted < *size - *length)
			break;
		*size *= 2;
		*text = realloc(*text, *size);
		if (!*text)
			abort();
	}
	*length += (size_t)wanted;
}

/* "10.42.0.1/24" or "fd42::1/64 nodad" */
static const char *address_words(const struct phone_address *address, int family, char *text,
				 size_t size)
{
	char bytes[64];

	inet_ntop(phone_families[family].family, address->bytes, bytes, sizeof(bytes));
	snprintf(text, size, "%s/%u%s", bytes, address->prefix_length,
		 family == PHONE_IPV6 ? " nodad" : "");
	return text;
}

enum { SCRIPT_SEED_UP, SCRIPT_SEED_DOWN, SCRIPT_BEST_UP, SCRIPT_BEST_DOWN, SCRIPTS };

/* Writes /tmp/ip-NAME-{seed,best}-{up,down}.sh (and the best one's batch
 * files) for the phones of topology. */
static int write_scripts(const struct topology *topology, const char *tag, char paths[SCRIPTS][64])
{
	static const char *const kinds[SCRIPTS] = { "seed-up", "seed-down", "best-up", "best-down" };
	size_t sizes[SCRIPTS], lengths[SCRIPTS] = { 0 }, host_size = 4096, host_length = 0;
	size_t down_size = 4096, down_length = 0;
	char *texts[SCRIPTS], *host = malloc(host_size), *down = malloc(down_size), path[96];
	int error = 0;

	for (int kind = 0; kind < SCRIPTS; kind++) {
		sizes[kind] = 4096;
		texts[kind] = malloc(sizes[kind]);
		snprintf(paths[kind], 64, "/tmp/ip-%s-%s.sh", tag, kinds[kind]);
		append(&texts[kind], &lengths[kind], &sizes[kind], "set -e\n");
	}
	host[0] = down[0] = '\0';
	for (size_t index = 0; index < topology->count; index++)
		for (int side = 0; side < PHONE_ENDS; side++) {
			const struct phone_end *end = &topology->phones[index].ends[side];
			size_t inside_size = 1024, inside_length = 0;
			char *inside = malloc(inside_size), words[96];

			/* The lab script: an ip process per step (ip netns exec for
			 * the steps inside, as the blog post has it). */
			append(&texts[SCRIPT_SEED_UP], &lengths[SCRIPT_SEED_UP], &sizes[SCRIPT_SEED_UP],
			       IP " netns add %s\n" IP " link add %s type veth peer name %s\n"
			       IP " link set %s netns %s\n", end->netns, end->host_device,
			       end->device, end->device, end->netns);
			inside[0] = '\0';
			for (int family = 0; family < PHONE_FAMILIES; family++) {
				if (!end->addresses[family].prefix_length)
					continue;
				address_words(&end->addresses[family], family, words, sizeof(words));
				append(&texts[SCRIPT_SEED_UP], &lengths[SCRIPT_SEED_UP],
				       &sizes[SCRIPT_SEED_UP], IP " netns exec %s " IP
				       " addr add %s dev %s\n", end->netns, words, end->device);
				append(&inside, &inside_length, &inside_size, "addr add %s dev %s\n",
				       words, end->device);
			}
			append(&texts[SCRIPT_SEED_UP], &lengths[SCRIPT_SEED_UP], &sizes[SCRIPT_SEED_UP],
			       IP " netns exec %s " IP " link set lo up\n"
			       IP " netns exec %s " IP " link set %s up\n" IP " link set %s up\n",
			       end->netns, end->netns, end->device, end->host_device);
			append(&texts[SCRIPT_SEED_DOWN], &lengths[SCRIPT_SEED_DOWN],
			       &sizes[SCRIPT_SEED_DOWN], IP " link del %s\n" IP " netns del %s\n",
			       end->host_device, end->netns);
			/* The best: one batch on the host (the peer made in its
			 * namespace), one batch per namespace with ip -n. */
			append(&host, &host_length, &host_size,
			       "netns add %s\nlink add %s type veth peer name %s netns %s\n"
			       "link set %s up\n", end->netns, end->host_device, end->device,
			       end->netns, end->host_device);
			append(&inside, &inside_length, &inside_size, "link set lo up\nlink set %s up\n",
			       end->device);
			snprintf(path, sizeof(path), "/tmp/ip-%s-%s.batch", tag, end->netns);
			error |= write_text_file(path, inside);
			append(&texts[SCRIPT_BEST_UP], &lengths[SCRIPT_BEST_UP], &sizes[SCRIPT_BEST_UP],
			       IP " -n %s -batch %s\n", end->netns, path);
			append(&down, &down_length, &down_size, "link del %s\nnetns del %s\n",
			       end->host_device, end->netns);
			free(inside);
		}
	snprintf(path, sizeof(path), "/tmp/ip-%s-host.batch", tag);
	error |= write_text_file(path, host);
	{
		/* The host's batch comes first: prepend it. */
		size_t size = lengths[SCRIPT_BEST_UP] + 128;
		char *text = malloc(size);

		snprintf(text, size, "set -e\n" IP " -batch %s\n%s", path,
			 texts[SCRIPT_BEST_UP] + strlen("set -e\n"));
		free(texts[SCRIPT_BEST_UP]);
		texts[SCRIPT_BEST_UP] = text;
	}
	snprintf(path, sizeof(path), "/tmp/ip-%s-down.batch", tag);
	error |= write_text_file(path, down);
	append(&texts[SCRIPT_BEST_DOWN], &lengths[SCRIPT_BEST_DOWN], &sizes[SCRIPT_BEST_DOWN],
	       IP " -batch %s\n", path);
	for (int kind = 0; kind < SCRIPTS; kind++) {
		error |= write_text_file(paths[kind], texts[kind]);
		free(texts[kind]);
	}
	free(host);
	free(down);
	return error ? -EIO : 0;
}

static struct spawned run_script(const char *path)
{
	char *arguments[] = { BUSYBOX, "sh", (char *)path, NULL };

	return spawn(arguments);
}

/* The phones of topology by iproute2, both ways, against yogurt's times. */
static void compare_iproute2(const struct topology *topology, const char *name, const char *tag,
			     uint64_t yogurt_up,
			     uint64_t yogurt_down)
{
	static const char *const ways[2] = { "seed's lab script (ip netns exec, an ip per step)",
					     "best ip sequence (ip -batch, ip -n NS -batch)" };
	char paths[SCRIPTS][64], line[256], texts[4][32];

	if (write_scripts(topology, tag, paths) < 0) {
		printf("bench: iproute2 %s: cannot write its scripts\n", name);
		return;
	}
	for (int way = 0; way < 2; way++) {
		struct spawned up, down;

		settle();
		up = run_script(paths[way ? SCRIPT_BEST_UP : SCRIPT_SEED_UP]);
		down = run_script(paths[way ? SCRIPT_BEST_DOWN : SCRIPT_SEED_DOWN]);
		if (up.status != 0 || down.status != 0) {
			printf("bench: iproute2 %s, %s: failed: %s\n", name, ways[way],
			       last_words(up.status ? up.output : down.output, line, sizeof(line)));
			continue;
		}
		printf("bench: iproute2 %s, %s: up %s ms, down %s ms; against yogurt: up %sx, "
		       "down %sx\n", name, ways[way], bench_fixed(texts[0], 32, up.elapsed_us, 1000, 0),
		       bench_fixed(texts[1], 32, down.elapsed_us, 1000, 0),
		       bench_fixed(texts[2], 32, up.elapsed_us, yogurt_up, 1),
		       bench_fixed(texts[3], 32, down.elapsed_us, yogurt_down, 1));
	}
}

static void bench_iproute2(const struct scale_figures *hundred)
{
	struct topology topology = { 0 };
	struct report report = { 0 };
	struct spawned up, down;
	char texts[2][32];

	if (access(IP, X_OK) < 0 || access(BUSYBOX, X_OK) < 0) {
		printf("bench: iproute2: skipped: no %s or %s in the image\n", IP, BUSYBOX);
		return;
	}
	printf("bench: iproute2 is Debian 12's (6.1, no netkit): its phones are veth pairs with "
	       "the same namespaces, addresses and links, and no BPF; yogurt's figures include "
	       "its wire\n");
	settle();
	up = spawn_yogurt("up", NULL);
	down = spawn_yogurt("down", NULL);
	if (up.status != 0 || down.status != 0) {
		printf("bench: yogurt default phone: failed\n");
		return;
	}
	printf("bench: yogurt default phone, rcu normal: up %s ms, down %s ms\n",
	       bench_fixed(texts[0], 32, up.elapsed_us, 1000, 0),
	       bench_fixed(texts[1], 32, down.elapsed_us, 1000, 0));
	topology_default(&topology);
	compare_iproute2(&topology, "default phone", "default", up.elapsed_us, down.elapsed_us);
	topology_free(&topology);
	if (!hundred->done) {
		printf("bench: iproute2 100 phones: skipped: no figure of yogurt's at 100 phones\n");
		return;
	}
	if (config_read_file(&topology, "/tmp/bench-100.conf", &report) < 0) {
		printf("bench: iproute2 100 phones: %s\n", report.message);
		return;
	}
	compare_iproute2(&topology, "100 phones", "100", hundred->up_us, hundred->down_us);
	topology_free(&topology);
}

void bench_scale(const char *counts_text, int trace_count)
{
	int counts[SCALE_COUNTS_MAX], count_total = 0;
	char skipped[SCALE_COUNTS_MAX][256] = { { 0 } };
	struct scale_figures figures[2][SCALE_COUNTS_MAX], hundred = { 0 };
	struct memory memory = read_memory();

	for (const char *word = counts_text; *word && count_total < SCALE_COUNTS_MAX;) {
		counts[count_total++] = atoi(word);
		word += strcspn(word, ",");
		word += *word == ',';
	}
	printf("bench: scale boot: MemAvailable %ld MiB at the start (VM_MEMORY), times by the "
	       "driver around each process (fork to wait4), one address per end\n",
	       memory.available / 1024);
	spawn_yogurt("down", NULL);	/* PID 1's default phone */
	/* veth (iproute2's phones) is a module: PID 1 loaded it from the image. */
	for (int expedited = 0; expedited < 2; expedited++) {
		if (write_rcu_expedited(expedited) < 0)
			printf("bench: cannot write %s\n", RCU_EXPEDITED);
		printf("bench: %s = %s/sys/kernel/rcu_expedited=%d\n", rcu_names[expedited],
		       expedited ? "expedited grace periods, " : "", expedited);
		for (int index = 0; index < count_total; index++) {
			scale_count(counts[index], expedited, skipped[index], sizeof(skipped[index]),
				    &figures[expedited][index]);
			if (!expedited && counts[index] == 100)
				hundred = figures[expedited][index];
		}
	}
	write_rcu_expedited(0);
	bench_iproute2(&hundred);
	if (trace_count > 0)
		bench_breakdown(trace_count);
}
