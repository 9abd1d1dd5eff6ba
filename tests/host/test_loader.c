/* test_loader.c — the loader on objects written the way people write them
 * (tests/host/loader/, libbpf's bpf_helpers.h): BTF-defined maps,
 * global data set before load and read back after BPF_PROG_TEST_RUN,
 * BPF-to-BPF calls, a verifier refusal that names its source line, and
 * every truncation of each object refused with words.
 *
 * Usage: test_loader DIRECTORY       (the compiled objects: maps.o, globals.o,
 *                                     calls.o, refused.o, wire.o)
 *        test_loader xlated OBJECT   prints "NAME COUNT" per program: the
 *                                     instructions the kernel kept after load
 *        test_loader bench OBJECT    prints the median time to parse it and
 *                                     to load it (BTF, maps, programs)
 * Prints KTAP-style lines; exits 1 if anything failed. Needs root.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <time.h>
#include <sys/stat.h>

#include "bpf/bpf.h"
#include "tests/ktap.h"
#include "syscalls/syscalls.h"

struct image {
	unsigned char *bytes;
	size_t size;
};

static struct image read_image(const char *directory, const char *name)
{
	struct image image = { 0 };
	char path[512];
	struct stat status;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", directory, name);
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &status) < 0) {
		printf("# cannot open %s: %s\n", path, strerror(errno));
		exit(2);
	}
	image.size = (size_t)status.st_size;
	image.bytes = malloc(image.size);
	if (!image.bytes || read(fd, image.bytes, image.size) != (ssize_t)image.size) {
		printf("# cannot read %s\n", path);
		exit(2);
	}
	close(fd);
	return image;
}

static struct bpf_object_map *find_map(struct bpf_object *object, const char *name)
{
	for (size_t index = 0; index < object->map_count; index++)
		if (strcmp(object->maps[index].name, name) == 0)
			return &object->maps[index];
	return NULL;
}

static struct bpf_object_program *find_program(struct bpf_object *object, const char *name)
{
	for (size_t index = 0; index < object->program_count; index++)
		if (strcmp(object->programs[index].name, name) == 0)
			return &object->programs[index];
	return NULL;
}

/* A minimal Ethernet + IPv4 frame: BPF_PROG_TEST_RUN for SCHED_CLS wants
 * at least an Ethernet header, and takes skb->protocol from it. */
#define FRAME_SIZE 64
static long test_run(int program_fd, uint32_t *result)
{
	unsigned char frame[FRAME_SIZE] = { 0 };
	union bpf_attr attr;
	long error;

	frame[12] = 0x08;	/* ETH_P_IP */
	frame[14] = 0x45;
	memset(&attr, 0, sizeof(attr));
	attr.test.prog_fd = (uint32_t)program_fd;
	attr.test.data_in = (uint64_t)(uintptr_t)frame;
	attr.test.data_size_in = sizeof(frame);
	attr.test.repeat = 1;
	error = sys_bpf(BPF_PROG_TEST_RUN, &attr, sizeof(attr));
	*result = attr.test.retval;
	return error;
}

static uint32_t xlated_count(int program_fd, struct bpf_prog_info *info)
{
	union bpf_attr attr;

	memset(info, 0, sizeof(*info));
	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = (uint32_t)program_fd;
	attr.info.info_len = sizeof(*info);
	attr.info.info = (uint64_t)(uintptr_t)info;
	if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr, sizeof(attr)) < 0)
		return 0;
	return info->xlated_prog_len / sizeof(struct bpf_insn);
}

static int parse(struct ktap *ktap, struct bpf_object *object, const struct image *image,
		 const char *name)
{
	char description[128];
	int error = bpf_object_parse(object, name, image->bytes, image->size);

	snprintf(description, sizeof(description), "%s: parses", name);
	ktap_check(ktap, error == 0, description, "%d: %s", error, object->error);
	return error;
}

static int load(struct ktap *ktap, struct bpf_object *object, const char *name)
{
	char description[128];
	int error = bpf_object_load(object);

	snprintf(description, sizeof(description), "%s: loads, with BTF", name);
	ktap_check(ktap, error == 0 && object->btf_fd >= 0, description, "%d: %s", error,
		   object->error);
	if (error < 0 && object->log) {
		size_t length = strlen(object->log);

		ktap_comment("log ends: %s", object->log + (length > 600 ? length - 600 : 0));
	}
	return error;
}

