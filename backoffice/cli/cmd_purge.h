/*
 * cmd_purge.h — geodir-admin's RGPD commands (docs/backoffice.md §8), dispatched from main.c:
 *
 *   geodir-admin [--forms-db PATH] purge [--dry-run] [--forms-dir DIR] [--files-dir DIR]
 *                                        [--db DIRECTORY]
 *   geodir-admin register [--forms-dir DIR] [--db DIRECTORY]
 *   geodir-admin [--forms-db PATH] requester export|erase EMAIL [--files-dir DIR]
 *
 * --forms-dir defaults to $GEODIR_FORMS_DIR, --files-dir to $GEODIR_FORMS_FILES_DIR; --db
 * (the directory's SpatiaLite file, $GEODIR_DB) gives the member communes that definitions
 * listing communes are checked against.
 */
#ifndef CMD_PURGE_H
#define CMD_PURGE_H

/* 1 when name is one of purge, register, requester. */
int admin_rgpd_command(const char *name);

/* Runs argv[0] (a command above) with its arguments; forms_db may be NULL for register.
 * Returns the exit status: 0 ok, 1 failure, 2 usage. */
int admin_rgpd_main(const char *forms_db, int argc, char **argv);

#endif
