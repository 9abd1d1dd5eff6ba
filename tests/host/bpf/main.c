/* main.c — test_bpf: bpf/ and wire/ on the host (see bpf_test.h).
 *
 * Usage: test_bpf REFUSED_OBJECT — the compiled tests/host/refused.bpf.c.
 * Prints KTAP-style "ok N - ..." / "not ok N - ..." lines and "# " comments;
 * exits 1 if anything failed. Needs root (CAP_BPF) for the load tests.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf_test.h"

/* a. The embedded wire object as parsed; the layout its ELF has, for the
 * subjects after this one. */
static void test_embedded_object(struct ktap *ktap, struct wire_layout *wire)
{
	struct image image = wire_image();
	struct bpf_object object;
	int error;

	ktap_comment("a. the embedded wire object (%zu bytes)", image.size);
	ktap_check(ktap, read_wire_layout(&image, wire) == 0,
		   "the ELF has wire_secret (16 bytes) and wire_target_ifindex (4) in .rodata",
		   "not so: the tests of the globals below will fail");
	error = bpf_object_parse(&object, "wire", image.bytes, image.size);
	if (ktap_check(ktap, error == 0, "the embedded object parses", "%d: %s", error,
		       object.error)) {
		test_programs(ktap, &object, &image, wire);
		test_maps(ktap, &object, wire);
		ktap_check(ktap, strcmp(object.license, "GPL") == 0, "license GPL", "license \"%s\"",
			   object.license);
		ktap_check(ktap, object.error[0] == '\0' && object.log == NULL,
			   "no error words and no log after a good parse", "error \"%s\"",
			   object.error);
	}
	bpf_object_free(&object);
	ktap_check(ktap, object.program_count == 0 && object.map_count == 0 &&
		   object.programs[0].fd == -1 && object.maps[0].fd == -1,
		   "bpf_object_free leaves an empty object with fds -1", "%zu programs, %zu maps",
		   object.program_count, object.map_count);
	bpf_object_free(&object);
	ktap_check(ktap, 1, "bpf_object_free twice is harmless", NULL);
	free(image.bytes);
}

static int open_fd_count(void)
{
	DIR *directory = opendir("/proc/self/fd");
	int count = 0;

	if (!directory)
		return -1;
	while (readdir(directory))
		count++;
	closedir(directory);
	return count;
}

int main(int argc, char **argv)
{
	const char *refused = argc > 1 ? argv[1] : NULL;
	struct wire_layout wire = { 0 };
	struct ktap ktap = { 0 };
	int fds_before = open_fd_count(), fds_after;

	test_embedded_object(&ktap, &wire);
	test_globals(&ktap, &wire);
	test_load(&ktap, &wire);
	test_refused(&ktap, refused);
	test_broken_copies(&ktap);
	test_btf(&ktap, refused);
	fds_after = open_fd_count();
	ktap_check(&ktap, fds_before > 0 && fds_after == fds_before, "no fd is left open",
		   "%d open before, %d after", fds_before, fds_after);
	ktap_comment("%d tests, %d failed", ktap.number, ktap.failed);
	return ktap_exit_status(&ktap);
}
