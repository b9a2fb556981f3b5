/* fsutil.h - whole-file reads and the durable-write steps that exactly-once
 * orders are built from: write all, fsync a file and its directory, mkdir -p.
 *
 * Ownership: nothing here allocates; paths are the caller's. */
#ifndef ADLOG_FSUTIL_H
#define ADLOG_FSUTIL_H

#include <stddef.h>

/* Each returns 0 or a negative errno. */
int fs_write_all(int fd, const void *buf, size_t len);
int fs_fsync_dir(const char *dir);
int fs_mkdir_p(const char *dir);      /* mode 0755; existing is fine */

/* Write len bytes to path through "DIR/.NAME.tmp": fsync, rename, fsync
 * the directory. */
int fs_replace_file(const char *path, const void *buf, size_t len);

/* Read a whole regular file into a malloc'd buffer (NUL-terminated, *len
 * without the NUL).  NULL with errno set on failure; the caller frees. */
char *fs_read_file(const char *path, size_t *len);

/* The directory part of path into dst ("." when none). */
void fs_dirname(const char *path, char *dst, size_t cap);

#endif
