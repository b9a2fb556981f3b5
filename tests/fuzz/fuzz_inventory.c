/* fuzz_inventory.c - libFuzzer target for the inventory parser: any file
 * is loaded or refused with a file:line message, and a loaded one answers
 * lookups and picks without reading outside its tables. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct inventory *inv;
	char err[256];

	if (inventory_parse((const char *)data, size, "fuzz", &inv, err,
			    sizeof(err))) {
		if (strncmp(err, "fuzz:", 5))
			abort();
		return 0;
	}
	for (size_t i = 0; i < inv->nzones; i++) {
		const struct inv_zone *z = &inv->zones[i];
		const struct inv_ad *a = inventory_pick(inv, z, 1800000000000LL,
							 i * 7919u);

		if (z->cand_off + z->cand_len > inv->ncand)
			abort();
		if (a && (a->width != z->width || a->height != z->height ||
			  !a->weight))
			abort();
		if (inventory_zone(inv, z->id) != z)
			abort();
	}
	for (size_t i = 0; i < inv->nads; i++)
		if (inventory_ad(inv, inv->ads[i].id) != &inv->ads[i] ||
		    !inv->ads[i].campaign)
			abort();
	inventory_free(inv);
	return 0;
}
