/*
 * life.test.mjs — the daily-life pages (issue 15; docs/vie-locale.md §7) in headless Chromium
 * over the sample data of ./scripts/run (config/aire-argonne.json, imported by the real
 * importer) and the example waste calendar (config/collecte-exemple-aire-argonne.json), served
 * by the real geodir-api with its real forms database (the daily-life store):
 *   - a commune agent (made by the real geodir-admin) logs in, opens « Vie locale », is refused
 *     an event without title (error summary), then writes a weekly market of their commune
 *     (time, place from the directory, recurrence built as « chaque semaine le samedi, 4 fois »,
 *     category, free, accessibility, link, a PNG image, a hostile <script> in the text) and
 *     publishes it after the French confirmation;
 *   - /agenda at 360 px by keyboard only: the commune filter chosen and applied (kept in the
 *     URL), the market under its « Samedi … » heading with its recurrence sentence, place and
 *     price, the text inert, the subscribe links (webcal:// and https) of the filter, whose
 *     calendar (/api/events.ics) Python's icalendar reads with the market as one RRULE;
 *   - the recurrence builder's rules and French sentences (« chaque semaine le samedi », « le
 *     premier mardi du mois »…), a rule it cannot show kept as it is;
 *   - the commune page lists it under « Prochains événements », with the collection days;
 *   - an alert published through the back-office API shows as a banner on the commune page
 *     (severity in words), « Masquer » hides it for the session, and it leaves the page once
 *     its validity has ended (polled: no sleep);
 *   - a news item scheduled through the editor (« Programmé pour le … », not visible yet), then
 *     published now (on /actualites with its Atom and RSS links, a javascript: link inert, 360 px),
 *     then unpublished (gone), each after its French confirmation;
 *   - an association's « Proposer un événement » filed through the public API: on its request
 *     page the agent is refused a refusal without motivation, then accepts it with a corrected
 *     title; the event is in /api/events with its « proposition n° … » source;
 *   - « Je m'installe » with an address: the collection days, « Quand sortir mon bac ? », the
 *     « Ajouter à mon agenda » link, whose https calendar is fetched and parsed by Python's
 *     icalendar (Debian's, /usr/bin/python3: a missing module fails the test).
 * axe-core (WCAG 2.1 A and AA) reports no violation in every page and state checked.
 *
 * Environment (set by CMakeLists.txt): GEODIR_IMPORT, GEODIR_API, GEODIR_ADMIN,
 * GEODIR_SOURCE_DIR, GEODIR_WORK_DIR; optional CHROMIUM (default /usr/bin/chromium).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import {
  SOURCE_DIR, axeCheck, boLogin, closeAll, fileSubmission, freshWorkDir, geodirAdmin, newContext,
  noHorizontalScroll, openBrowser, pollUntil, refuseThenAccept, runImport, startServer, tabTo,
  tileHostOf,
} from './harness.mjs';

const WORK_DIR = freshWorkDir('run-life');
const FORMS_DB = path.join(WORK_DIR, 'forms.sqlite');
const ctx = newContext();
const PW = 'Girafe-Parapluie-Violon-27';
const INSEE = '55532';   /* Vaubecourt */
const TITLE = 'Marché du samedi (exemple)';
let eventId = null;
let alertTab = null;   /* the commune page showing the alert that expires */

/* "YYYY-MM-DD" of the first Saturday after tomorrow in Paris. */
function nextSaturday() {
  const fmt = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' });
  for (let d = 2; d < 10; d++) {
    const t = new Date(Date.now() + d * 86400000);
    if (new Date(`${fmt.format(t)}T12:00:00Z`).getUTCDay() === 6)
      return fmt.format(t);
  }
  throw new Error('no Saturday');
}

