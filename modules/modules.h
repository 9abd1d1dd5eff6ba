/* modules — the kernel modules packed into an initramfs, loaded by PID 1.
 *
 * scripts/pack-modules.sh puts uncompressed modules and a modules.dep that
 * lists only them under /lib/modules/RELEASE/; PID 1 loads every module
 * that modules.dep lists, each one's dependencies first, with
 * finit_module(2). modules.dep is depmod's format: one line per module,
 * "PATH: DEPENDENCY...", paths relative to its directory (or absolute),
 * and the dependencies listed so that loading them from the last to the
 * first satisfies each (depmod puts a module before those it uses).
 */
#ifndef YOGURT_MODULES_H
#define YOGURT_MODULES_H

#include <stddef.h>
#include <stdint.h>

#define MODULES_MAX 64		/* modules one modules.dep may name */
#define MODULES_PATH_MAX 255	/* bytes of one path in it */

/* The modules of a modules.dep in the order they are to be loaded, each
 * once: a path is length bytes of the text from offset (no NUL). */
struct modules_plan {
	size_t count;
	size_t line;	/* the line a refusal is about */
	struct modules_path {
		uint32_t offset, length;
	} paths[MODULES_MAX];
};

/* Reads length bytes of modules.dep text (untrusted: nothing past length
 * is read, no NUL needed) into plan: for each line in turn its dependencies
 * from the last to the first, then its module, those already planned left
 * out. Empty lines and lines starting with '#' are skipped. 0, or -EINVAL
 * for a line that is not "PATH:[ DEPENDENCY]..." (a path holds no byte up
 * to the space: no blank, control byte or NUL; any of them separates the
 * dependencies), -ENAMETOOLONG for a
 * path longer than MODULES_PATH_MAX, -E2BIG past MODULES_MAX modules; the
 * line is then plan->line (counted from 1). */
int modules_plan(const char *text, size_t length, struct modules_plan *plan);

/* PID 1: loads the modules of /lib/modules/RELEASE/modules.dep (RELEASE:
 * the running kernel's, uname -r) in plan order. Says "yogurt: module PATH
 * loaded" on stdout for each one loaded; one already loaded (EEXIST) is
 * fine; every other failure is one line on stderr with the kernel's words
 * and what to do, and the rest are still tried. No /lib/modules: nothing to
 * do, nothing said. */
void modules_load(void);

#endif
