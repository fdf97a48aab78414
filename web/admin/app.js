// The hub's admin dashboard: a single page over the admin JSON API
// (/admin/api/…, bearer admin token). Hash routes: #/overview, #/packages,
// #/packages/{id}, #/departments, #/incidents. The page on screen re-fetches
// its data every REFRESH_MS and only re-renders the regions whose content
// changed, so scroll position, focus, open details and the note dialog stay put.
(() => {
  'use strict';

  const API_BASE = '/admin/api';
  const TOKEN_KEY = 'licensing-hub.admin-token';
  const REFRESH_MS = 2000;
  const FLASH_MS = 8000;

  const PACKAGE_STATES = ['RECEIVED', 'IN_PROGRESS', 'READY_TO_OPERATE', 'PARTIALLY_FAILED', 'WITHDRAWN'];
  const PERMIT_STATES = ['WAITING', 'QUEUED', 'SUBMITTED', 'ACCEPTED', 'CORRECTION_REQUIRED', 'UNDER_REVIEW',
    'SUSPENDED', 'ISSUED', 'REJECTED', 'NOT_ACCEPTED', 'BLOCKED', 'WITHDRAWN'];
  const PAGE_SIZE = 25;

  // ---------------------------------------------------------------- helpers

  const $ = (selector, root = document) => root.querySelector(selector);
  const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

  const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
  const esc = (value) => String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]);
  const DASH = '<span class="none" aria-label="none">—</span>';
  const has = (value) => value !== undefined && value !== null && value !== '';

  const mono = (value) => (has(value) ? `<code class="id">${esc(value)}</code>` : DASH);
  const words = (state) => String(state ?? '').replace(/_/g, ' ').toLowerCase();
  const badge = (state, kind = 'state') =>
    has(state) ? `<span class="badge ${kind}-${esc(state)}" data-state="${esc(state)}">${esc(words(state))}</span>` : DASH;

  const pad = (n) => String(n).padStart(2, '0');
  const clock = (date) => `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  // An RFC 3339 instant, shown in the browser's time zone, the raw value as tooltip.
  function instant(value) {
    if (!has(value)) return DASH;
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) return esc(value);
    const text = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${clock(date)}`;
    return `<time datetime="${esc(value)}" title="${esc(value)}">${text}</time>`;
  }
  const day = (value) => (has(value) ? `<time datetime="${esc(value)}">${esc(value)}</time>` : DASH);
  const num = (value) => (typeof value === 'number' ? esc(value.toLocaleString('en')) : DASH);
  const ms = (value) => (typeof value === 'number' ? `${esc(Math.round(value).toLocaleString('en'))} ms` : DASH);
  const percent = (value) => (typeof value === 'number' ? `${(value * 100).toFixed(value > 0 && value < 0.1 ? 1 : 0)} %` : DASH);
  const packageLink = (id) => (has(id) ? `<a href="#/packages/${encodeURIComponent(id)}">${mono(id)}</a>` : DASH);
  const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

  function table({ testid, caption, columns, rows, empty = 'Nothing to show.' }) {
    if (!rows.length) return `<p class="empty" data-testid="${esc(testid)}-empty">${esc(empty)}</p>`;
    const head = columns.map((c) => `<th scope="col">${esc(c)}</th>`).join('');
    return `<div class="table-wrap"><table data-testid="${esc(testid)}">` +
      (caption ? `<caption class="visually-hidden">${esc(caption)}</caption>` : '') +
      `<thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
  }

  // Bars for counts by state, widths relative to the largest count.
  function bars(counts, order, testid) {
    const keys = [...order, ...Object.keys(counts || {}).filter((k) => !order.includes(k))];
    const values = keys.map((k) => Number(counts?.[k] ?? 0));
    const max = Math.max(1, ...values);
    const total = values.reduce((a, b) => a + b, 0);
    const rows = keys.map((k, i) =>
      `<li data-testid="${esc(testid)}-${esc(k)}" data-count="${values[i]}">` +
      `<span class="bar-label">${badge(k)}</span>` +
      `<span class="bar-track" aria-hidden="true"><span class="bar st-${esc(k)}" data-width="${((values[i] / max) * 100).toFixed(1)}"></span></span>` +
      `<span class="bar-count">${num(values[i])}</span></li>`).join('');
    return `<p class="total">Total <strong data-testid="${esc(testid)}-total">${num(total)}</strong></p><ul class="bars">${rows}</ul>`;
  }

  // Replaces a region's markup only when it changed, keeping the focused
  // control (by its data-focus key) focused.
  function setHtml(element, html) {
    if (!element || element.__html === html) return;
    const active = document.activeElement;
    const focusKey = active && element.contains(active) ? active.getAttribute('data-focus') : null;
    element.innerHTML = html;
    element.__html = html;
    for (const bar of $$('[data-width]', element)) bar.style.width = `${bar.dataset.width}%`;
    if (focusKey) {
      const again = $$('[data-focus]', element).find((e) => e.getAttribute('data-focus') === focusKey);
      if (again) again.focus({ preventScroll: true });
    }
  }

  // ---------------------------------------------------------------- API

  class ApiError extends Error {
    constructor(status, problem) {
      const title = problem?.title || (status ? `HTTP ${status}` : 'Request failed');
      const details = [problem?.detail, ...(problem?.errors || []).map((e) => e.message)].filter(has);
      super(details.length ? `${title}: ${details.join(' ')}` : title);
      this.status = status;
      this.problem = problem;
    }
  }
  class AuthError extends ApiError {}

  const token = () => sessionStorage.getItem(TOKEN_KEY);

  async function api(path, { method = 'GET', body } = {}) {
    const headers = { Accept: 'application/json', Authorization: `Bearer ${token() || ''}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response;
    try {
      response = await fetch(API_BASE + path, {
        method, headers, cache: 'no-store', body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new ApiError(0, { title: 'The hub did not answer', detail: error.message });
    }
    const text = await response.text();
    let data = null;
    if (text) {
      try { data = JSON.parse(text); } catch { data = null; }
    }
    if (response.status === 401) {
      throw new AuthError(401, { title: 'The hub refused this token (401)', detail: 'It is unknown, revoked or mistyped. Sign in again.' });
    }
    if (response.status === 403) {
      throw new AuthError(403, { title: 'This token may not use the admin API (403)', detail: 'Sign in with an admin token.' });
    }
    if (!response.ok) throw new ApiError(response.status, data || { title: `HTTP ${response.status} ${response.statusText}` });
    return data;
  }

  // ---------------------------------------------------------------- flash, indicator, note dialog

  let flashTimer = null;
  function flash(message, kind = 'info') {
    const banner = $('[data-testid="flash"]');
    banner.textContent = message;
    banner.dataset.kind = kind;
    banner.hidden = false;
    clearTimeout(flashTimer);
    flashTimer = setTimeout(() => { banner.hidden = true; }, kind === 'error' ? FLASH_MS * 2 : FLASH_MS);
  }

  function markUpdated(ok, message) {
    const indicator = $('[data-testid="updated-at"]');
    const now = clock(new Date());
    indicator.textContent = ok ? `updated ${now}` : `update failed ${now}`;
    indicator.classList.toggle('stale', !ok);
    indicator.title = ok ? 'The page refreshes itself every 2 seconds' : message;
  }

  // Asks for a note in the page's own dialog (the page keeps refreshing
  // behind it). `submit(note)` runs on confirm; an error it throws is shown in
  // the dialog, which stays open. Resolves true when submitted, false when
  // dismissed.
  function askNote({ title, text, label = 'Note (optional)', required = false, confirm = 'Confirm', submit }) {
    const dialog = $('[data-testid="note-dialog"]');
    const form = $('form', dialog);
    const input = $('[data-testid="note-input"]');
    const error = $('[data-testid="note-error"]');
    const confirmButton = $('[data-testid="note-confirm"]');
    const cancelButton = $('[data-testid="note-cancel"]');
    $('[data-testid="note-title"]').textContent = title;
    $('[data-testid="note-text"]').textContent = text;
    $('[data-testid="note-label"]').textContent = label;
    input.value = '';
    input.setAttribute('aria-required', required ? 'true' : 'false');
    error.hidden = true;
    confirmButton.textContent = confirm;
    confirmButton.disabled = false;
    return new Promise((resolve) => {
      const finish = (result) => {
        form.removeEventListener('submit', onSubmit);
        cancelButton.removeEventListener('click', onCancel);
        dialog.removeEventListener('cancel', onCancel);
        if (dialog.open) dialog.close();
        resolve(result);
      };
      const onCancel = (event) => { event.preventDefault(); finish(false); };
      const onSubmit = async (event) => {
        event.preventDefault();
        const note = input.value.trim();
        if (required && !note) {
          error.textContent = `${label.replace(/ \(.*\)$/, '')} is required.`;
          error.hidden = false;
          input.focus();
          return;
        }
        confirmButton.disabled = true;
        try {
          await submit(note);
          finish(true);
        } catch (failure) {
          if (failure instanceof AuthError) { finish(false); signOut(failure.message); return; }
          if (failure instanceof ApiError && (failure.status === 404 || failure.status === 409)) {
            finish(false);
            flash(failure.message, 'error');
            return;
          }
          error.textContent = failure.message;
          error.hidden = false;
          confirmButton.disabled = false;
        }
      };
      form.addEventListener('submit', onSubmit);
      cancelButton.addEventListener('click', onCancel);
      dialog.addEventListener('cancel', onCancel);
      dialog.showModal();
      input.focus();
    });
  }

  // ---------------------------------------------------------------- pages

  const overviewPage = () => ({
    nav: 'overview',
    title: 'Overview',
    skeleton: () => `
      <h1 tabindex="-1">Overview</h1>
      <div class="cards">
        <section class="card" aria-labelledby="ov-packages"><h2 id="ov-packages">Packages by state</h2>
          <div data-region="packages" data-testid="overview-packages"></div></section>
        <section class="card" aria-labelledby="ov-permits"><h2 id="ov-permits">Permits by state</h2>
          <div data-region="permits" data-testid="overview-permits"></div></section>
        <section class="card" aria-labelledby="ov-incidents"><h2 id="ov-incidents">Open incidents</h2>
          <div data-region="incidents" data-testid="overview-incidents"></div></section>
      </div>
      <section aria-labelledby="ov-overdue"><h2 id="ov-overdue">Overdue decisions</h2>
        <div data-region="overdue"></div></section>
      <section aria-labelledby="ov-risk"><h2 id="ov-risk">Decisions at risk <span class="sub">(0 to 2 working days left)</span></h2>
        <div data-region="atRisk"></div></section>
      <p class="generated" data-region="generated"></p>`,
    load: () => api('/overview'),
    render(data, view) {
      setHtml($('[data-region="packages"]', view), bars(data.packages, PACKAGE_STATES, 'packages-count'));
      setHtml($('[data-region="permits"]', view), bars(data.permits, PERMIT_STATES, 'permits-count'));
      const open = Number(data.incidents?.open ?? 0);
      setHtml($('[data-region="incidents"]', view),
        `<p class="big-number ${open ? 'alert' : ''}"><a href="#/incidents" data-testid="overview-open-incidents">${num(open)}</a></p>` +
        `<p>${open ? `${open === 1 ? 'call waits' : 'calls wait'} for a human decision: retry, cancel or resolve on the incidents page.` : 'No call waits for a human.'}</p>`);
      const deadlineRows = (list) => (list || []).map((d) =>
        `<tr data-testid="deadline-row" data-package-id="${esc(d.packageId)}" data-permit="${esc(d.permit)}">` +
        `<td>${packageLink(d.packageId)}</td><td>${mono(d.permit)}</td><td>${esc(d.department)}</td>` +
        `<td>${badge(d.state)}</td><td>${day(d.decisionDue)}</td><td class="num">${num(d.workingDaysLeft)}</td></tr>`);
      const columns = ['Package', 'Permit', 'Department', 'State', 'Decision due', 'Working days left'];
      setHtml($('[data-region="overdue"]', view), table({
        testid: 'overview-overdue', caption: 'Overdue decisions', columns,
        rows: deadlineRows(data.deadlines?.overdue), empty: 'No decision is overdue.' }));
      setHtml($('[data-region="atRisk"]', view), table({
        testid: 'overview-at-risk', caption: 'Decisions at risk', columns,
        rows: deadlineRows(data.deadlines?.atRisk), empty: 'No decision is due within 2 working days.' }));
      setHtml($('[data-region="generated"]', view), has(data.generatedAt) ? `Computed by the hub at ${instant(data.generatedAt)}.` : '');
      return open;
    },
  });

  const packagesPage = (query) => {
    const state = PACKAGE_STATES.includes(query.get('state')) ? query.get('state') : '';
    const cursor = query.get('cursor') || '';
    const href = (params) => {
      const search = new URLSearchParams();
      if (params.state) search.set('state', params.state);
      if (params.cursor) search.set('cursor', params.cursor);
      const text = search.toString();
      return `#/packages${text ? `?${text}` : ''}`;
    };
    return {
      nav: 'packages',
      title: 'Packages',
      skeleton: () => `
        <h1 tabindex="-1">Packages</h1>
        <form class="filters" data-testid="packages-filter">
          <label for="packages-state">State</label>
          <select id="packages-state" data-testid="packages-filter-state">
            <option value="">any state</option>
            ${PACKAGE_STATES.map((s) => `<option value="${s}"${s === state ? ' selected' : ''}>${words(s)}</option>`).join('')}
          </select>
          ${cursor ? `<a href="${esc(href({ state }))}" data-testid="packages-first">First page</a>` : ''}
        </form>
        <div data-region="list"></div>
        <nav class="pager" aria-label="Pages" data-region="pager"></nav>`,
      mount(view) {
        $('[data-testid="packages-filter-state"]', view).addEventListener('change', (event) => {
          location.hash = href({ state: event.target.value });
        });
      },
      load: () => {
        const search = new URLSearchParams({ limit: String(PAGE_SIZE) });
        if (state) search.set('state', state);
        if (cursor) search.set('cursor', cursor);
        return api(`/packages?${search}`);
      },
      render(data, view) {
        const rows = (data.items || []).map((p) =>
          `<tr data-testid="package-row" data-package-id="${esc(p.id)}">` +
          `<td>${packageLink(p.id)}</td><td>${badge(p.state)}</td><td>${mono(p.companyId)}</td>` +
          `<td lang="zh">${esc(p.proposedName) || DASH}</td><td>${mono(p.applicantReference)}</td>` +
          `<td>${instant(p.receivedAt)}</td></tr>`);
        setHtml($('[data-region="list"]', view), table({
          testid: 'packages-table', caption: 'Packages, newest first',
          columns: ['Package', 'State', 'Company', 'Proposed name', 'Applicant reference', 'Received'],
          rows, empty: state ? `No package is ${words(state)}.` : 'No package has been received yet.' }));
        setHtml($('[data-region="pager"]', view), data.nextCursor
          ? `<a class="button secondary" href="${esc(href({ state, cursor: data.nextCursor }))}" data-testid="packages-next">Next page (older)</a>`
          : '');
      },
    };
  };

  // Permits laid out in columns by dependency depth (a permit needing none is
  // in column 0), coloured by state, with a line from each prerequisite.
  function permitGraph(permits) {
    const byId = new Map(permits.map((p) => [p.permit, p]));
    const depth = new Map();
    const depthOf = (id, path = new Set()) => {
      if (depth.has(id)) return depth.get(id);
      if (path.has(id)) return 0;
      path.add(id);
      const needs = (byId.get(id).needs || []).filter((n) => byId.has(n));
      const d = needs.length ? 1 + Math.max(...needs.map((n) => depthOf(n, path))) : 0;
      path.delete(id);
      depth.set(id, d);
      return d;
    };
    permits.forEach((p) => depthOf(p.permit));
    const columns = [];
    for (const p of [...permits].sort((a, b) => a.permit.localeCompare(b.permit))) {
      (columns[depth.get(p.permit)] ||= []).push(p);
    }
    const W = 156, H = 50, GAP_X = 64, GAP_Y = 14, PAD = 10;
    const place = new Map();
    const rowOf = new Map();
    columns.forEach((column, c) => {
      // Fewer crossings: a permit sits near the mean row of its prerequisites.
      const weight = (p) => {
        const rows = (p.needs || []).filter((n) => rowOf.has(n)).map((n) => rowOf.get(n));
        return rows.length ? rows.reduce((a, b) => a + b, 0) / rows.length : 0;
      };
      if (c > 0) column.sort((a, b) => weight(a) - weight(b) || a.permit.localeCompare(b.permit));
      column.forEach((p, r) => {
        rowOf.set(p.permit, r);
        place.set(p.permit, { x: PAD + c * (W + GAP_X), y: PAD + r * (H + GAP_Y) });
      });
    });
    const width = PAD * 2 + columns.length * W + Math.max(0, columns.length - 1) * GAP_X;
    const height = PAD * 2 + Math.max(1, ...columns.map((c) => c.length)) * (H + GAP_Y) - GAP_Y;
    const edges = [];
    for (const p of permits) {
      for (const need of p.needs || []) {
        if (!place.has(need)) continue;
        const from = place.get(need), to = place.get(p.permit);
        const x1 = from.x + W, y1 = from.y + H / 2, x2 = to.x - 3, y2 = to.y + H / 2;
        const bend = Math.max(24, (x2 - x1) / 2);
        const met = byId.get(need).state === 'ISSUED';
        edges.push(`<path class="edge${met ? ' met' : ''}" d="M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}" ` +
          `marker-end="url(#arrow${met ? '-met' : ''})" data-from="${esc(need)}" data-to="${esc(p.permit)}"><title>${esc(p.permit)} needs ${esc(need)}</title></path>`);
      }
    }
    const nodes = permits.map((p) => {
      const { x, y } = place.get(p.permit);
      return `<g class="node st-${esc(p.state)}" transform="translate(${x},${y})" data-testid="graph-node" data-permit="${esc(p.permit)}" data-state="${esc(p.state)}">` +
        `<title>${esc(p.permit)} ${esc(p.name || '')} (${esc(p.department || '')}): ${esc(words(p.state))}</title>` +
        `<rect width="${W}" height="${H}" rx="7"></rect>` +
        `<text x="10" y="20" class="node-id">${esc(p.permit)} <tspan class="node-dept">${esc(p.department || '')}</tspan></text>` +
        `<text x="10" y="38" class="node-state">${esc(words(p.state))}</text></g>`;
    });
    const legend = [...new Set(permits.map((p) => p.state))].map((s) => badge(s)).join(' ');
    return `<div class="graph-wrap"><svg class="graph" role="img" aria-labelledby="graph-title" data-testid="permit-graph" ` +
      `width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
      `<title id="graph-title">Permits by dependency depth; arrows run from a prerequisite to the permit that needs it</title>` +
      `<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrow"></path></marker>` +
      `<marker id="arrow-met" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrow met"></path></marker></defs>` +
      `${edges.join('')}${nodes.join('')}</svg></div><p class="legend">States shown: ${legend}. Green arrows: the prerequisite is issued.</p>`;
  }

  function deadlineText(d) {
    if (!d) return DASH;
    const parts = [];
    if (has(d.correctionNoticeBy)) parts.push(`correction notice by ${day(d.correctionNoticeBy)}`);
    if (has(d.decisionDue)) {
      parts.push(`decision due ${day(d.decisionDue)}` +
        (typeof d.workingDaysLeft === 'number' ? ` <span class="sub">(${esc(plural(d.workingDaysLeft, 'working day'))} left)</span>` : ''));
    }
    if (d.paused) parts.push('<span class="badge flag-paused">clock paused</span>');
    if (d.overdue) parts.push('<span class="badge flag-overdue">overdue</span>');
    return parts.length ? parts.join('<br>') : DASH;
  }

  function certificateText(c) {
    if (!c) return DASH;
    return `${mono(c.number)}` +
      `<div class="sub">${esc(c.issuer || '')}${has(c.issuedOn) ? ` · issued ${day(c.issuedOn)}` : ''}` +
      `${has(c.validUntil) ? ` · valid until ${day(c.validUntil)}` : ''}</div>`;
  }

  const packagePage = (id) => {
    const openHistories = new Set();
    return {
      nav: 'packages',
      title: `Package ${id}`,
      skeleton: () => `
        <p class="crumbs"><a href="#/packages">Packages</a> ›</p>
        <h1 tabindex="-1">Package ${mono(id)}</h1>
        <div data-region="missing"></div>
        <section aria-label="Summary" data-region="summary" data-testid="package-summary"></section>
        <section aria-labelledby="pk-graph"><h2 id="pk-graph">Permit graph</h2><div data-region="graph"></div></section>
        <section aria-labelledby="pk-permits"><h2 id="pk-permits">Permits</h2><div data-region="permits"></div></section>
        <section aria-labelledby="pk-calls"><h2 id="pk-calls">Department calls</h2><div data-region="calls"></div></section>
        <section aria-labelledby="pk-timeline"><h2 id="pk-timeline">Timeline</h2><div data-region="timeline"></div></section>`,
      mount(view) {
        view.addEventListener('toggle', (event) => {
          const key = event.target.getAttribute?.('data-history');
          if (!key) return;
          if (event.target.open === openHistories.has(key)) return;
          if (event.target.open) openHistories.add(key); else openHistories.delete(key);
          // The cached markup no longer matches what is on screen.
          $('[data-region="calls"]', view).__html = null;
        }, true);
      },
      load: async () => {
        try {
          return await api(`/packages/${encodeURIComponent(id)}`);
        } catch (error) {
          if (error instanceof ApiError && error.status === 404) return { missing: true };
          throw error;
        }
      },
      render(data, view) {
        setHtml($('[data-region="missing"]', view), data.missing
          ? `<p class="empty" data-testid="package-missing">There is no package ${mono(id)}.</p>` : '');
        if (data.missing) return;
        const f = data.forecast || {};
        const forecast = has(f.readyOn) ? `ready on ${day(f.readyOn)}`
          : has(f.expectedReadyOn) ? `expected ready on ${day(f.expectedReadyOn)} <span class="sub">(${esc(plural(f.remainingWorkingDays ?? 0, 'working day'))} left)</span>`
            : f.reachable === false ? '<span class="badge flag-overdue">cannot become ready</span>' : DASH;
        const permits = data.permits || [];
        const issued = permits.filter((p) => p.state === 'ISSUED').length;
        setHtml($('[data-region="summary"]', view), `<dl class="summary">
          <div><dt>State</dt><dd data-testid="package-state">${badge(data.state)}</dd></div>
          <div><dt>Company</dt><dd>${mono(data.companyId)}</dd></div>
          <div><dt>Proposed name</dt><dd lang="zh">${esc(data.proposedName) || DASH}</dd></div>
          <div><dt>Applicant reference</dt><dd>${mono(data.applicantReference)}</dd></div>
          <div><dt>Received</dt><dd>${instant(data.receivedAt)}</dd></div>
          <div><dt>Ready to operate</dt><dd>${instant(data.readyAt)}</dd></div>
          <div><dt>Forecast</dt><dd data-testid="package-forecast">${forecast}</dd></div>
          <div><dt>Critical path</dt><dd>${(f.criticalPath || []).length ? f.criticalPath.map(mono).join(' → ') : DASH}</dd></div>
          <div><dt>Permits issued</dt><dd data-testid="package-issued">${issued} of ${permits.length}</dd></div>
        </dl>`);
        setHtml($('[data-region="graph"]', view), permits.length ? permitGraph(permits) : '<p class="empty">No permits.</p>');
        setHtml($('[data-region="permits"]', view), table({
          testid: 'permits-table', caption: 'Permits of the package',
          columns: ['Permit', 'Name', 'Department', 'State', 'Needs', 'Receipt', 'Deadlines', 'Expected', 'Certificate'],
          rows: permits.map((p) =>
            `<tr data-testid="permit-row" data-permit="${esc(p.permit)}" data-state="${esc(p.state)}">` +
            `<td>${mono(p.permit)}</td><td>${esc(p.name)}${has(p.nameZh) ? `<div class="sub" lang="zh">${esc(p.nameZh)}</div>` : ''}</td>` +
            `<td>${esc(p.department)}</td><td data-testid="permit-state">${badge(p.state)}</td>` +
            `<td>${(p.needs || []).length ? p.needs.map(mono).join(' ') : DASH}</td>` +
            `<td>${mono(p.receiptNumber)}</td><td>${deadlineText(p.deadlines)}</td><td>${day(p.expectedOn)}</td>` +
            `<td data-testid="permit-certificate">${certificateText(p.certificate)}</td></tr>`),
          empty: 'No permits.' }));
        const calls = data.calls || [];
        setHtml($('[data-region="calls"]', view), table({
          testid: 'calls-table', caption: 'Calls to departments and their attempts',
          columns: ['Message', 'Permit', 'Department', 'Kind', 'State', 'Attempts', 'Due', 'History'],
          rows: calls.map((call) => {
            const history = call.history || [];
            const key = call.messageId;
            const attempts = history.length ? table({
              testid: 'attempts-table', caption: `Attempts of ${call.messageId}`,
              columns: ['#', 'Started', 'Latency', 'Outcome', 'HTTP', 'Error'],
              rows: history.map((a) => `<tr data-testid="attempt-row"><td class="num">${num(a.attempt)}</td><td>${instant(a.startedAt)}</td>` +
                `<td class="num">${ms(a.latencyMs)}</td><td>${badge(a.outcome, 'outcome')}</td><td class="num">${has(a.httpStatus) ? esc(a.httpStatus) : DASH}</td>` +
                `<td class="wrap">${esc(a.error) || DASH}</td></tr>`) }) : '<p class="empty">Not attempted yet.</p>';
            return `<tr data-testid="call-row" data-message-id="${esc(call.messageId)}" data-state="${esc(call.state)}">` +
              `<td>${mono(call.messageId)}</td><td>${mono(call.permit)}</td><td>${esc(call.department)}</td>` +
              `<td>${esc(call.kind)}</td><td>${badge(call.state, 'call')}</td><td class="num">${num(call.attempts)}</td>` +
              `<td>${instant(call.dueAt)}</td>` +
              `<td><details data-history="${esc(key)}"${openHistories.has(key) ? ' open' : ''}><summary data-focus="history:${esc(key)}">${esc(plural(history.length, 'attempt'))}</summary>${attempts}</details></td></tr>`;
          }),
          empty: 'No call has been made for this package yet.' }));
        const events = data.events || [];
        setHtml($('[data-region="timeline"]', view), table({
          testid: 'timeline', caption: 'Timeline, oldest first',
          columns: ['#', 'At', 'Event', 'Permit', 'Change', 'Detail'],
          rows: events.map((e) =>
            `<tr data-testid="event-row"><td class="num">${num(e.sequence)}</td><td>${instant(e.at)}</td><td>${esc(words(e.type))}</td>` +
            `<td>${mono(e.permit)}</td><td>${has(e.from) ? `${badge(e.from)} → ` : ''}${badge(e.to)}</td>` +
            `<td class="wrap" lang="${/[\u3400-\u9fff]/.test(e.detail || '') ? 'zh' : 'en'}">${esc(e.detail) || DASH}</td></tr>`),
          empty: 'No events yet.' }));
      },
    };
  };

  const departmentsPage = () => ({
    nav: 'departments',
    title: 'Departments',
    skeleton: () => `
      <h1 tabindex="-1">Departments</h1>
      <p class="intro">Delivery to each departmental system, as this hub process sees it. Latency and error rate cover the attempts of the last hour.
        A paused department's calls wait in the outbox and go out once it is resumed; the pause holds for every hub process.</p>
      <div data-region="dispatch"></div>
      <div data-region="table"></div>`,
    load: () => api('/departments'),
    render(data, view) {
      setHtml($('[data-region="dispatch"]', view), data.dispatch === false
        ? '<p class="banner-inline warn" data-testid="dispatch-off">This hub process does not send calls itself (dispatch is off): its in-flight and breaker figures stay empty; pauses set here apply to the processes that do send.</p>' : '');
      const rows = (data.departments || []).map((d) => {
        const action = d.paused ? 'resume' : 'pause';
        return `<tr data-testid="department-row" data-department="${esc(d.code)}" data-paused="${d.paused ? 'true' : 'false'}">` +
          `<th scope="row" class="dept">${mono(d.code)}<div class="sub">${esc(d.name)}</div></th>` +
          `<td class="endpoint-cell">${esc(d.transport)}<div class="sub"><code class="id endpoint">${esc(d.endpoint)}</code></div></td>` +
          `<td data-testid="department-breaker">${badge(d.breaker, 'breaker')}${d.consecutiveFailures ? `<div class="sub">${esc(plural(d.consecutiveFailures, 'failure'))} in a row</div>` : ''}</td>` +
          `<td class="num">${num(d.inFlight)} / ${num(d.maxConcurrent)}</td><td class="num" data-testid="department-queued">${num(d.queued)}</td>` +
          `<td class="num">${ms(d.latencyMs?.p50)}<div class="sub">p99 ${ms(d.latencyMs?.p99)}</div></td>` +
          `<td class="num">${percent(d.errorRate)}<div class="sub">${esc(plural(Number(d.attemptsLastHour ?? 0), 'attempt'))}</div></td>` +
          `<td>${instant(d.lastSuccessAt)}</td>` +
          `<td class="status-cell"><span data-testid="department-paused">${d.paused ? '<span class="badge flag-paused">paused</span>' : '<span class="badge flag-active">active</span>'}</span> ` +
          `<button type="button" class="${d.paused ? '' : 'secondary'}" data-action="${action}" data-code="${esc(d.code)}" ` +
          `data-focus="${action}:${esc(d.code)}" data-testid="department-${action}">` +
          `${d.paused ? 'Resume' : 'Pause'}<span class="visually-hidden"> ${esc(d.code)}</span></button></td></tr>`;
      });
      setHtml($('[data-region="table"]', view), table({
        testid: 'departments-table', caption: 'Departments',
        columns: ['Department', 'Transport and endpoint', 'Breaker', 'In flight', 'Queued', 'Latency p50', 'Errors (1 h)', 'Last success', 'Status'],
        rows, empty: 'No department is configured.' }));
    },
    async act(button) {
      const code = button.dataset.code;
      const pause = button.dataset.action === 'pause';
      await askNote({
        title: `${pause ? 'Pause' : 'Resume'} ${code}`,
        text: pause ? `No call goes to ${code} while it is paused; its calls wait in the outbox.`
          : `Calls waiting for ${code} go out again.`,
        confirm: pause ? 'Pause' : 'Resume',
        submit: async (note) => {
          const answer = await api(`/departments/${encodeURIComponent(code)}/${pause ? 'pause' : 'resume'}`,
            { method: 'POST', body: note ? { note } : {} });
          flash(`${code} is ${answer?.paused ?? pause ? 'paused' : 'active again'}.`, 'success');
        },
      });
    },
  });

  const incidentsPage = (query) => {
    const all = query.get('state') === 'all';
    return {
      nav: 'incidents',
      title: 'Incidents',
      skeleton: () => `
        <h1 tabindex="-1">Incidents</h1>
        <p class="intro">Calls the hub could not deliver without a human. <strong>Retry</strong> sends the call again now, with the same message id;
          <strong>Cancel</strong> drops it for good; <strong>Resolve</strong> closes it as handled outside the hub (a reason is required).</p>
        <nav class="tabs" aria-label="Which incidents">
          <a href="#/incidents" data-testid="incidents-filter-open"${all ? '' : ' aria-current="page"'}>Open</a>
          <a href="#/incidents?state=all" data-testid="incidents-filter-all"${all ? ' aria-current="page"' : ''}>All</a>
        </nav>
        <div data-region="table"></div>`,
      load: () => api(`/incidents?state=${all ? 'all' : 'open'}`),
      render(data, view) {
        const incidents = data.incidents || [];
        const rows = incidents.map((i) => {
          const open = i.state === 'OPEN';
          const button = (action, label, secondary) =>
            `<button type="button" class="${secondary ? 'secondary' : ''}" data-action="${action}" data-id="${esc(i.id)}" ` +
            `data-focus="${action}:${esc(i.id)}" data-testid="incident-${action}">${label}<span class="visually-hidden"> ${esc(i.id)}</span></button>`;
          return `<tr data-testid="incident-row" data-incident-id="${esc(i.id)}" data-package-id="${esc(i.packageId)}" data-state="${esc(i.state)}">` +
            `<td class="long-id">${mono(i.id)}<div class="sub">created ${instant(i.createdAt)}</div></td>` +
            `<td data-testid="incident-state">${badge(i.state, 'incident')}</td>` +
            `<td class="long-id">${packageLink(i.packageId)}<div class="sub">${esc(i.permit)} · ${esc(i.department)} · ${esc(i.kind)}</div></td>` +
            `<td class="wrap">${esc(i.reason) || DASH}<div class="sub long-id">message ${mono(i.messageId)}</div></td>` +
            `<td>${instant(i.closedAt)}${has(i.note) ? `<div class="sub wrap">${esc(i.note)}</div>` : ''}</td>` +
            `<td class="actions">${open ? button('retry', 'Retry') + button('cancel', 'Cancel', true) + button('resolve', 'Resolve', true) : DASH}</td></tr>`;
        });
        setHtml($('[data-region="table"]', view), table({
          testid: 'incidents-table', caption: all ? 'All incidents, newest first' : 'Open incidents, newest first',
          columns: ['Incident', 'State', 'Package and call', 'Reason', 'Closed and note', 'Actions'],
          rows, empty: all ? 'There has been no incident.' : 'No open incident.' }));
        return all ? undefined : incidents.length;
      },
      async act(button) {
        const id = button.dataset.id;
        const action = button.dataset.action;
        const texts = {
          retry: { title: `Retry ${id}`, text: 'The call goes back to the queue, due now, with the same message id. Fix the cause first.', confirm: 'Retry' },
          cancel: { title: `Cancel ${id}`, text: 'The call is never sent. The permit stays where it is.', confirm: 'Cancel the call' },
          resolve: { title: `Resolve ${id}`, text: 'Close the incident as handled outside the hub.', confirm: 'Resolve',
            label: 'Reason (required)', required: true },
        }[action];
        await askNote({
          ...texts,
          submit: async (note) => {
            const answer = await api(`/incidents/${encodeURIComponent(id)}/${action}`,
              { method: 'POST', body: note ? { note } : {} });
            flash(`${id} is now ${words(answer?.state || '')}.`, 'success');
          },
        });
      },
    };
  };

  // ---------------------------------------------------------------- router and refresh loop

  let current = null;

  function parseHash() {
    const raw = location.hash.replace(/^#\/?/, '');
    const [path, search = ''] = raw.split('?');
    return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(search) };
  }

  function pageFor({ parts, query }) {
    if (parts[0] === 'packages' && parts[1]) return packagePage(parts[1]);
    if (parts[0] === 'packages') return packagesPage(query);
    if (parts[0] === 'departments') return departmentsPage();
    if (parts[0] === 'incidents') return incidentsPage(query);
    return overviewPage();
  }

  function showLogin(message) {
    current = null;
    $('[data-testid="login"]').hidden = false;
    $('[data-testid="view"]').hidden = true;
    $('[data-testid="nav"]').hidden = true;
    $('[data-testid="session"]').hidden = true;
    const error = $('[data-testid="login-error"]');
    error.textContent = message || '';
    error.hidden = !message;
    document.title = 'Sign in · Licensing hub admin';
    $('[data-testid="login-token"]').focus();
  }

  function signOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    const dialog = $('[data-testid="note-dialog"]');
    if (dialog.open) dialog.close();
    showLogin(message);
  }

  function route() {
    const parsed = parseHash();
    if (parsed.parts[0] === 'signout') {
      signOut('You are signed out.');
      history.replaceState(null, '', '#/overview');
      return;
    }
    if (!token()) { showLogin(); return; }
    if (current && current.hash === location.hash) return;
    const page = pageFor(parsed);
    page.hash = location.hash;
    current = page;
    $('[data-testid="login"]').hidden = true;
    $('[data-testid="nav"]').hidden = false;
    $('[data-testid="session"]').hidden = false;
    for (const link of $$('[data-nav]')) {
      if (link.dataset.nav === page.nav) link.setAttribute('aria-current', 'page'); else link.removeAttribute('aria-current');
    }
    document.title = `${page.title} · Licensing hub admin`;
    const view = $('[data-testid="view"]');
    view.hidden = false;
    view.dataset.page = page.nav;
    view.innerHTML = page.skeleton();
    page.mount?.(view);
    $('h1', view)?.focus({ preventScroll: true });
    window.scrollTo(0, 0);
    refresh(page);
  }

  async function refreshIncidentBadge(count) {
    let open = count;
    if (typeof open !== 'number') {
      const data = await api('/incidents?state=open');
      open = (data.incidents || []).length;
    }
    const badgeElement = $('[data-testid="nav-incident-count"]');
    badgeElement.textContent = open ? String(open) : '';
    badgeElement.title = open ? `${open} open` : '';
    badgeElement.classList.toggle('alert', open > 0);
  }

  async function refresh(page = current) {
    if (!page || page.loading) return;
    page.loading = true;
    try {
      const data = await page.load();
      if (page !== current) return;
      const incidentCount = page.render(data, $('[data-testid="view"]'));
      await refreshIncidentBadge(incidentCount);
      markUpdated(true);
    } catch (error) {
      if (error instanceof AuthError) { signOut(error.message); return; }
      if (page === current) markUpdated(false, error.message);
    } finally {
      page.loading = false;
    }
  }

  document.addEventListener('click', async (event) => {
    const button = event.target.closest('button[data-action]');
    if (!button || !current?.act || !$('[data-testid="view"]').contains(button)) return;
    const page = current;
    try {
      await page.act(button);
    } catch (error) {
      if (error instanceof AuthError) { signOut(error.message); return; }
      flash(error.message, 'error');
    }
    refresh(page);
  });

  $('[data-testid="login-form"]').addEventListener('submit', async (event) => {
    event.preventDefault();
    const input = $('[data-testid="login-token"]');
    const value = input.value.trim();
    if (!value) return;
    sessionStorage.setItem(TOKEN_KEY, value);
    const submit = $('[data-testid="login-submit"]');
    submit.disabled = true;
    try {
      await api('/overview');
      input.value = '';
      $('[data-testid="login-error"]').hidden = true;
      if (!location.hash || location.hash === '#/signout') history.replaceState(null, '', '#/overview');
      route();
    } catch (error) {
      sessionStorage.removeItem(TOKEN_KEY);
      showLogin(error.message);
    } finally {
      submit.disabled = false;
    }
  });

  window.addEventListener('hashchange', route);
  setInterval(() => { if (!document.hidden) refresh(); }, REFRESH_MS);
  if (!location.hash) history.replaceState(null, '', '#/overview');
  route();
})();