/* ---- maps.o: BTF-defined maps ------------------------------------------ */

static void test_maps(struct ktap *ktap, const char *directory)
{
	struct image image = read_image(directory, "maps.o");
	struct bpf_object object;
	struct bpf_object_map *protocols, *runs;
	struct bpf_object_program *program;
	uint32_t result = 1, key = 0, protocol = htons(0x0800);
	uint64_t count = 0, entry[2] = { 0 };

	ktap_comment("maps.o: a hash map and an array declared in .maps");
	if (parse(ktap, &object, &image, "maps") < 0)
		return;
	protocols = find_map(&object, "protocols");
	runs = find_map(&object, "runs");
	ktap_check(ktap, object.map_count == 2 && protocols && runs,
		   "maps: two maps, protocols and runs", "%zu maps", object.map_count);
	if (protocols)
		ktap_check(ktap, protocols->type == BPF_MAP_TYPE_HASH && protocols->key_size == 4 &&
			   protocols->value_size == 16 && protocols->max_entries == 64 &&
			   protocols->flags == BPF_F_NO_PREALLOC && protocols->btf_key_type &&
			   protocols->btf_value_type, "protocols: hash, __type key 4 and value 16, "
			   "64 entries, BPF_F_NO_PREALLOC, BTF types",
			   "type %u key %u value %u entries %u flags %u types %u/%u", protocols->type,
			   protocols->key_size, protocols->value_size, protocols->max_entries,
			   protocols->flags, protocols->btf_key_type, protocols->btf_value_type);
	if (runs)
		ktap_check(ktap, runs->type == BPF_MAP_TYPE_ARRAY && runs->key_size == 4 &&
			   runs->value_size == 8 && runs->max_entries == 4 && !runs->btf_key_type,
			   "runs: array, __uint key_size 4 and value_size 8, 4 entries, no BTF types",
			   "type %u key %u value %u entries %u", runs->type, runs->key_size,
			   runs->value_size, runs->max_entries);
	program = find_program(&object, "count_protocols");
	ktap_check(ktap, program && program->func_info_count == 1 && program->line_info_count > 5,
		   "count_protocols: one func_info, its line_info", "func %u line %u",
		   program ? program->func_info_count : 0, program ? program->line_info_count : 0);
	if (load(ktap, &object, "maps") == 0 && program && runs && protocols) {
		ktap_check(ktap, test_run(program->fd, &result) == 0 &&
			   test_run(program->fd, &result) == 0 && result == 0,
			   "count_protocols runs twice (BPF_PROG_TEST_RUN)", "result %u", result);
		ktap_check(ktap, bpf_map_lookup(runs->fd, &key, &count) == 0 && count == 2,
			   "runs[0] is 2", "%llu", (unsigned long long)count);
		ktap_check(ktap, bpf_map_lookup(protocols->fd, &protocol, entry) == 0 &&
			   entry[0] == 2 && entry[1] == 2 * FRAME_SIZE,
			   "protocols[IPv4] is 2 packets, 128 bytes", "%llu packets %llu bytes",
			   (unsigned long long)entry[0], (unsigned long long)entry[1]);
	}
	bpf_object_free(&object);
	free(image.bytes);
}

/* ---- globals.o: .rodata set before load, .data and .bss read back ---- */