before(async () => {
  const db = path.join(WORK_DIR, 'geodir.sqlite');
  runImport(WORK_DIR, ['--config', path.join(SOURCE_DIR, 'config', 'aire-argonne.json'), '--db', db, '--no-exports']);
  await startServer(ctx, WORK_DIR, db, [
    '--forms_dir', path.join(SOURCE_DIR, 'config', 'forms'), '--forms_db', FORMS_DB,
    '--forms_files_dir', path.join(WORK_DIR, 'forms-files'),
    '--waste_file', path.join(SOURCE_DIR, 'config', 'collecte-exemple-aire-argonne.json')]);
  geodirAdmin(FORMS_DB, ['agent', 'add', '--login', 'm.durand', '--name', 'Marie Durand', '--email',
                         'm.durand@mairie.fr', '--role', 'commune', '--commune', INSEE,
                         '--password-stdin'], `${PW}\n`);
  const t = await (await fetch(`${ctx.base}/api/territory`)).json();
  await openBrowser(ctx, WORK_DIR, { tileHost: tileHostOf(t), failOnDialog: true });
});

after(async () => {
  await closeAll(ctx, { screenshot: path.join(WORK_DIR, 'life.png') });
});

/* The calendar at url parsed by a real parser, Debian's python3-icalendar (not in the pyenv
 * interpreter CMake finds: /usr/bin/python3; a missing module fails): { events, alarms,
 * summaries, rrules }. */
async function parseCalendar(url) {
  const r = await fetch(url);
  assert.equal(r.status, 200, url);
  assert.match(r.headers.get('content-type'), /^text\/calendar/);
  const py = spawnSync('/usr/bin/python3', ['-c', `
import json, sys
try:
    import icalendar
except ImportError as e:
    sys.exit("python3-icalendar is missing (apt-get install python3-icalendar): %s" % e)
cal = icalendar.Calendar.from_ical(sys.stdin.buffer.read())
ev = list(cal.walk("VEVENT"))
print(json.dumps({"events": len(ev), "alarms": sum(len(list(e.walk("VALARM"))) for e in ev),
                  "summaries": sorted({str(e.get("SUMMARY")) for e in ev}),
                  "rrules": [e.get("RRULE").to_ical().decode() for e in ev if e.get("RRULE")]}))
`], { input: Buffer.from(await r.arrayBuffer()), encoding: 'utf8' });
  assert.equal(py.status, 0, `icalendar could not parse ${url}: ${py.stderr}`);
  return JSON.parse(py.stdout);
}

const text = async (page, sel) => (await page.innerText(sel)).replace(/\s+/g, ' ').trim();

