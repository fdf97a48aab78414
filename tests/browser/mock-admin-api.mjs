// A stand-in for the hub's admin API, for working on the dashboard without a
// hub: serves web/admin/ at /admin/ and answers /admin/api/* from made-up data
// that moves on every few seconds. Any bearer token except "bad" is an admin.
//   node tests/browser/mock-admin-api.mjs [port]     (default 8099)
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const webRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web', 'admin');
const port = Number(process.argv[2] || 8099);
const started = Date.now();

const catalogue = [
  ['P01', 'Business licence', '企业设立登记(营业执照)', 'SAMR', []],
  ['P02', 'Domestic waterway transport permit', '国内水路运输经营许可', 'MOT', ['P01', 'P06']],
  ['P03', 'Ship operating certificate', '船舶营业运输证', 'MOT', ['P02', 'P06', 'P07']],
  ['P04', 'International shipping operation permit', '国际船舶运输经营许可', 'MOT', ['P01', 'P06']],
  ['P05', 'Ship ownership registration', '船舶所有权登记', 'MSA', ['P01']],
  ['P06', 'Ship nationality certificate', '船舶国籍证书', 'MSA', ['P05', 'P12']],
  ['P07', 'Minimum safe manning certificate', '最低安全配员证书', 'MSA', ['P06']],
  ['P08', 'DOC and SMC', '符合证明和安全管理证书', 'MSA', ['P01', 'P06']],
  ['P09', 'Civil liability insurance certificate', '油污损害民事责任保险证书', 'MSA', ['P06']],
  ['P10', 'Ship station licence', '船舶电台执照', 'MSA', ['P05']],
  ['P11', 'Conveyance filing', '运输工具备案', 'CUSTOMS', ['P01', 'P06']],
  ['P12', 'Statutory survey certificates', '船舶法定检验证书', 'CCS', []],
];
const ladder = ['QUEUED', 'SUBMITTED', 'ACCEPTED', 'UNDER_REVIEW', 'ISSUED'];

const packages = [];
const incidents = [];
const paused = new Set();

function addPackage(index, company) {
  const receivedAt = new Date(started - (3 - index) * 3600_000).toISOString();
  const id = `PKG-01JDZ8X4Q8N7M4V0C3K2H1G9F${index}`;
  packages.push({ id, companyId: company, receivedAt, proposedName: '青岛远洋示范航运有限公司',
    applicantReference: `QD-2026-004${index}`, offsetSeconds: index * 20 });
  return id;
}
addPackage(1, 'qingdao-demo-shipping');
addPackage(2, 'yantai-coastal-lines');
addPackage(3, 'qingdao-demo-shipping');
incidents.push({ id: 'INC-01JE0A1', state: 'OPEN', packageId: packages[1].id, permit: 'P12', department: 'CCS',
  kind: 'SUBMIT', messageId: 'MSG-01JE0A1ZZ', reason: 'gave up after 1 attempt: http-5xx (HTTP 503)',
  createdAt: new Date(started - 600_000).toISOString() });
incidents.push({ id: 'INC-01JDZZ9', state: 'RESOLVED', packageId: packages[0].id, permit: 'P11', department: 'CUSTOMS',
  kind: 'SUBMIT', messageId: 'MSG-01JDZZ9AA', reason: 'http-4xx (HTTP 400)', createdAt: new Date(started - 7200_000).toISOString(),
  closedAt: new Date(started - 3600_000).toISOString(), note: 'filed by hand at the customs counter' });

function permitsOf(pkg) {
  const elapsed = (Date.now() - started) / 1000 + pkg.offsetSeconds;
  const states = new Map();
  const issuedAt = new Map();
  const order = ['P01', 'P12', 'P05', 'P10', 'P06', 'P07', 'P08', 'P09', 'P11', 'P02', 'P04', 'P03'];
  for (const id of order) {
    const [, , , , needs] = catalogue.find((c) => c[0] === id);
    const ready = needs.every((n) => states.get(n) === 'ISSUED');
    if (!ready) { states.set(id, 'WAITING'); continue; }
    const start = Math.max(0, ...needs.map((n) => issuedAt.get(n)));
    const step = Math.floor((elapsed - start) / 3);
    const state = ladder[Math.max(0, Math.min(ladder.length - 1, step))];
    states.set(id, state);
    if (state === 'ISSUED') issuedAt.set(id, start + 12);
  }
  if (incidents.some((i) => i.packageId === pkg.id && i.state === 'OPEN')) states.set('P12', 'QUEUED');
  return catalogue.map(([permit, name, nameZh, department, needs]) => {
    const state = states.get(permit);
    const p = { permit, name, nameZh, department, state, needs, deadlines: { paused: false, overdue: false } };
    if (!['WAITING', 'QUEUED'].includes(state)) p.receiptNumber = `${department}-R-${permit}-0001`;
    if (['ACCEPTED', 'UNDER_REVIEW'].includes(state)) Object.assign(p.deadlines, { decisionDue: '2026-12-22', workingDaysLeft: permit === 'P06' ? 1 : 14 });
    if (state === 'SUBMITTED') p.deadlines.correctionNoticeBy = '2026-11-30';
    if (state === 'ISSUED') p.certificate = { number: `QD-${permit}-2026-0042`, issuer: department, issuedOn: '2026-11-25', validUntil: '2031-11-24', outputs: {} };
    else p.expectedOn = '2026-12-07';
    return p;
  });
}

