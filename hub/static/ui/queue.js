// The queue page: live updates (server-sent events from /ui/canli, hub/live.py), the tab title
// with the count of new requests, live counters, keyboard moves and bulk selection.
import { onKey, toast } from './keys.js';

let table = null;
let tbody = null;
const baseTitle = document.title;
let source = null;
let lastId = null;
let retryTimer = null;
let newCount = 0;
let wasHidden = document.hidden;

function rows() { return [...tbody.querySelectorAll('tr[data-id]')]; }
function rowOf(id) { return tbody.querySelector(`tr[data-id="${id}"]`); }
function selected() { return tbody.querySelector('tr.secili'); }
function csrf() { const i = document.querySelector('#toplu input[name=csrf]'); return i ? i.value : ''; }

// -- live ---------------------------------------------------------------------------------
function setState(state) {
  const el = document.getElementById('canli');
  if (el) {
    el.dataset.durum = state;
    el.title = state === 'acik' ? 'Canlı: kuyruk kendiliğinden güncelleniyor' : 'Bağlantı yok: yeniden bağlanılıyor';
  }
}

function streamUrl() {
  const p = new URLSearchParams(location.search);
  for (const k of ['cursor', 'tamam', 'islem', 'n', 'atlanan']) p.delete(k);
  p.set('goster', rows().map((tr) => tr.dataset.id).slice(0, 500).join(','));
  if (lastId !== null) p.set('son', lastId);
  return '/ui/canli?' + p.toString();
}

function connect() {
  clearTimeout(retryTimer);
  if (source) source.close();
  source = new EventSource(streamUrl());
  source.addEventListener('open', () => setState('acik'));
  source.addEventListener('imlec', (e) => { if (e.lastEventId) lastId = e.lastEventId; });
  source.addEventListener('degisiklik', (e) => {
    if (e.lastEventId) lastId = e.lastEventId;
    apply(JSON.parse(e.data));
  });
  source.addEventListener('yenile', () => location.reload());
  source.addEventListener('error', () => {
    // Reconnect ourselves, so that the address carries the rows now shown and the last id.
    setState('kapali');
    if (source) source.close();
    source = null;
    retryTimer = setTimeout(connect, 1000);
  });
}

function disconnect() {
  clearTimeout(retryTimer);
  if (source) source.close();
  source = null;
  setState('kapali');
}

function place(tr) {
  const desc = table.dataset.sort !== 'due';
  const key = tr.dataset.key;
  const id = Number(tr.dataset.id);
  const before = (other) => {
    const k = other.dataset.key;
    if (k === key) return desc ? id > Number(other.dataset.id) : id < Number(other.dataset.id);
    return desc ? key > k : key < k;
  };
  const all = rows();
  const next = all.find((other) => before(other));
  if (next) { tbody.insertBefore(tr, next); return true; }
  if (table.dataset.daha === '1' && all.length) return false; // belongs to a later page
  tbody.append(tr);
  return true;
}

function apply(data) {
  for (const id of data.remove || []) {
    const tr = rowOf(id);
    if (!tr) continue;
    if (tr.classList.contains('secili')) move(1) || move(-1);
    if (tr.classList.contains('yeni')) newCount = Math.max(0, newCount - 1);
    tr.remove();
  }
  for (const r of data.rows || []) {
    const tpl = document.createElement('template');
    tpl.innerHTML = r.html.trim();
    const tr = tpl.content.firstElementChild;
    const old = rowOf(r.id);
    if (old) {
      for (const cls of ['secili', 'yeni']) if (old.classList.contains(cls)) tr.classList.add(cls);
      const box = old.querySelector('input[name=sec]');
      if (box && box.checked) tr.querySelector('input[name=sec]').checked = true;
      old.replaceWith(tr);
      tr.classList.add('degisti');
      setTimeout(() => tr.classList.remove('degisti'), 2500);
    } else if (place(tr)) {
      if (r.new) { tr.classList.add('yeni'); newCount += 1; }
      else { tr.classList.add('degisti'); setTimeout(() => tr.classList.remove('degisti'), 2500); }
    }
  }
  const empty = tbody.querySelector('tr.empty-row');
  if (empty && rows().length) empty.remove();
  if (data.total !== null && data.total !== undefined) {
    const b = document.querySelector('#toplam b');
    if (b) b.textContent = String(data.total);
  }
  if (data.counts) {
    for (const a of document.querySelectorAll('#sayilar [data-durum]')) {
      a.querySelector('b').textContent = String((data.counts.durum || {})[a.dataset.durum] || 0);
    }
    for (const a of document.querySelectorAll('#sayilar [data-filtre]')) {
      a.querySelector('b').textContent = String((data.counts.filtre || {})[a.dataset.filtre] || 0);
    }
  }
  showNew();
  countSelected();
}