test('an agent writes and publishes a weekly market of their commune', async () => {
  const page = ctx.page;
  await boLogin(ctx, 'm.durand', PW);
  await page.click('#open-life');
  await page.waitForSelector('body[data-ready="list"]');
  assert.match(await page.textContent('#life-status'), /Aucune publication/);
  await axeCheck(page, 'the « Vie locale » list');
  await page.click('#new-event');
  await page.waitForSelector('body[data-ready="editor-new-draft"]');
  assert.equal(await page.isChecked(`#life-commune-${INSEE}`), true, 'the agent\'s only commune is checked');
  assert.equal(await page.$('#life-territory'), null, 'no « Tout le territoire » for a commune agent');
  await axeCheck(page, 'the editor of a new event');

  await page.click('button[data-action="draft"]');
  await page.waitForSelector('.error-summary:not([hidden])');
  assert.equal(await page.evaluate(() => document.activeElement.classList.contains('error-summary')), true);
  assert.match(await page.textContent('.error-summary'), /Saisissez le titre\..*Indiquez la date de début\./s);
  assert.equal(await page.getAttribute('#life-title', 'aria-invalid'), 'true');
  await axeCheck(page, 'the editor with errors');

  const day = nextSaturday();
  await page.fill('#life-title', TITLE);
  await page.fill('#life-text', 'Producteurs locaux sur la place.\n\n- fromages\n- légumes <script>document.title="pwned"</script>');
  await page.fill('#life-start_date', day);
  await page.fill('#life-start_time', '08:00');
  await page.fill('#life-end_time', '12:30');
  await page.selectOption('#life-freq', 'WEEKLY');
  await page.check('#life-day-SA');
  await page.check('#life-end-count');
  await page.fill('#life-count', '4');
  assert.equal(await text(page, '#life-rrule-preview'), 'Récurrence : Chaque semaine le samedi, 4 fois');
  await pollUntil(() => page.$$eval('#life-place_id option', (os) => os.some((o) => /Mairie - Vaubecourt/.test(o.textContent))),
                  'the directory\'s places of Vaubecourt in the place picker');
  await page.selectOption('#life-place_id', { label: (await page.$$eval('#life-place_id option', (os) =>
    os.map((o) => o.textContent).find((t) => /Mairie - Vaubecourt/.test(t)))) });
  await page.selectOption('#life-category', 'marche');
  await page.check('#life-free');
  await page.fill('#life-accessibility', 'Place de plain-pied, accessible en fauteuil roulant.');
  await page.fill('#life-organiser', 'Commune de Vaubecourt');
  await page.fill('#life-url', 'https://www.example.org/marche');
  /* a 1×1 PNG (its first bytes are checked by the page, then by the server) */
  await page.setInputFiles('#life-image', { name: 'marche.png', mimeType: 'image/png', buffer: Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64') });
  await axeCheck(page, 'the editor filled, recurrence shown');

  await page.click('button[data-action="publish"]');
  await page.waitForSelector('#life-confirm');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'life-confirm', 'the confirmation takes the focus');
  assert.match(await text(page, '#life-confirm'), /Publier maintenant \?.*sera visible de tous dès maintenant/);
  await axeCheck(page, 'the publication\'s confirmation');
  await page.click('#life-confirm-yes');
  await page.waitForSelector('body[data-ready$="-published"]');
  eventId = (await page.evaluate(() => document.body.dataset.ready)).split('-')[1];
  assert.match(await text(page, '#editor-state'), /État : Publié.*Publié : visible par les habitants\./);
  assert.match(page.url(), new RegExp(`vie-locale\\.html\\?id=${eventId}$`));
  /* the editor shows the saved event again, ready for a change */
  assert.equal(await page.inputValue('#life-title'), TITLE);
  assert.equal(await page.inputValue('#life-start_date'), day);
  assert.equal(await page.inputValue('#life-start_time'), '08:00');
  assert.equal(await page.inputValue('#life-freq'), 'WEEKLY');
  assert.equal(await text(page, '#life-rrule-preview'), 'Récurrence : Chaque semaine le samedi, 4 fois');
  assert.equal(await page.isChecked('#life-free'), true);
  await axeCheck(page, 'the published event in the editor');

  await page.goto(`${ctx.base}/bo/vie-locale.html?kind=event`);
  await page.waitForSelector('body[data-ready="list"]');
  assert.match(await text(page, '#life-items tbody'), new RegExp(`${TITLE.replace(/[()]/g, '\\$&')} Événement Publié Vaubecourt`));
});

test('the recurrence builder writes and reads the RRULE subset (map-ui/bo/rrule-builder.js)', async () => {
  const got = await ctx.page.evaluate(async () => {
    const { buildRrule, parseRrule, describeSpec, emptySpec } = await import('/bo/rrule-builder.js');
    const cases = [
      { ...emptySpec(), freq: 'WEEKLY', days: ['SA'] },
      { ...emptySpec(), freq: 'MONTHLY-NTH', nth: 1, nthDay: 'TU' },
      { ...emptySpec(), freq: 'MONTHLY-NTH', nth: -1, nthDay: 'FR', end: 'until', until: '2027-06-30' },
      { ...emptySpec(), freq: 'WEEKLY', interval: 2, days: ['TH', 'TU'], end: 'count', count: 10 },
      { ...emptySpec(), freq: 'MONTHLY-DAY', monthDay: 15 },
    ];
    return cases.map((s) => { const r = buildRrule(s); return [r, describeSpec(parseRrule(r))]; })
      .concat([[parseRrule('FREQ=WEEKLY;BYSETPOS=1').freq, describeSpec(parseRrule('FREQ=WEEKLY;BYSETPOS=1'))]]);
  });
  assert.deepEqual(got.map(([r, d]) => [r, d.replace(/\u00a0/g, ' ')]), [
    ['FREQ=WEEKLY;BYDAY=SA', 'Chaque semaine le samedi'],
    ['FREQ=MONTHLY;BYDAY=1TU', 'Le premier mardi du mois'],
    ['FREQ=MONTHLY;UNTIL=20270630;BYDAY=-1FR', 'Le dernier vendredi du mois, jusqu’au 30 juin 2027'],
    ['FREQ=WEEKLY;INTERVAL=2;COUNT=10;BYDAY=TU,TH', 'Toutes les 2 semaines le mardi et le jeudi, 10 fois'],
    ['FREQ=MONTHLY;BYMONTHDAY=15', 'Le 15 de chaque mois'],
    ['custom', 'Règle avancée : FREQ=WEEKLY;BYSETPOS=1'],
  ]);
});

test('/agenda at 360 px by keyboard only: filter, the market by day, subscribe links', async () => {
  const page = ctx.page;
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto(`${ctx.base}/agenda`);
  await page.waitForSelector('body[data-ready="agenda-1"]');
  assert.equal(await page.getAttribute('nav a[href="/agenda"]', 'aria-current'), 'page');
  await axeCheck(page, '/agenda, the whole territory');
  await tabTo(page, '#f-commune');
  await page.keyboard.type('Vaubecourt');
  assert.equal(await page.inputValue('#f-commune'), INSEE, 'the commune chosen by typing its name');
  await tabTo(page, '#agenda-filters button[type="submit"]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('body[data-ready="agenda-2"]');
  assert.match(page.url(), /\/agenda\?commune=55532$/);
  const events = await page.$$eval('#events li.event-item', (ls) => ls.map((l) => l.dataset.item));
  assert.equal(events.filter((i) => i === eventId).length, 4, 'four Saturdays (COUNT=4) within the default 90 days');
  const first = await text(page, '#events .agenda-day:first-child');
  assert.match(first, /^Samedi \d{1,2}(er)? [a-zéû]+ /, 'the day heading « Samedi 12 décembre »');
  assert.match(first, /Quand : 8 h – 12 h 30/);
  assert.match(first, /Lieu : Mairie - Vaubecourt/);
  assert.match(first, /Tarif : Gratuit/);
  assert.match(first, /Accessibilité : Place de plain-pied/);
  assert.match(first, /Récurrence : .*samedi/i);
  assert.match(first, /Organisateur : Commune de Vaubecourt/);
  assert.equal(await page.$$eval('#events script', (s) => s.length), 0, 'the hostile script is not in the page');
  assert.match(await page.getAttribute('#events .agenda-day:first-child img.event-image', 'src'), /^\/api\/life\/\d+\/image$/,
               'the uploaded image illustrates the event');
  await pollUntil(() => page.$eval('#events .agenda-day:first-child img.event-image', (i) => i.complete && i.naturalWidth === 1),
                  'the uploaded image is served and shown');
  assert.doesNotMatch(await page.title(), /pwned/);
  const webcal = await page.getAttribute('.subscribe-webcal', 'href');
  const https = await page.getAttribute('.subscribe-https', 'href');
  assert.match(webcal, /^webcal:\/\/127\.0\.0\.1:\d+\/api\/events\.ics\?commune=55532$/);
  assert.equal(https, webcal.replace(/^webcal:/, 'http:'));
  assert.match(await page.getAttribute('.subscribe-atom', 'href'), /\/api\/news\.atom\?commune=55532$/);
  const cal = await parseCalendar(https);
  assert.ok(cal.summaries.includes(TITLE), `the market in the commune's calendar: ${cal.summaries}`);
  assert.ok(cal.rrules.some((r) => /FREQ=WEEKLY/.test(r) && /COUNT=4/.test(r) && /BYDAY=SA/.test(r)),
            `the recurrence kept as one RRULE: ${cal.rrules}`);
  await tabTo(page, '#events .event-links a');   /* the events' links are in the Tab order */
  assert.match(await page.evaluate(() => document.activeElement.textContent), /^Plus d’informations sur Marché du samedi/);
  await noHorizontalScroll(page, '/agenda');
  await axeCheck(page, '/agenda filtered by commune at 360 px');
  await page.goBack();
  await page.waitForSelector('body[data-ready="agenda-3"]');
  assert.equal(await page.inputValue('#f-commune'), '', 'Back restores the whole territory');
});

test('the commune page lists the market and the collection days', async () => {
  const page = ctx.page;
  await page.setViewportSize({ width: 1280, height: 860 });
  await page.goto(`${ctx.base}/commune/${INSEE}`);
  await page.waitForSelector('body[data-ready="true"]');
  assert.match(await text(page, '#commune-events'), new RegExp(`${TITLE.replace(/[()]/g, '\\$&')} Quand : Samedi`));
  assert.equal(await page.getAttribute('#commune-events a[href^="/agenda"]', 'href'), `/agenda?commune=${INSEE}`);
  const waste = await text(page, '#commune-waste');
  assert.match(waste, /Ordures ménagères Prochaines collectes : /);
  assert.match(waste, /Quand sortir mon bac \?/);
  assert.match(await page.getAttribute('#commune-waste .subscribe-webcal', 'href'), /^webcal:\/\/.*\/api\/waste\.ics\?commune=55532/);
  await axeCheck(page, 'the commune page with events and collection days');
});

/* POST as the logged-in agent (the page's session and CSRF token): { status, body }. */
function boPost(page, url, body) {
  return page.evaluate(async ([u, b]) => {
    const me = await (await fetch('/api/bo/me')).json();
    const r = await fetch(u, { method: 'POST', body: JSON.stringify(b),
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf } });
    return { status: r.status, body: await r.json().catch(() => ({})) };
  }, [url, body]);
}

test('an association\'s proposal, refused without motivation, then accepted by the agent, is in the agenda', async () => {
  const date = new Date(Date.parse(`${nextSaturday()}T12:00:00Z`) + 8 * 86400000).toISOString().slice(0, 10);
  const values = {
    titre: 'Concert de la chorale', categorie: 'culture', date, heure_debut: '20:30', heure_fin: '22:00',
    recurrence: 'une_fois', description: 'Chants de Noël.',
    adresse: { label: '7 Grande Rue 55250 Vaubecourt', housenumber: '7', street: 'Grande Rue', postcode: '55250',
               citycode: INSEE, city: 'Vaubecourt', lon: 5.1117, lat: 48.9337 },
    organisateur: 'Chorale du village (exemple)', tarif: 'gratuit', email: 'chorale@example.org',
  };
  const filed = await fileSubmission(ctx.base, 'proposer-evenement', values, 'the proposal is filed');

  const page = ctx.page;
  await page.setViewportSize({ width: 1280, height: 860 });
  await page.goto(`${ctx.base}/bo/queue.html`);
  await page.click(`text=${filed.code}`);
  await page.waitForSelector('#event-proposal-title');
  await refuseThenAccept(page, { titleId: 'event-proposal-title', prefix: 'event',
                                acceptLabel: 'Accepter et publier dans l’agenda', field: 'title',
                                value: 'Concert de Noël de la chorale (exemple)',
                                step: 'an event proposal' });
  await axeCheck(page, 'the accepted proposal');
  const answer = await (await fetch(`${ctx.base}/api/events?commune=${INSEE}&q=chorale`)).json();
  const got = answer.features.find((f) => /Concert de Noël de la chorale/.test(f.properties.title));
  assert.ok(got, `the accepted event is in /api/events: ${JSON.stringify(answer.features.map((f) => f.properties.title))}`);
  assert.match(got.properties.source, /^proposition n° \S+/, 'the event says it comes from a proposal');
});

test('an alert shows as a banner on the commune page and can be hidden for the session', async () => {
  const page = ctx.page;
  await page.goto(`${ctx.base}/bo/vie-locale.html`);
  await page.waitForSelector('body[data-ready="list"]');
  /* valid for the next few seconds: the API's local time "YYYY-MM-DDTHH:MM:SS" in Paris */
  const until = new Date(Date.now() + 15000).toLocaleString('sv-SE', { timeZone: 'Europe/Paris' }).replace(' ', 'T');
  const made = await boPost(page, '/api/bo/life', { kind: 'alert', title: 'Route barrée (exemple)',
    text: 'La Grande Rue est fermée à la circulation.', communes: [INSEE], territory: false,
    severity: 'critical', valid_until: until });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const pub = await boPost(page, `/api/bo/life/${made.body.id}/publish`, {});
  assert.equal(pub.status, 200, JSON.stringify(pub.body));

  const tab = await ctx.browser.newPage();
  tab.on('console', (m) => { if (m.type() === 'error') ctx.errors.push(`console (tab): ${m.text()}`); });
  await tab.goto(`${ctx.base}/commune/${INSEE}`);
  await tab.waitForSelector('body[data-alerts="1"][data-ready="true"]');
  assert.match(await text(tab, '#alert-banner'), /Alerte importante : Route barrée \(exemple\).*fermée à la circulation/);
  assert.equal(await tab.getAttribute('#alert-banner', 'aria-label'), 'Alertes en cours');
  assert.match(await text(tab, '#commune-alerts'), /Alerte importante : Route barrée/);
  await axeCheck(tab, 'the commune page with its alert banner');

  /* hidden for the session (this tab): gone, and still gone after a reload; the main tab in
   * front again (a background tab's timers are slowed down) */
  await page.bringToFront();
  await page.goto(`${ctx.base}/commune/${INSEE}`);
  await page.waitForSelector('body[data-alerts="1"]');
  await page.focus('#alert-banner .alert-dismiss');
  await page.keyboard.press('Enter');
  assert.equal(await page.$('#alert-banner'), null);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'main', 'the focus goes to the content');
  await page.reload();
  await page.waitForSelector('body[data-alerts="0"]');
  assert.equal(await page.$('#alert-banner'), null);
  alertTab = tab;   /* left open: its banner must leave by itself (the last test but one) */
});