function packageState(permits) {
  if (permits.every((p) => p.state === 'ISSUED')) return 'READY_TO_OPERATE';
  return permits.some((p) => p.state !== 'WAITING' && p.state !== 'QUEUED') ? 'IN_PROGRESS' : 'RECEIVED';
}

function fullPackage(pkg) {
  const permits = permitsOf(pkg);
  const events = [{ sequence: 1, at: pkg.receivedAt, type: 'PACKAGE_RECEIVED', to: 'RECEIVED', detail: '12 permit(s), 0 added as prerequisites' }];
  let sequence = 2;
  for (const p of permits) {
    for (const s of ['WAITING', ...ladder]) {
      events.push({ sequence: sequence++, at: pkg.receivedAt, type: 'PERMIT_STATE', permit: p.permit, to: s,
        ...(s !== 'WAITING' ? { from: ladder[ladder.indexOf(s) - 1] || 'WAITING' } : {}), detail: s === 'QUEUED' ? `ready for dispatch to ${p.department}` : undefined });
      if (s === p.state) break;
    }
  }
  const calls = permits.filter((p) => p.state !== 'WAITING').map((p, i) => ({
    messageId: `MSG-${pkg.id.slice(-6)}-${p.permit}`, permit: p.permit, department: p.department, kind: 'SUBMIT',
    state: p.state === 'QUEUED' ? 'PENDING' : 'DONE', attempts: p.permit === 'P12' ? 2 : 1, dueAt: pkg.receivedAt,
    history: [
      ...(p.permit === 'P12' ? [{ attempt: 1, startedAt: pkg.receivedAt, latencyMs: 12, outcome: 'RETRY', httpStatus: 503, error: 'http-5xx' }] : []),
      ...(p.state === 'QUEUED' ? [] : [{ attempt: p.permit === 'P12' ? 2 : 1, startedAt: pkg.receivedAt, latencyMs: 40 + i * 7, outcome: 'ACKNOWLEDGED', httpStatus: 200 }]),
    ],
  }));
  const state = packageState(permits);
  return { id: pkg.id, companyId: pkg.companyId, state, receivedAt: pkg.receivedAt, proposedName: pkg.proposedName,
    applicantReference: pkg.applicantReference, ...(state === 'READY_TO_OPERATE' ? { readyAt: new Date().toISOString() } : {}),
    permits, forecast: state === 'READY_TO_OPERATE' ? { readyOn: '2026-11-27', reachable: true, remainingWorkingDays: 0, criticalPath: [] }
      : { expectedReadyOn: '2026-12-25', reachable: true, remainingWorkingDays: 20, criticalPath: ['P12', 'P06', 'P02', 'P03'], basis: 'promised working days' },
    events, calls };
}

const departments = () => ['SAMR', 'MOT', 'MSA', 'CUSTOMS', 'CCS'].map((code, i) => ({
  code, name: { SAMR: 'State Administration for Market Regulation', MOT: 'Ministry of Transport', MSA: 'Maritime Safety Administration',
    CUSTOMS: 'General Administration of Customs', CCS: 'China Classification Society (ship inspection)' }[code],
  transport: code === 'MOT' ? 'soap' : 'rest-xml', endpoint: `http://127.0.0.1:1810${i + 1}/${code.toLowerCase()}`,
  breaker: code === 'CCS' ? 'HALF_OPEN' : 'CLOSED', consecutiveFailures: code === 'CCS' ? 2 : 0, inFlight: i % 2, maxConcurrent: 4,
  paused: paused.has(code), queued: paused.has(code) ? 3 : 0, latencyMs: code === 'CUSTOMS' ? null : { p50: 20 + i * 9, p99: 120 + i * 40 },
  errorRate: code === 'CUSTOMS' ? null : code === 'CCS' ? 0.125 : 0, attemptsLastHour: code === 'CUSTOMS' ? 0 : 10 + i * 3,
  lastSuccessAt: code === 'CUSTOMS' ? null : new Date(Date.now() - i * 61_000).toISOString(),
}));

function json(response, status, body, type = 'application/json') {
  response.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
  response.end(JSON.stringify(body));
}
const problem = (response, status, title, detail) =>
  json(response, status, { title, status, detail, errors: [] }, 'application/problem+json');

async function readBody(request) {
  let text = '';
  for await (const chunk of request) text += chunk;
  try { return text ? JSON.parse(text) : {}; } catch { return null; }
}