static void test_globals(struct ktap *ktap, const char *directory)
{
	struct image image = read_image(directory, "globals.o");
	struct bpf_object object;
	struct bpf_object_map *data, *bss, *rodata, *strings;
	struct bpf_object_program *program;
	uint32_t step = 5, result = 0, key = 0;
	uint64_t verdict = 2, data_value = 0;
	unsigned char bss_value[48] = { 0 };
	union bpf_attr attr;

	ktap_comment("globals.o: .rodata, .data, .bss, .rodata.str1.1");
	if (parse(ktap, &object, &image, "globals") < 0)
		return;
	rodata = find_map(&object, "globals.rodata");
	data = find_map(&object, "globals.data");
	bss = find_map(&object, "globals.bss");
	strings = find_map(&object, "globals.rodata.");
	ktap_check(ktap, rodata && data && bss && strings && rodata->is_read_only &&
		   strings->is_read_only && !bss->is_read_only && rodata->btf_value_type &&
		   data->btf_value_type && bss->btf_value_type,
		   "maps for .rodata, .data, .bss (typed by their DATASEC) and .rodata.str1.1",
		   "missing or wrong");
	program = find_program(&object, "count_globals");
	ktap_check(ktap, bpf_object_set_global(&object, "step", &step, sizeof(step)) == 0 &&
		   bpf_object_set_global(&object, "verdict", &verdict, sizeof(verdict)) == 0,
		   "set step = 5 and verdict = 2 before load", "%s", object.error);
	if (load(ktap, &object, "globals") == 0 && program && data && bss && rodata) {
		for (int run = 0; run < 3; run++)
			test_run(program->fd, &result);
		ktap_check(ktap, result == 2, "count_globals returns verdict (2), set from userspace",
			   "%u", result);
		ktap_check(ktap, bpf_map_lookup(data->fd, &key, &data_value) == 0 && data_value == 115,
			   ".data: runs_data = 100 + 3 runs * step 5 = 115", "%llu",
			   (unsigned long long)data_value);
		ktap_check(ktap, bpf_map_lookup(bss->fd, &key, bss_value) == 0 &&
			   *(uint64_t *)bss_value == 3 && *(uint64_t *)(bss_value + 8) == 3 * FRAME_SIZE,
			   ".bss: runs_bss = 3, bytes_bss = 192", "%llu %llu",
			   (unsigned long long)*(uint64_t *)bss_value,
			   (unsigned long long)*(uint64_t *)(bss_value + 8));
		ktap_check(ktap, strcmp((char *)bss_value + 16, "run 2 len 64") == 0,
			   ".bss: bpf_snprintf wrote \"run 2 len 64\" from the .rodata.str1.1 format",
			   "\"%.32s\"", bss_value + 16);
		memset(&attr, 0, sizeof(attr));
		attr.map_fd = (uint32_t)rodata->fd;
		attr.key = (uint64_t)(uintptr_t)&key;
		attr.value = (uint64_t)(uintptr_t)bss_value;
		ktap_check(ktap, sys_bpf(BPF_MAP_UPDATE_ELEM, &attr, sizeof(attr)) == -EPERM,
			   ".rodata is frozen", "update allowed");
	}
	bpf_object_free(&object);
	free(image.bytes);
}

/* ---- calls.o: BPF-to-BPF calls ----------------------------------------- */

static uint32_t mix(uint32_t value)
{
	value ^= value >> 16;
	value *= 0x45d9f3b;
	return value ^ (value >> 16);
}

static void test_calls(struct ktap *ktap, const char *directory)
{
	struct image image = read_image(directory, "calls.o");
	struct bpf_object object;
	struct bpf_object_program *primary, *peer;
	uint32_t result = 99;

	ktap_comment("calls.o: .text subprograms, static and global, one calling another");
	if (parse(ktap, &object, &image, "calls") < 0)
		return;
	primary = find_program(&object, "calls_primary");
	peer = find_program(&object, "calls_peer");
	/* calls_primary (5) + twice_mixed (4) + mix (12); calls_peer (8) +
	 * checked_length (7) + mix (12). */
	ktap_check(ktap, primary && peer && primary->instruction_count == 5 + 4 + 12 &&
		   peer->instruction_count == 8 + 7 + 12,
		   "each program gets the subprograms it calls, once", "%zu and %zu instructions",
		   primary ? primary->instruction_count : 0, peer ? peer->instruction_count : 0);
	ktap_check(ktap, primary && peer && primary->func_info_count == 3 &&
		   peer->func_info_count == 3, "func_info for every function of each program",
		   "%u and %u", primary ? primary->func_info_count : 0,
		   peer ? peer->func_info_count : 0);
	if (load(ktap, &object, "calls") == 0 && primary && peer) {
		ktap_check(ktap, test_run(primary->fd, &result) == 0 &&
			   result == ((mix(mix(FRAME_SIZE)) & 1) ? 2 : 0),
			   "calls_primary computes mix(mix(len)) through two calls", "%u", result);
		ktap_check(ktap, test_run(peer->fd, &result) == 0 &&
			   result == FRAME_SIZE + (mix(htons(0x0800)) & 1),
			   "calls_peer calls the global checked_length and mix", "%u", result);
	}
	bpf_object_free(&object);
	free(image.bytes);
}

