/*
 * backoffice.test.mjs — browser test of the agents' queue and request pages (ctest
 * browser.backoffice, label browser; docs/backoffice.md §3-5, map-ui/bo/queue.html,
 * request.html).
 *
 * The real importer builds the fixtures' database; geodir-admin creates a commune agent in a
 * real forms database; the real geodir-api serves it with the back office's test definitions
 * (tests/backoffice_http/forms). Two residents file a school enrolment through the public API.
 * In Debian's headless Chromium (playwright-core) the agent logs in, opens the queue, filters
 * it by the requester's name, opens the request, takes it into instruction, is refused a
 * refusal without motivation (error summary with the focus), asks for a complement with a
 * deadline; the resident, on the follow page (suivi.html#CODE/TOKEN), sees the documents asked
 * and answers with a PDF; the agent accepts; the resident sees the decision; the agent opens
 * the certificate; the agent writes to the resident. geodir-api sends its e-mails to a local
 * SMTP server that captures them (startSmtp): each step's e-mail is checked as it arrives (the
 * receipts, « Nouvelle demande » to the agent, the status change, the documents asked, « Pièces
 * reçues » to the agent, the decision, the agent's message), each sent once. axe-core (WCAG 2.1
 * A and AA) reports no violation on each back-office page and state; the queue and the request
 * page are usable at 360 px.
 *
 * Environment (set by CMakeLists.txt): GEODIR_IMPORT, GEODIR_API, GEODIR_ADMIN,
 * GEODIR_SOURCE_DIR, GEODIR_WORK_DIR; optional CHROMIUM (default /usr/bin/chromium).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  AGENTS, SOURCE_DIR, addAgent, axeCheck, boLogin, closeAll, fileEnrolment, formsArgs,
  freshWorkDir, importFixtures, newContext, openBrowser, pollUntil, smtpArgs, startServer,
  startSmtp,
} from './harness.mjs';

const WORK_DIR = freshWorkDir('run-backoffice');
const ctx = newContext();
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
const filed = {};
const RESIDENT = 'claire@example.org';
const AGENT = AGENTS.durand.email;
let smtp = null;

/* The one captured e-mail to `to` whose subject matches re (polled until it arrives). */
function mail(to, re) {
  return pollUntil(() => smtp.messages.find((m) => m.to.includes(to) && re.test(m.subject)),
                   `an e-mail to ${to} matching ${re}`);
}

before(async () => {
  const db = importFixtures(WORK_DIR);
  smtp = await startSmtp();
  await startServer(ctx, WORK_DIR, db, [
    ...formsArgs(WORK_DIR, path.join(SOURCE_DIR, 'tests', 'backoffice_http', 'forms')),
    ...smtpArgs(smtp)]);
  const found = await (await fetch(`${ctx.base}/api/places?q=Trois%20Villages&category=primary-school`)).json();
  const f = found.features[0];
  const school = { id: f.id || f.properties.id, insee: f.properties.insee };
  addAgent(WORK_DIR, AGENTS.durand, school.insee);
  filed.martin = await fileEnrolment(ctx.base, 'Martin', school);
  filed.bernard = await fileEnrolment(ctx.base, 'Bernard', school);
  await openBrowser(ctx, WORK_DIR, { failOnDialog: true });
});

after(async () => {
  await closeAll(ctx, { screenshot: path.join(WORK_DIR, 'backoffice.png') });
  if (smtp) await smtp.close();
});

const focusedId = (page) => page.evaluate(() => document.activeElement && document.activeElement.id);

/* Chooses a move in the request's status form and sends it. */
async function move(page, label, fill = {}) {
  await page.getByLabel(label, typeof label === 'string' ? { exact: true } : {}).check();
  for (const [sel, value] of Object.entries(fill))
    await page.fill(sel, value);
  await page.click('text=Enregistrer le changement de statut');
}

