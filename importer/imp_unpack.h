/*
 * imp_unpack.h — unpacking a downloaded file for the fetch mode (imp_fetch.c): a gzip file, or
 * the one member of a zip archive that a pattern names. Both write a new file and never more
 * than a given number of bytes; on failure the output file is removed and msg says why in a
 * sentence for the fetch report. Thread-safe for distinct output paths.
 */
#ifndef IMP_UNPACK_H
#define IMP_UNPACK_H
#include <stddef.h>

#define IMP_ZIP_MEMBER_MAX 512    /* bytes of a member's name kept, NUL included */

/* Decompresses the gzip file in into out, refusing more than max bytes of output. Returns 0,
 * or -1 with msg filled (not gzip, damaged, too large, I/O). */
int imp_gunzip_file(const char *in, const char *out, long long max, char *msg, size_t msg_size);

/* Extracts from the zip archive in the one member whose path or base name matches pattern
 * (fnmatch; NULL: the archive must hold exactly one file) into out, at most max bytes, and
 * copies the member's path into chosen. The archive is read with bounded memory: the last
 * 64 KiB + 22 bytes, the central directory (at most 64 MiB), then the member streamed.
 * Returns 0, or -1 with msg filled (not a zip, damaged, no or several matching members, ZIP64,
 * encrypted, unsupported method, too large, size or CRC mismatch, I/O). */
int imp_unzip_file(const char *in, const char *pattern, const char *out, long long max,
                   char *chosen, size_t chosen_size, char *msg, size_t msg_size);

#endif