function showNew() {
  document.title = newCount ? `(${newCount}) ${baseTitle}` : baseTitle;
  const notice = document.getElementById('yeni-bildirim');
  if (!notice) return;
  notice.hidden = newCount === 0;
  notice.textContent = `${newCount} yeni talep`;
}

function seenAll() {
  newCount = 0;
  for (const tr of tbody.querySelectorAll('tr.yeni')) tr.classList.remove('yeni');
  showNew();
}

// -- keyboard -----------------------------------------------------------------------------
function select(tr) {
  const old = selected();
  if (old) { old.classList.remove('secili'); old.removeAttribute('aria-selected'); }
  if (!tr) return false;
  tr.classList.add('secili');
  tr.setAttribute('aria-selected', 'true');
  tr.scrollIntoView({ block: 'nearest' });
  if (tr.classList.contains('yeni')) {
    tr.classList.remove('yeni');
    newCount = Math.max(0, newCount - 1);
    showNew();
  }
  return true;
}

function move(step) {
  const all = rows();
  if (!all.length) return false;
  const i = all.indexOf(selected());
  const next = i < 0 ? (step > 0 ? all[0] : all[all.length - 1]) : all[i + step];
  return next ? select(next) : false;
}

function current() {
  const tr = selected();
  if (!tr) toast('Önce j / k ile bir talep seçin.', true);
  return tr;
}

async function claim() {
  const tr = current();
  if (!tr) return;
  const code = tr.querySelector('td.code a').textContent;
  const resp = await fetch(`/ui/talep/${tr.dataset.id}/ustlen`, {
    method: 'POST', body: new URLSearchParams({ csrf: csrf() }), redirect: 'manual', credentials: 'same-origin',
  });
  if (resp.type === 'opaqueredirect' || resp.ok) toast(`${code} üstlenildi.`);
  else if (resp.status === 409) toast(`${code} başkası tarafından üstlenilmiş; açıp devralabilirsiniz.`, true);
  else toast(`${code} üstlenilemedi.`, true);
}

function open(hash = '') {
  const tr = current();
  if (tr) location.href = `/ui/talep/${tr.dataset.id}${hash}`;
}

// -- bulk ---------------------------------------------------------------------------------
function countSelected() {
  const n = tbody.querySelectorAll('input[name=sec]:checked').length;
  const el = document.getElementById('secili-sayi');
  if (el) el.textContent = n ? ` (${n})` : '';
}

function bulkArgs() {
  const op = document.getElementById('toplu-islem');
  if (!op) return;
  for (const span of document.querySelectorAll('#toplu .bulk-arg')) span.hidden = span.dataset.islem !== op.value;
}

export function startQueue() {
  table = document.getElementById('kuyruk');
  tbody = table.tBodies[0];
  connect();
  window.talepCanli = { kes: disconnect, bagla: connect, sonId: () => lastId };
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) wasHidden = true;
    else if (wasHidden) { wasHidden = false; seenAll(); }
  });
  const notice = document.getElementById('yeni-bildirim');
  if (notice) notice.addEventListener('click', () => { window.scrollTo({ top: 0 }); seenAll(); });
  onKey('j', () => move(1));
  onKey('k', () => move(-1));
  onKey('Enter', () => open());
  onKey('c', claim);
  onKey('r', () => open('#cevapla'));
  onKey('f', () => open('#ilet'));
  onKey('/', () => { const q = document.getElementById('ara'); if (q) { q.focus(); q.select(); } });
  onKey('x', () => {
    const tr = current();
    if (!tr) return;
    const box = tr.querySelector('input[name=sec]');
    box.checked = !box.checked;
    countSelected();
  });
  tbody.addEventListener('click', (e) => {
    const tr = e.target.closest('tr[data-id]');
    if (tr && !e.target.closest('a, input')) select(tr);
  });
  tbody.addEventListener('change', countSelected);
  const all = document.getElementById('hepsini-sec');
  if (all) all.addEventListener('change', () => {
    for (const box of tbody.querySelectorAll('input[name=sec]')) box.checked = all.checked;
    countSelected();
  });
  const op = document.getElementById('toplu-islem');
  if (op) { op.addEventListener('change', bulkArgs); bulkArgs(); }
}