/* ---- refused.o: the verifier's refusal names the source line ----------- */

static void test_refused(struct ktap *ktap, const char *directory)
{
	struct image image = read_image(directory, "refused.o");
	struct bpf_object object;
	int error;

	ktap_comment("refused.o: a NULL-unchecked map value");
	if (parse(ktap, &object, &image, "refused") < 0)
		return;
	error = bpf_object_load(&object);
	ktap_check(ktap, error < 0 && strstr(object.error, "the verifier refused it") &&
		   strstr(object.error, "REFUSED LINE"), "the refusal names the source line",
		   "%d: %s", error, object.error);
	ktap_check(ktap, object.log && strstr(object.log, "REFUSED LINE") &&
		   strstr(object.log, "refused.bpf.c:"),
		   "the verifier log shows source lines with file and line",
		   "no source line in the log");
	ktap_comment("%s", object.error);
	bpf_object_free(&object);
	free(image.bytes);
}

/* ---- the wire, with BTF ------------------------------------------------ */

static void test_wire(struct ktap *ktap, const char *directory)
{
	struct image image = read_image(directory, "wire.o");
	struct bpf_object object;
	struct bpf_prog_info info;

	ktap_comment("wire.o: the embedded wire, now with BTF and line info");
	if (parse(ktap, &object, &image, "wire") < 0)
		return;
	if (load(ktap, &object, "wire") == 0)
		for (size_t index = 0; index < object.program_count; index++) {
			struct bpf_object_program *program = &object.programs[index];

			xlated_count(program->fd, &info);
			/* The verifier drops the line info of code it removed. */
			ktap_check(ktap, info.nr_line_info > 0 &&
				   info.nr_line_info <= program->line_info_count &&
				   info.nr_func_info == 1 && info.btf_id != 0,
				   program->name, "line info %u of %u, func info %u, btf %u", info.nr_line_info,
				   program->line_info_count, info.nr_func_info, info.btf_id);
		}
	bpf_object_free(&object);
	free(image.bytes);
}

/* ---- every truncation refused with words ------------------------------- */

static void test_truncations(struct ktap *ktap, const char *directory, const char *name)
{
	struct image image = read_image(directory, name);
	size_t wordless = 0, parsed = 0;
	char description[128];

	for (size_t size = 0; size < image.size; size++) {
		unsigned char *copy = malloc(size + 1);
		struct bpf_object object;
		int error;

		memcpy(copy, image.bytes, size);
		error = bpf_object_parse(&object, "cut", copy, size);
		if (error == 0) {
			parsed++;
			bpf_object_free(&object);
		} else if (!object.error[0]) {
			wordless++;
		}
		free(copy);
	}
	snprintf(description, sizeof(description), "%s: each of %zu truncations refused with words",
		 name, image.size);
	ktap_check(ktap, parsed == 0 && wordless == 0, description, "%zu parsed, %zu without words",
		   parsed, wordless);
	free(image.bytes);
}

/* ---- features refused with one line naming them ------------------------ */

static void test_unsupported(struct ktap *ktap, const char *directory)
{
	static const struct {
		const char *object, *words;
	} cases[] = {
		{ "unsupported-CORE.o", "section netkit/primary: CO-RE relocations" },
		{ "unsupported-KFUNC.o", "section .ksyms (externs" },
		{ "unsupported-KCONFIG.o", "section .kconfig (externs" },
		{ "unsupported-PINNING.o", "map counts: pinning" },
		{ "unsupported-MAP_OF_MAPS.o", "map outer: member values" },
	};

	ktap_comment("unsupported.o: each feature refused at parse, in one line naming it");
	for (size_t index = 0; index < sizeof(cases) / sizeof(cases[0]); index++) {
		struct image image = read_image(directory, cases[index].object);
		struct bpf_object object;
		char description[128];
		int error = bpf_object_parse(&object, "unsupported", image.bytes, image.size);

		snprintf(description, sizeof(description), "%s: refused with \"%s…\"",
			 cases[index].object, cases[index].words);
		ktap_check(ktap, error == -EOPNOTSUPP && strstr(object.error, cases[index].words) &&
			   !strchr(object.error, '\n'), description, "%d: %s", error, object.error);
		free(image.bytes);
	}
}

