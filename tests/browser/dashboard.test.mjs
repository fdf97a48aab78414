// Drives the admin dashboard (web/admin/, served by the hub at /admin/) in a
// real headless Chromium against a running hub and deptsim. Started by
// tests/browser/run-dashboard-tests, which passes:
//   HUB_URL               the hub's base URL, e.g. http://127.0.0.1:41234
//   HUB_ADMIN_TOKEN       an admin token
//   HUB_APPLICANT_TOKEN   an applicant token (to submit packages, and to check a 403)
//   DEPTSIM_CONTROL_URL   deptsim's control API, e.g. http://127.0.0.1:41235
//   HUB_SOURCE_DIR        the repository (examples/, docs/screenshots/)
//   HUB_SCREENSHOTS=1     also save docs/screenshots/{overview,package,departments,incidents}.png
//   CHROMIUM              the browser (default /usr/bin/chromium)
// The hub must run with CCS's retry.maxAttempts = 1, so that one failed call
// becomes an incident at once. Exits 1 when a step fails; the last line is
// "dashboard: N passed, N failed".
import { chromium } from 'playwright-core';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

const HUB = required('HUB_URL');
const ADMIN_TOKEN = required('HUB_ADMIN_TOKEN');
const APPLICANT_TOKEN = required('HUB_APPLICANT_TOKEN');
const SIM = required('DEPTSIM_CONTROL_URL');
const SOURCE = required('HUB_SOURCE_DIR');
const SCREENSHOTS = process.env.HUB_SCREENSHOTS === '1';
const LIMIT_MS = 60_000;
const POLL_MS = 250;

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is not set (run tests/browser/run-dashboard-tests BUILD_DIR)`);
    process.exit(2);
  }
  return value;
}

// ---------------------------------------------------------------- steps

let passed = 0;
let failed = 0;
let skipped = 0;
async function step(name, body) {
  if (failed) {
    skipped += 1;
    console.log(`skip ${name}`);
    return;
  }
  const started = Date.now();
  try {
    await body();
    passed += 1;
    console.log(`ok   ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (error) {
    failed += 1;
    console.log(`FAIL ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)\n     ${String(error?.stack || error).split('\n').join('\n     ')}`);
  }
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

// Polls `probe` until it returns a truthy value, at most LIMIT_MS.
async function eventually(what, probe, limitMs = LIMIT_MS) {
  const deadline = Date.now() + limitMs;
  let last;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
      last = value;
    } catch (error) {
      last = error.message;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${limitMs / 1000} s waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

// ---------------------------------------------------------------- the hub and deptsim, directly

async function http(url, { method = 'GET', headers = {}, body } = {}) {
  const response = await fetch(url, { method, headers, body });
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  return { status: response.status, json, text };
}

const adminGet = async (path) => {
  const answer = await http(`${HUB}/admin/api${path}`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
  check(answer.status === 200, `GET /admin/api${path}: HTTP ${answer.status} ${answer.text}`);
  return answer.json;
};

async function simulator(path, body) {
  const answer = await http(`${SIM}${path}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
  check(answer.status === 200, `deptsim ${path}: HTTP ${answer.status} ${answer.text}`);
}

let packageXml;
let submissions = 0;
async function submitPackage() {
  if (!packageXml) {
    // The applicant's notification endpoint: deptsim's stand-in, so the hub's
    // ready-to-operate notifications are taken instead of retried.
    packageXml = (await readFile(join(SOURCE, 'examples/full-12-permits.xml'), 'utf8'))
      .replace(/<NotificationUrl>[^<]*<\/NotificationUrl>/, `<NotificationUrl>${SIM}/_sim/notifications</NotificationUrl>`);
  }
  submissions += 1;
  const answer = await http(`${HUB}/api/v1/applications`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${APPLICANT_TOKEN}`, 'Content-Type': 'application/xml',
      'Idempotency-Key': `dashboard-test-${process.pid}-${Date.now()}-${submissions}`,
    },
    body: packageXml,
  });
  check(answer.status === 201, `submitting the package: HTTP ${answer.status} ${answer.text.slice(0, 500)}`);
  return answer.json.id;
}

const permitOf = async (packageId, permit) =>
  (await adminGet(`/packages/${encodeURIComponent(packageId)}`)).permits.find((p) => p.permit === permit);

