/* attach.h — your own BPF programs on netkit devices (attach.c) and the
 * netkit devices of this namespace with what is attached to them
 * (netkit_list.c). Same conventions as phone.h. */
#ifndef YOGURT_ATTACH_H
#define YOGURT_ATTACH_H

#include <stdio.h>
#include "phone.h"

/* yogurt attach OBJECT.o --dev IFNAME [--primary SECTION] [--peer SECTION]
 * [--pin DIR]; argv[0] is "attach". Prints what it pinned. */
int phone_attach(int argc, char **argv, const struct topology *topology, struct report *report);

/* yogurt detach --dev IFNAME [--pin DIR]; argv[0] is "detach". */
int phone_detach(int argc, char **argv, const struct topology *topology, struct report *report);

/* Every netkit device here: both sides' programs (name, id, tag,
 * instructions), read from the kernel. */
int phone_list_netkit(int out, struct report *report);

#endif
