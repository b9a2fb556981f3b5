/* hazard.c - wait for readers to let go of a swapped-out object. */
#include "hazard.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int hazard_init(struct hazard_set *h, size_t n)
{
	void *mem = NULL;

	h->n = 0;
	h->slot = NULL;
	if (posix_memalign(&mem, 64, (n ? n : 1) * sizeof(struct hazard_slot)))
		return -ENOMEM;
	memset(mem, 0, (n ? n : 1) * sizeof(struct hazard_slot));
	h->slot = mem;
	h->n = n;
	return 0;
}

void hazard_release(struct hazard_set *h)
{
	free(h->slot);
	h->slot = NULL;
	h->n = 0;
}

void hazard_wait(struct hazard_set *h, const void *old)
{
	const struct timespec pause = { 0, 100000 };  /* 0.1 ms */

	if (!old)
		return;
	for (size_t i = 0; i < h->n; i++)
		while (atomic_load(&h->slot[i].p) == old)
			nanosleep(&pause, NULL);
}