// ---------------------------------------------------------------- the browser

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'en-GB', timezoneId: 'Asia/Shanghai' });
const page = await context.newPage();
page.setDefaultTimeout(LIMIT_MS);
const scriptErrors = [];
page.on('pageerror', (error) => scriptErrors.push(error.message));
let documentLoads = 0;
page.on('load', () => { documentLoads += 1; });

const byTestId = (id) => `[data-testid="${id}"]`;
const row = (testid, attribute, value) => page.locator(`[data-testid="${testid}"][${attribute}="${value}"]`);
const permitRow = (permit) => row('permit-row', 'data-permit', permit);
const departmentRow = (code) => row('department-row', 'data-department', code);
const incidentRow = (packageId) => row('incident-row', 'data-package-id', packageId);
const attribute = (locator, name) => locator.getAttribute(name);

async function screenshot(name, options = {}) {
  if (!SCREENSHOTS) return;
  const folder = join(SOURCE, 'docs', 'screenshots');
  await mkdir(folder, { recursive: true });
  await page.evaluate(() => {
    document.querySelector('[data-testid="flash"]').hidden = true;
    window.scrollTo(0, 0);
  });
  await page.screenshot({ path: join(folder, `${name}.png`), ...options });
  console.log(`     screenshot docs/screenshots/${name}.png`);
}

// The page must not reload: a marker set once must survive every step.
async function markPage() {
  await page.evaluate(() => { window.dashboardTestMarker = 'still the same document'; });
}
async function checkNotReloaded() {
  check(await page.evaluate(() => window.dashboardTestMarker) === 'still the same document', 'the page was reloaded');
}

async function answerNote(note) {
  const dialog = page.locator(byTestId('note-dialog'));
  await dialog.waitFor({ state: 'visible' });
  await page.fill(byTestId('note-input'), note);
  await page.click(byTestId('note-confirm'));
  await dialog.waitFor({ state: 'hidden' });
}

let firstPackage;
let secondPackage;
let thirdPackage;

