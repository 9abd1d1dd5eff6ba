/* snapshot.c — everything a yogurt run could leave behind (namespaces under
 * /run/netns, pins under the pin root, devices in the host namespace) as one
 * comparable text: equal snapshots before and after a run mean that the run
 * changed nothing. */
#include <dirent.h>
#include <stddef.h>

#include "suite.h"
#include "format/format.h"
#include "netns/netns.h"
#include "nl/nl.h"

struct snapshot_walk {
	char *text;
	size_t length;
};

static void add_name(struct snapshot_walk *walk, const char *kind, const char *name)
{
	/* format_string returns the length the text would have had: a cut
	 * snapshot stays cut (and still compares) instead of overrunning. */
	if (walk->length < SNAPSHOT_SIZE)
		walk->length += format_string(walk->text + walk->length, SNAPSHOT_SIZE - walk->length, "%s %s\n", kind,
					      name);
}

static int add_link(const struct nl_link_info *link, void *context)
{
	add_name(context, "device", link->name);
	return 0;
}

static void add_directory(struct snapshot_walk *walk, const char *kind, const char *path, int depth)
{
	DIR *directory = opendir(path);
	struct dirent *entry;

	while (directory && (entry = readdir(directory))) {
		char child[512];

		if (entry->d_name[0] == '.')
			continue;
		format_string(child, sizeof(child), "%s/%s", path, entry->d_name);
		add_name(walk, kind, child);
		if (depth > 0)
			add_directory(walk, kind, child, depth - 1);
	}
	if (directory)
		closedir(directory);
}

void snapshot(char text[SNAPSHOT_SIZE])
{
	struct snapshot_walk walk = { .text = text };
	struct nl_socket host;

	text[0] = '\0';
	add_directory(&walk, "namespace", NETNS_RUN_DIR, 0);
	add_directory(&walk, "pin", PHONE_PIN_ROOT, 1);
	if (nl_open(&host) == 0) {
		nl_link_list(&host, add_link, &walk);
		nl_close(&host);
	}
}