/* The titles of /api/news?commune=INSEE (what residents see now). */
async function newsTitles() {
  const r = await (await fetch(`${ctx.base}/api/news?kind=news&commune=${INSEE}`)).json();
  return r.items.map((i) => i.title);
}

test('/actualites: a news item scheduled, published, then unpublished through the editor; its feeds', async () => {
  const page = ctx.page;
  const NEWS = 'Horaires de la mairie pendant les fêtes (exemple)';
  await page.setViewportSize({ width: 1280, height: 860 });
  await page.goto(`${ctx.base}/bo/vie-locale.html?nouveau=news`);
  await page.waitForSelector('body[data-ready="editor-new-draft"]');
  await page.fill('#life-title', NEWS);
  await page.fill('#life-text', 'La mairie ferme le 24 décembre à midi.\n\n<a href="javascript:alert(1)">piège</a>');
  const later = new Date(Date.now() + 3600000).toLocaleString('sv-SE', { timeZone: 'Europe/Paris' }).replace(' ', 'T').slice(0, 16);
  await page.fill('#life-publish-at', later);
  await page.click('button[data-action="schedule"]');
  await page.waitForSelector('#life-confirm');
  assert.match(await text(page, '#life-confirm'), /Programmer la publication \?.*sera visible de tous à partir du/);
  await page.click('#life-confirm-yes');
  await page.waitForSelector('body[data-ready$="-published"]');
  assert.match(await text(page, '#editor-state'), /État : Programmé pour le \d\d\/\d\d\/\d{4} à \d\d:\d\d/);
  assert.ok(!(await newsTitles()).includes(NEWS), 'a scheduled item is not visible yet');
  await axeCheck(page, 'a scheduled news item in the editor');
  await page.click('button[data-action="publish"]');
  await page.click('#life-confirm-yes');
  await page.waitForFunction(() => /État\u00a0: Publié/.test(document.getElementById('editor-state').textContent));
  assert.ok((await newsTitles()).includes(NEWS), 'published now');
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto(`${ctx.base}/actualites?commune=${INSEE}`);
  await page.waitForSelector(`body[data-ready="news-${INSEE}"]`);
  assert.equal(await page.textContent('h1'), 'Actualités de Vaubecourt');
  assert.match(await text(page, '#news'), /Horaires de la mairie pendant les fêtes \(exemple\) Publié le .* Concerne : Vaubecourt La mairie ferme le 24 décembre à midi\./);
  assert.equal(await page.$$eval('#news a[href^="javascript"]', (a) => a.length), 0, 'no javascript: link');
  const feeds = await page.$$eval('#feeds a', (as) => as.map((a) => new URL(a.href).pathname + new URL(a.href).search));
  assert.deepEqual(feeds, [`/api/news.atom?commune=${INSEE}`, `/api/news.rss?commune=${INSEE}`, `/api/news.atom?commune=${INSEE}&kind=alert`]);
  for (const f of feeds) {
    const r = await fetch(`${ctx.base}${f}`);
    assert.equal(r.status, 200, f);
    assert.match(await r.text(), /Horaires de la mairie|<feed|<rss/, f);
  }
  await noHorizontalScroll(page, '/actualites');
  await axeCheck(page, '/actualites of a commune');

  await page.goBack();   /* the editor, to take it down */
  await page.waitForSelector('button[data-action="unpublish"]');
  await page.click('button[data-action="unpublish"]');
  assert.match(await text(page, '#life-confirm'), /Dépublier \?.*ne sera plus visible des habitants/);
  await page.click('#life-confirm-yes');
  await page.waitForFunction(() => /État\u00a0: Dépublié/.test(document.getElementById('editor-state').textContent));
  assert.ok(!(await newsTitles()).includes(NEWS), 'unpublished: gone from the news');
});