try {
  await step('the sign-in form is shown and a wrong token is refused (401)', async () => {
    await page.goto(`${HUB}/admin/`);
    await page.locator(byTestId('login-form')).waitFor({ state: 'visible' });
    check(!(await page.locator(byTestId('nav')).isVisible()), 'the navigation shows before signing in');
    await page.fill(byTestId('login-token'), 'certainly-not-a-token');
    await page.click(byTestId('login-submit'));
    await page.locator(`${byTestId('login-error')}:has-text("401")`).waitFor({ state: 'visible' });
  });

  await step('an applicant token is refused (403)', async () => {
    await page.fill(byTestId('login-token'), APPLICANT_TOKEN);
    await page.click(byTestId('login-submit'));
    await page.locator(`${byTestId('login-error')}:has-text("403")`).waitFor({ state: 'visible' });
    check(await page.evaluate(() => sessionStorage.length) === 0, 'a refused token was kept');
  });

  await step('signing in with the admin token shows the overview', async () => {
    await page.fill(byTestId('login-token'), ADMIN_TOKEN);
    await page.click(byTestId('login-submit'));
    await page.locator(byTestId('packages-count-total')).waitFor({ state: 'visible' });
    await page.locator(byTestId('permits-count-WAITING')).waitFor();
    await page.locator(byTestId('overview-open-incidents')).waitFor();
    check(page.url().endsWith('#/overview'), `the address is ${page.url()}`);
    await markPage();
    const first = await page.textContent(byTestId('updated-at'));
    check(/^updated \d\d:\d\d:\d\d$/.test(first), `the indicator says "${first}"`);
    await eventually('the "updated" indicator to move on', async () => (await page.textContent(byTestId('updated-at'))) !== first, 10_000);
  });

  await step('a package submitted through the API appears in the packages list without a reload', async () => {
    await page.click(byTestId('nav-packages'));
    await page.locator(`${byTestId('packages-table')}, ${byTestId('packages-table-empty')}`).first().waitFor();
    firstPackage = await submitPackage();
    await row('package-row', 'data-package-id', firstPackage).waitFor();
    await checkNotReloaded();
  });

  await step('its page shows the graph, the permits, the calls and the timeline, and permits move on live', async () => {
    await row('package-row', 'data-package-id', firstPackage).locator('a').first().click();
    await page.locator(byTestId('permit-graph')).waitFor();
    check(await page.locator(byTestId('graph-node')).count() === 12, 'the graph does not show 12 permits');
    check(await page.locator(byTestId('permit-row')).count() === 12, 'the table does not show 12 permits');
    check((await page.locator(`${byTestId('graph-node')}[data-permit="P03"]`).count()) === 1, 'P03 is not in the graph');
    const edges = await page.locator('[data-testid="permit-graph"] path.edge').count();
    check(edges >= 15, `the graph has only ${edges} dependency lines`);
    // P01 (SAMR, decided on the spot) leaves QUEUED/WAITING within the limit.
    await page.waitForFunction(() => {
      const state = document.querySelector('[data-testid="permit-row"][data-permit="P01"]')?.dataset.state;
      return state && state !== 'QUEUED' && state !== 'WAITING';
    }, null, { timeout: LIMIT_MS });
    await page.waitForFunction(() => document.querySelector('[data-testid="graph-node"][data-permit="P01"]')?.dataset.state !== 'QUEUED');
    await page.locator(`${byTestId('call-row')} >> nth=0`).waitFor();
    check(await page.locator(byTestId('event-row')).count() >= 13, 'the timeline is too short');
    // The attempt history opens and stays open across refreshes.
    const firstCall = page.locator(`${byTestId('call-row')} >> nth=0`);
    await firstCall.locator('summary').click();
    await firstCall.locator(byTestId('attempt-row')).first().waitFor();
    const before = await page.textContent(byTestId('updated-at'));
    await eventually('a refresh', async () => (await page.textContent(byTestId('updated-at'))) !== before, 10_000);
    check(await firstCall.locator('details').evaluate((d) => d.open), 'the open attempt history closed on refresh');
    await checkNotReloaded();
    if (SCREENSHOTS) {
      // For a telling picture: wait (softly) until P06 has its prerequisites.
      await eventually('P06 to be released', async () => (await attribute(permitRow('P06'), 'data-state')) !== 'WAITING', 30_000).catch(() => {});
      await firstCall.locator('summary').click();
      await page.setViewportSize({ width: 1360, height: 1250 });
      await screenshot('package');
      await page.setViewportSize({ width: 1360, height: 900 });
    }
  });

  await step('a department failing the call raises an incident that shows on the incidents page', async () => {
    // The first package's CCS call must be through before CCS starts failing.
    await eventually("the first package's P12 to reach CCS", async () =>
      !['WAITING', 'QUEUED'].includes((await permitOf(firstPackage, 'P12')).state));
    await simulator('/_sim/faults', { department: 'CCS', errorRate: 1 });
    secondPackage = await submitPackage();
    await page.click(byTestId('nav-incidents'));
    const incident = incidentRow(secondPackage);
    await incident.waitFor();
    check(await attribute(incident, 'data-state') === 'OPEN', 'the incident is not open');
    check((await incident.textContent()).includes('CCS'), 'the incident does not name CCS');
    await page.locator(`${byTestId('nav-incident-count')}:text("1")`).waitFor();
    await screenshot('incidents');
  });

  await step('after fixing the cause, Retry sends the call again: the incident is RETRIED and the permit moves on', async () => {
    await simulator('/_sim/faults', { department: 'CCS', errorRate: 0 });
    await page.click(byTestId('incidents-filter-all'));
    const incident = incidentRow(secondPackage);
    await incident.locator(byTestId('incident-retry')).click();
    await answerNote('deptsim CCS answers again (fault knob reset)');
    await page.waitForFunction((id) =>
      document.querySelector(`[data-testid="incident-row"][data-package-id="${id}"]`)?.dataset.state === 'RETRIED', secondPackage);
    check((await page.textContent(byTestId('flash'))).includes('retried'), 'no confirmation was shown');
    check((await incident.textContent()).includes('deptsim CCS answers again'), 'the note is not shown');
    await incident.locator('a[href^="#/packages/"]').click();
    await page.waitForFunction(() => {
      const state = document.querySelector('[data-testid="permit-row"][data-permit="P12"]')?.dataset.state;
      return state && state !== 'QUEUED' && state !== 'WAITING';
    }, null, { timeout: LIMIT_MS });
    const p12 = await permitOf(secondPackage, 'P12');
    check(!['QUEUED', 'WAITING'].includes(p12.state), `P12 is ${p12.state} in the API`);
    await checkNotReloaded();
  });

  await step('Resolve asks for a reason and closes the incident', async () => {
    await simulator('/_sim/faults', { department: 'CCS', errorRate: 1 });
    thirdPackage = await submitPackage();
    await page.click(byTestId('nav-incidents'));
    const incident = incidentRow(thirdPackage);
    await incident.waitFor();
    await simulator('/_sim/faults', { department: 'CCS', errorRate: 0 });
    await incident.locator(byTestId('incident-resolve')).click();
    await page.locator(byTestId('note-dialog')).waitFor({ state: 'visible' });
    await page.click(byTestId('note-confirm'));
    await page.locator(`${byTestId('note-error')}:has-text("required")`).waitFor({ state: 'visible' });
    await page.fill(byTestId('note-input'), 'survey booked by phone with the CCS office');
    await page.click(byTestId('note-confirm'));
    await page.locator(byTestId('note-dialog')).waitFor({ state: 'hidden' });
    await incident.waitFor({ state: 'detached' });  // gone from the open list
    await page.click(byTestId('incidents-filter-all'));
    await page.waitForFunction((id) =>
      document.querySelector(`[data-testid="incident-row"][data-package-id="${id}"]`)?.dataset.state === 'RESOLVED', thirdPackage);
    const open = (await adminGet('/incidents?state=open')).incidents;
    check(open.length === 0, `${open.length} incident(s) still open`);
  });

  await step('a department is paused and resumed from the departments page', async () => {
    await page.click(byTestId('nav-departments'));
    const mot = departmentRow('MOT');
    await mot.waitFor();
    check(await page.locator(byTestId('department-row')).count() === 5, 'not 5 departments');
    check(await attribute(mot, 'data-paused') === 'false', 'MOT starts paused');
    await mot.locator(byTestId('department-pause')).click();
    await answerNote('dashboard test: maintenance window');
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="department-row"][data-department="MOT"]')?.dataset.paused === 'true');
    check((await mot.locator(byTestId('department-paused')).textContent()).includes('paused'), 'the row does not say paused');
    const stored = (await adminGet('/departments')).departments.find((d) => d.code === 'MOT');
    check(stored.paused === true, 'the API does not show MOT paused');
    await screenshot('departments');
    await mot.locator(byTestId('department-resume')).click();
    await answerNote('');
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="department-row"][data-department="MOT"]')?.dataset.paused === 'false');
    check((await adminGet('/departments')).departments.find((d) => d.code === 'MOT').paused === false, 'MOT is still paused');
  });

  await step('the overview counts the packages and permits', async () => {
    await page.click(byTestId('nav-overview'));
    await page.waitForFunction(() => document.querySelector('[data-testid="packages-count-total"]')?.textContent === '3');
    const permits = await page.textContent(byTestId('permits-count-total'));
    check(permits === '36', `the overview counts ${permits} permits`);
    check(await page.textContent(byTestId('overview-open-incidents')) === '0', 'open incidents are not 0');
    await checkNotReloaded();
    check(documentLoads === 1, `the document was loaded ${documentLoads} times`);
    await screenshot('overview');
  });

  await step('signing out brings the sign-in form back and forgets the token', async () => {
    await page.click(byTestId('sign-out'));
    await page.locator(byTestId('login-form')).waitFor({ state: 'visible' });
    check(await page.evaluate(() => sessionStorage.length) === 0, 'the token is still stored');
    check(!(await page.locator(byTestId('view')).isVisible()), 'the data is still shown');
  });

  await step('a token revoked while signed in brings the sign-in form back with the reason', async () => {
    const issued = await http(`${HUB}/admin/api/tokens`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ role: 'admin', label: 'dashboard-test-revoked' }),
    });
    check(issued.status === 201, `issuing a token: HTTP ${issued.status} ${issued.text}`);
    await page.fill(byTestId('login-token'), issued.json.token);
    await page.click(byTestId('login-submit'));
    await page.locator(byTestId('packages-count-total')).waitFor({ state: 'visible' });
    const revoked = await http(`${HUB}/admin/api/tokens/${encodeURIComponent(issued.json.tokenId)}/revoke`, {
      method: 'POST', headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    check(revoked.status === 200, `revoking the token: HTTP ${revoked.status} ${revoked.text}`);
    await page.locator(`${byTestId('login-error')}:has-text("401")`).waitFor({ state: 'visible' });
    check(!(await page.locator(byTestId('view')).isVisible()), 'the data is still shown');
  });

  await step('no script error occurred in the page', async () => {
    check(scriptErrors.length === 0, scriptErrors.join('\n'));
  });
} finally {
  await browser.close();
}

if (skipped) console.log(`${skipped} step(s) not run after the first failure`);
console.log(`dashboard: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed ? 1 : 0);