static int print_xlated(const char *path)
{
	char directory[512];
	const char *slash = strrchr(path, '/');
	struct image image;
	struct bpf_object object;
	struct bpf_prog_info info;

	snprintf(directory, sizeof(directory), "%.*s", slash ? (int)(slash - path) : 1,
		 slash ? path : ".");
	image = read_image(directory, slash ? slash + 1 : path);
	if (bpf_object_parse(&object, "oracle", image.bytes, image.size) < 0 ||
	    bpf_object_load(&object) < 0) {
		fprintf(stderr, "%s: %s\n", path, object.error);
		return 1;
	}
	for (size_t index = 0; index < object.program_count; index++)
		printf("%s %u\n", object.programs[index].name,
		       xlated_count(object.programs[index].fd, &info));
	bpf_object_free(&object);
	free(image.bytes);
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

static int compare_times(const void *a, const void *b)
{
	uint64_t first = *(const uint64_t *)a, second = *(const uint64_t *)b;

	return first < second ? -1 : first > second;
}

#define BENCH_ROUNDS 51
static int bench(const char *path)
{
	uint64_t parse[BENCH_ROUNDS], load[BENCH_ROUNDS];
	struct image image = read_image(".", path);

	for (int round = 0; round < BENCH_ROUNDS; round++) {
		struct bpf_object object;
		uint64_t start = now_ns();

		if (bpf_object_parse(&object, "bench", image.bytes, image.size) < 0) {
			fprintf(stderr, "%s: %s\n", path, object.error);
			return 1;
		}
		parse[round] = now_ns() - start;
		start = now_ns();
		if (bpf_object_load(&object) < 0) {
			fprintf(stderr, "%s: %s\n", path, object.error);
			return 1;
		}
		load[round] = now_ns() - start;
		bpf_object_free(&object);
	}
	qsort(parse, BENCH_ROUNDS, sizeof(parse[0]), compare_times);
	qsort(load, BENCH_ROUNDS, sizeof(load[0]), compare_times);
	printf("parse %llu.%03llu ms, load %llu.%03llu ms (median of %d; %zu bytes)\n",
	       (unsigned long long)parse[BENCH_ROUNDS / 2] / 1000000,
	       (unsigned long long)parse[BENCH_ROUNDS / 2] / 1000 % 1000,
	       (unsigned long long)load[BENCH_ROUNDS / 2] / 1000000,
	       (unsigned long long)load[BENCH_ROUNDS / 2] / 1000 % 1000, BENCH_ROUNDS, image.size);
	free(image.bytes);
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const objects[] = { "maps.o", "globals.o", "calls.o", "refused.o", "wire.o" };
	struct ktap ktap = { 0 };

	if (argc == 3 && strcmp(argv[1], "xlated") == 0)
		return print_xlated(argv[2]);
	if (argc == 3 && strcmp(argv[1], "bench") == 0)
		return bench(argv[2]);
	if (argc != 2) {
		fprintf(stderr, "usage: test_loader DIRECTORY | test_loader xlated OBJECT\n");
		return 2;
	}
	test_maps(&ktap, argv[1]);
	test_globals(&ktap, argv[1]);
	test_calls(&ktap, argv[1]);
	test_refused(&ktap, argv[1]);
	test_wire(&ktap, argv[1]);
	test_unsupported(&ktap, argv[1]);
	for (size_t index = 0; index < sizeof(objects) / sizeof(objects[0]); index++)
		test_truncations(&ktap, argv[1], objects[index]);
	ktap_comment("%d passed, %d failed", ktap.number - ktap.failed, ktap.failed);
	return ktap_exit_status(&ktap);
}