test('« Je m’installe »: the collection days of an address and its calendar, parsed by icalendar', async () => {
  const page = ctx.page;
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto(`${ctx.base}/je-m-installe`);
  await page.waitForSelector('body[data-ready="true"]');
  await tabTo(page, '#address');
  await page.keyboard.type('7 grande rue vaubecourt');
  await page.keyboard.press('Enter');
  await page.waitForSelector('body[data-ready="result-1"]');
  const waste = await text(page, '#part-waste ~ *');
  assert.match(waste, /Ordures ménagères Prochaines collectes : [a-z]+ \d/);
  assert.match(waste, /Quand sortir mon bac \? Prochaine collecte le/);
  assert.match(waste, /Déchèterie intercommunale \(exemple\)/);
  assert.match(await text(page, '#part-events ~ *'), new RegExp(TITLE.replace(/[()]/g, '\\$&')));
  const link = page.locator('section:has(#part-waste) .subscribe-webcal');
  assert.equal((await link.textContent()).replace(/\s+/g, ' ').trim(), 'Ajouter à mon agenda les collectes');
  await axeCheck(page, 'je-m-installe with the collection days');
  await noHorizontalScroll(page, 'je-m-installe');

  const https = await page.locator('section:has(#part-waste) .subscribe-https').getAttribute('href');
  assert.match(https, /^http:\/\/127\.0\.0\.1:\d+\/api\/waste\.ics\?/);
  const cal = await parseCalendar(https);
  assert.ok(cal.events >= 50, `a year of collections (${cal.events} events)`);
  assert.equal(cal.alarms, cal.events, 'each collection has its reminder the evening before');
  assert.ok(cal.summaries.some((s) => /Ordures ménagères/.test(s)), cal.summaries.join(', '));
});

test('the alert leaves the open page once expired, and a new load has none', async () => {
  const tab = alertTab;
  assert.ok(tab, 'the alert\'s tab of the banner test');
  await tab.bringToFront();
  await tab.waitForFunction(() => !document.getElementById('alert-banner'), null, { timeout: 30000 });
  await pollUntil(async () => {
    await tab.reload();
    await tab.waitForSelector('body[data-alerts]');
    return (await tab.getAttribute('body', 'data-alerts')) === '0';
  }, 'no alert once its validity has ended', 30000);
  await tab.close();
});

test('no unexpected console error, nothing fetched elsewhere', () => {
  /* the 401 of the first GET /api/bo/me (no session yet) and the 400 of the refused event are expected */
  const errors = ctx.errors.filter((e) => !/status of (400|401)/.test(e));
  assert.deepEqual(errors, []);
  assert.deepEqual(ctx.foreign, []);
});
