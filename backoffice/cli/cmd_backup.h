/*
 * cmd_backup.h — geodir-admin backup and restore of what geodir-api writes (docs/deployment.md,
 * "Backup and restore"): the forms database (requests, back office, daily life: one SQLite
 * file in WAL mode) and the attachments folder, dispatched from main.c:
 *
 *   geodir-admin [--forms-db PATH] backup DIR [--files-dir DIR]
 *   geodir-admin [--forms-db PATH] restore DIR [--files-dir DIR]
 *
 * backup runs beside a serving geodir-api: one read transaction of the database is its
 * snapshot, copied by SQLite's online backup API; the attachments that snapshot names are
 * copied and checked against their recorded SHA-256; manifest.json (files, sizes, SHA-256,
 * schema version, integrity check, time) is written last, and the folder, built as
 * DIR.partial-PID, is renamed to DIR at the end: a DIR that exists is a whole backup.
 * restore checks the manifest (every file's size and SHA-256, no file more, the schema
 * version, the integrity check), refuses while a process holds the forms database, keeps the
 * previous database and folder as *.before-restore-STAMP, and swaps the copies in by rename.
 *
 * --files-dir defaults to $GEODIR_FORMS_FILES_DIR. Exit status: 0 done, 1 failure (I/O,
 * database), 2 usage, 3 refused (a corrupted or foreign backup, a server running, DIR there).
 */
#ifndef CMD_BACKUP_H
#define CMD_BACKUP_H

#include <stddef.h>

#include "gdir_err.h"

/* 1 when name is backup or restore. */
int admin_backup_command(const char *name);

/* Runs argv[0] (backup or restore) with its arguments. Returns the exit status. */
int admin_backup_main(const char *forms_db, int argc, char **argv);

/* Between cmd_backup.c and cmd_restore.c. */
#define BACKUP_MANIFEST "manifest.json"
#define BACKUP_DB "forms.sqlite"
#define BACKUP_FILES "files"
#define BACKUP_FORMAT "geodir-backup"
#define BACKUP_VERSION 1

int backup_restore(const char *forms_db, const char *files_dir, const char *dir,
                   struct gdir_err *err);
/* Copies src to a new file dst (0600), fsynced. 0 or GDIR_EIO. */
int backup_copy_file(const char *src, const char *dst, struct gdir_err *err);
/* A path printed into out (cap bytes); "" when it would not fit (the call on it then fails).
 * The command refuses arguments longer than BACKUP_ARG_MAX, so that never happens. */
void backup_path(char *out, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#define BACKUP_ARG_MAX 1024
/* fsync of a folder (its entries durable). 0 or GDIR_EIO. */
int backup_sync_dir(const char *dir, struct gdir_err *err);
/* The PRAGMA user_version and integrity_check of the SQLite file path, opened read-only. 0,
 * or GDIR_EDB (not a database), GDIR_ECONFLICT (integrity_check not "ok"; err says). */
int backup_check_db(const char *path, int *version, struct gdir_err *err);
/* A file name of the attachments folder as the database stores it: no '/', not "." or "..",
 * not empty, printable ASCII. */
int backup_name_ok(const char *name);

#endif
