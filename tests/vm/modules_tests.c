/* modules_tests.c — the modules yogurt as PID 1 loaded from the initramfs
 * (vmtest.modules=1): tests/vm/run.sh packs veth and bridge (which needs
 * stp, which needs llc) from Debian's 6.12 package with
 * scripts/pack-modules.sh, and dummy from the 6.1 package, which this
 * kernel must refuse. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "suite.h"
#include "format/format.h"
#include "nl/nl.h"

/* A module's place in /proc/modules, which lists the last loaded first:
 * 1 for the newest, 0 if it is not loaded. */
static int module_place(const char *modules, const char *name)
{
	int place = 1;

	for (const char *line = modules; *line; place++) {
		size_t length = strcspn(line, " ");

		if (length == strlen(name) && strncmp(line, name, length) == 0)
			return place;
		line += strcspn(line, "\n");
		line += *line == '\n';
	}
	return 0;
}

void test_modules(struct suite *suite)
{
	static char modules[16384];
	struct nl_socket host;
	uint32_t ifindex = 0;
	long length = format_read_file("/proc/modules", modules, sizeof(modules));
	int veth, llc, stp, bridge, error;

	veth = module_place(modules, "veth");
	llc = module_place(modules, "llc");
	stp = module_place(modules, "stp");
	bridge = module_place(modules, "bridge");
	check(suite, length > 0 && veth && llc && stp && bridge,
	      "PID 1 loaded veth, bridge, stp and llc from the initramfs",
	      "/proc/modules: veth %d, bridge %d, stp %d, llc %d", veth, bridge, stp, llc);
	check(suite, llc > stp && stp > bridge,
	      "dependencies first, as modules.dep orders them: llc, then stp, then bridge",
	      "places in /proc/modules (1 = loaded last): llc %d, stp %d, bridge %d", llc, stp,
	      bridge);
	check(suite, module_place(modules, "dummy") == 0,
	      "the 6.1 kernel's dummy, refused by this kernel, is not loaded", "it is");

	error = nl_open(&host);
	if (error == 0)
		error = veth_pair_create(&host, "ygm-a", "ygm-b");
	if (error == 0)
		error = nl_link_index(&host, "ygm-b", &ifindex);
	check(suite, error == 0 && ifindex > 0, "a veth pair can be created with the module loaded",
	      "%s %s", error_text(-error), host.error);
	if (error == 0)
		error = nl_link_delete(&host, "ygm-a");
	check(suite, error == 0 && nl_link_index(&host, "ygm-b", &ifindex) == -ENODEV,
	      "and deleting one end removes both", "%s", error_text(-error));
	nl_close(&host);
}