test('the receipts reach the residents and the new requests the commune\'s agent', async () => {
  for (const f of [filed.martin, filed.bernard]) {
    const receipt = await mail(RESIDENT, new RegExp(`^Demande déposée : .* \\(code ${f.code}\\)$`));
    assert.match(receipt.body, new RegExp(`Code de suivi : ${f.code}`));
    const told = await mail(AGENT, new RegExp(`^Nouvelle demande : .*\\(${f.code}\\)$`));
    assert.match(told.body, /\/bo\//, 'the agent\'s e-mail links to the back office');
  }
});

test('the agent logs in, filters the queue and asks for a complement', async () => {
  const page = ctx.page;
  await boLogin(ctx, AGENTS.durand.login, AGENTS.durand.password);
  await page.click('#open-queue');
  await page.waitForSelector('#requests tbody tr');
  assert.equal(await page.locator('#requests tbody tr').count(), 2, 'both requests listed');
  assert.match(await page.textContent('#counts'), /Déposée : 2/);
  await axeCheck(page, 'the queue');

  await page.fill('#f-q', 'martin');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelectorAll('#requests tbody tr').length === 1);
  assert.match(await page.textContent('#requests caption'), /1 demande/);
  assert.match(page.url(), /q=martin/, 'the filters are in the page address');
  assert.match(await page.getAttribute('#export-csv', 'href'), /requests\.csv\?q=martin/);
  await axeCheck(page, 'the filtered queue');

  await page.setViewportSize({ width: 360, height: 740 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
  assert.equal(overflow, false, 'no page-wide horizontal scroll at 360 px (the table scrolls in its region)');
  await axeCheck(page, 'the queue at 360 px');
  await page.setViewportSize({ width: 1280, height: 860 });

  await page.click(`text=${filed.martin.code}`);
  await page.waitForSelector('#request-title');
  assert.match(await page.textContent('#request-title'), new RegExp(filed.martin.code));
  assert.match(await page.textContent('main'), /École des Trois Villages/);
  await axeCheck(page, 'the request page');
  await page.setViewportSize({ width: 360, height: 740 });
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1), false,
               'the request page fits 360 px');
  await axeCheck(page, 'the request page at 360 px');
  await page.setViewportSize({ width: 1280, height: 860 });

  await move(page, /^En cours d.instruction$/);
  await page.waitForFunction(() => /En cours d.instruction/.test(document.querySelector('.bo-facts').textContent));
  await mail(RESIDENT, new RegExp(`^Votre demande ${filed.martin.code} : En cours d.instruction$`));
  await move(page, 'Refusée');
  await page.waitForSelector('.error-summary:not([hidden])');
  assert.equal(await page.evaluate(() => document.activeElement.classList.contains('error-summary')), true,
               'the error summary takes the focus');
  assert.equal(await page.getAttribute('#motivation', 'aria-invalid'), 'true');
  await axeCheck(page, 'a refusal without motivation');

  await move(page, 'Complément demandé', { '#documents': 'Livret de famille', '#deadline': '2099-01-15' });
  await page.waitForFunction(() => /Complément demandé/.test(document.querySelector('.bo-facts').textContent));
  assert.equal(await focusedId(page), 'request-title');
  await axeCheck(page, 'after the complement request');
  const asked = await mail(RESIDENT, new RegExp(`^Pièces demandées pour votre demande ${filed.martin.code}$`));
  assert.match(asked.body, /Livret de famille/);
  assert.match(asked.body, /avant le 15\/01\/2099/);
});

test('the resident answers with a document, the agent accepts, the resident sees it', async () => {
  const resident = await ctx.browser.newPage();
  await resident.goto(`${ctx.base}/suivi.html#${filed.martin.code}/${filed.martin.token}`);
  await resident.waitForSelector('.documents-requested');
  assert.match(await resident.textContent('.documents-requested'), /Livret de famille.*15\/01\/2099/);
  await resident.setInputFiles('#complement-files', { name: 'livret.pdf', mimeType: 'application/pdf', buffer: PDF });
  await resident.click('#complement-send');
  await resident.waitForSelector('#request-status[data-status="complement_recu"]');

  const got = await mail(AGENT, new RegExp(`^Pièces reçues : .*\\(${filed.martin.code}\\)$`));
  assert.match(got.body, /envoyé les pièces demandées/);

  const page = ctx.page;
  await page.reload();
  await page.waitForSelector('#request-title');
  assert.match(await page.textContent('main'), /livret\.pdf/);
  await move(page, 'Acceptée');
  await page.waitForSelector('text=Certificat d’inscription (à imprimer)');
  await axeCheck(page, 'accepted');
  await mail(RESIDENT, new RegExp(`^Décision sur votre demande ${filed.martin.code} : Acceptée$`));

  await page.fill('#message-text', 'Le certificat est prêt : vous pouvez le retirer en mairie.');
  await page.click('text=Envoyer le message');
  await page.waitForSelector('.message:has-text("Le certificat est prêt")');
  const sent = await mail(RESIDENT, new RegExp(`^Message au sujet de votre demande ${filed.martin.code}$`));
  assert.match(sent.body, /Le certificat est prêt : vous pouvez le retirer en mairie\./);

  await resident.reload();
  await resident.waitForSelector('#request-status[data-status="acceptee"]');
  await resident.close();

  await page.click('text=Certificat d’inscription (à imprimer)');
  await page.waitForSelector('.certificate');
  assert.match(await page.textContent('.certificate'), /Léa Martin.*École des Trois Villages/s);
  await axeCheck(page, 'the certificate');
});

test('each e-mail was sent once', () => {
  const seen = new Map();
  for (const m of smtp.messages) {
    const key = `${m.to.join(',')} ${m.subject}`;
    seen.set(key, (seen.get(key) || 0) + 1);
  }
  assert.deepEqual([...seen].filter(([, n]) => n > 1), [], 'no e-mail doubled');
  assert.equal(smtp.messages.length, 9, `the 9 e-mails of the journey: ${[...seen.keys()].join(' | ')}`);
});

test('no unexpected console error, nothing fetched elsewhere', () => {
  const errors = ctx.errors.filter((e) => !/status of 401/.test(e));
  assert.deepEqual(errors, []);
  assert.deepEqual(ctx.foreign, []);
});
