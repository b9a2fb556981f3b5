/* grow.c - room in a growable array (grow.h). */
#include "grow.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#define GROW_MIN 64

int grow_array(void **arr, size_t *cap, size_t n, size_t elem)
{
	size_t ncap;
	void *a;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : GROW_MIN;
	while (ncap <= n)
		ncap *= 2;
	if (elem && ncap > SIZE_MAX / elem)
		return -ENOMEM;
	a = realloc(*arr, ncap * elem);
	if (!a)
		return -ENOMEM;
	*arr = a;
	*cap = ncap;
	return 0;
}
