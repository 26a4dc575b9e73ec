/*
 * bo_harness.mjs — what the back office's browser tests (bo_login, backoffice .test.mjs) share
 * on top of harness.mjs: the run folder with its forms database and the test context, agents
 * added by the real geodir-admin, the real geodir-api serving the fixtures' database with a
 * folder of form definitions, that forms database and its files folder, the id of the focused
 * element, and the last check: no console error but the expected 401s, nothing fetched elsewhere.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { freshWorkDir, geodirAdmin, newContext, startServer } from './harness.mjs';

/* A back-office run: { workDir (fresh), formsDb (in it), ctx (newContext) }. */
export function boRun(name) {
  const workDir = freshWorkDir(name);
  return { workDir, formsDb: path.join(workDir, 'forms.sqlite'), ctx: newContext() };
}

/* geodir-admin on the run's forms database (harness.mjs geodirAdmin): its output. */
export function boAdmin(run, args, input) {
  return geodirAdmin(run.formsDb, args, input);
}

/* Adds an agent (geodir-admin agent add) with its password given on standard input. */
export function addAgent(run, { login, name, email, role, commune = null }, password) {
  const where = commune === null ? [] : ['--commune', commune];
  boAdmin(run, ['agent', 'add', '--login', login, '--name', name, '--email', email, '--role', role,
                ...where, '--password-stdin'], `${password}\n`);
}

/* The real geodir-api on the database db with the forms of formsDir and the run's forms
 * database and files folder (harness.mjs startServer). */
export function startBoServer(run, db, formsDir) {
  return startServer(run.ctx, run.workDir, db, [
    '--forms_dir', formsDir, '--forms_db', run.formsDb,
    '--forms_files_dir', path.join(run.workDir, 'forms-files')]);
}

export const focusedId = (page) => page.evaluate(() => document.activeElement && document.activeElement.id);

/* No console error but the 401s the back office expects (GET /api/bo/me without a session yet,
 * failed logins); no request to another host. */
export function assertCleanRun(ctx) {
  const errors = ctx.errors.filter((e) => !/status of 401/.test(e));
  assert.deepEqual(errors, []);
  assert.deepEqual(ctx.foreign, []);
}
