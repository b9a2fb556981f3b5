/* grow.h - the one helper that makes room in a growable array, for every
 * program: capacity doubles, so n appends cost O(n) copies in all. */
#ifndef ADLOG_GROW_H
#define ADLOG_GROW_H

#include <stddef.h>

/* Make room for element n (0-based) in *arr, an array of elements of elem
 * bytes with room for *cap of them: when n < *cap nothing happens, else
 * *arr is reallocated to twice *cap (at least 64) and *cap updated.
 * Returns 0, or -ENOMEM with *arr and *cap unchanged. */
int grow_array(void **arr, size_t *cap, size_t n, size_t elem);

#endif