const server = createServer(async (request, response) => {
  const url = new URL(request.url, 'http://localhost');
  const path = url.pathname;
  if (!path.startsWith('/admin/api/')) {
    if (path === '/admin') { response.writeHead(301, { Location: '/admin/' }); response.end(); return; }
    if (!path.startsWith('/admin/')) return problem(response, 404, 'Not found', path);
    const file = normalize(path.slice('/admin/'.length) || 'index.html');
    if (file.startsWith('..')) return problem(response, 404, 'Not found', path);
    try {
      const body = await readFile(join(webRoot, file));
      const type = { html: 'text/html', js: 'text/javascript', css: 'text/css', png: 'image/png', svg: 'image/svg+xml' }[file.split('.').pop()] || 'application/octet-stream';
      response.writeHead(200, { 'Content-Type': `${type}; charset=utf-8` });
      response.end(body);
    } catch { problem(response, 404, 'Not found', path); }
    return;
  }
  const auth = request.headers.authorization || '';
  if (!auth.startsWith('Bearer ') || auth.length <= 7) return problem(response, 401, 'Unauthorized', 'A bearer token is required.');
  if (auth === 'Bearer bad') return problem(response, 401, 'Unauthorized', 'Unknown token.');
  if (auth === 'Bearer applicant') return problem(response, 403, 'Forbidden', 'This token may not use the admin API.');
  const parts = path.slice('/admin/api/'.length).split('/').map(decodeURIComponent);
  const post = request.method === 'POST';
  if (parts[0] === 'overview') {
    const full = packages.map(fullPackage);
    const count = (list, states) => Object.fromEntries(states.map((s) => [s, list.filter((x) => x.state === s).length]));
    const permits = full.flatMap((p) => p.permits.map((x) => ({ ...x, packageId: p.id })));
    const atRisk = permits.filter((p) => typeof p.deadlines.workingDaysLeft === 'number' && p.deadlines.workingDaysLeft <= 2)
      .map((p) => ({ packageId: p.packageId, permit: p.permit, department: p.department, state: p.state, decisionDue: p.deadlines.decisionDue, workingDaysLeft: p.deadlines.workingDaysLeft }));
    return json(response, 200, { generatedAt: new Date().toISOString(),
      packages: count(full, ['RECEIVED', 'IN_PROGRESS', 'READY_TO_OPERATE', 'PARTIALLY_FAILED', 'WITHDRAWN']),
      permits: count(permits, ['WAITING', 'QUEUED', 'SUBMITTED', 'ACCEPTED', 'CORRECTION_REQUIRED', 'UNDER_REVIEW', 'SUSPENDED', 'ISSUED', 'REJECTED', 'NOT_ACCEPTED', 'BLOCKED', 'WITHDRAWN']),
      incidents: { open: incidents.filter((i) => i.state === 'OPEN').length },
      deadlines: { overdue: [{ packageId: packages[2].id, permit: 'P04', department: 'MOT', state: 'UNDER_REVIEW', decisionDue: '2026-11-20', workingDaysLeft: -3 }], atRisk } });
  }
  if (parts[0] === 'packages' && parts.length === 1) {
    const state = url.searchParams.get('state');
    const items = packages.map(fullPackage).filter((p) => !state || p.state === state).reverse()
      .map(({ id, companyId, state: s, receivedAt, proposedName, applicantReference }) => ({ id, companyId, state: s, receivedAt, proposedName, applicantReference }));
    return json(response, 200, { items });
  }
  if (parts[0] === 'packages' && parts.length === 2) {
    const pkg = packages.find((p) => p.id === parts[1]);
    return pkg ? json(response, 200, fullPackage(pkg)) : problem(response, 404, 'Not found', `No package ${parts[1]}.`);
  }
  if (parts[0] === 'departments' && parts.length === 1) return json(response, 200, { dispatch: true, departments: departments() });
  if (parts[0] === 'departments' && parts.length === 3 && post) {
    const code = parts[1];
    if (!departments().some((d) => d.code === code)) return problem(response, 404, 'Not found', `No department ${code}.`);
    if (parts[2] === 'pause') paused.add(code); else paused.delete(code);
    return json(response, 200, departments().find((d) => d.code === code));
  }
  if (parts[0] === 'incidents' && parts.length === 1) {
    const all = url.searchParams.get('state') === 'all';
    return json(response, 200, { incidents: incidents.filter((i) => all || i.state === 'OPEN') });
  }
  if (parts[0] === 'incidents' && parts.length === 3 && post) {
    const incident = incidents.find((i) => i.id === parts[1]);
    if (!incident) return problem(response, 404, 'Not found', `No incident ${parts[1]}.`);
    const body = await readBody(request);
    if (parts[2] === 'resolve' && !body?.note) return problem(response, 400, 'A note is required', 'Resolving needs a reason in "note".');
    if (incident.state !== 'OPEN') return problem(response, 409, 'Not open', `${incident.id} is ${incident.state}.`);
    Object.assign(incident, { state: { retry: 'RETRIED', cancel: 'CANCELLED', resolve: 'RESOLVED' }[parts[2]],
      closedAt: new Date().toISOString(), ...(body?.note ? { note: body.note } : {}) });
    return json(response, 200, incident);
  }
  return problem(response, 404, 'Not found', path);
});
server.listen(port, '127.0.0.1', () => console.log(`mock admin API on http://127.0.0.1:${port}/admin/`));
