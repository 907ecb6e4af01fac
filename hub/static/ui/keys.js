// Keyboard shortcuts: one listener, ignored while typing in a field; `?` lists them.
const HELP = [
  ['j / k', 'Sonraki / önceki talep (kuyruk)'],
  ['Enter', 'Seçili talebi aç'],
  ['x', 'Seçili satırı toplu işlem için işaretle'],
  ['c', 'Üstlen (başkasındaysa Devral alanına gider)'],
  ['r', 'Cevapla'],
  ['f', 'Birime ilet'],
  ['/', 'Ara'],
  ['?', 'Bu liste'],
  ['Esc', 'Pencereyi kapat / alandan çık'],
];

const handlers = {};

export function typing(target) {
  return Boolean(target && target.closest && target.closest('input, textarea, select, [contenteditable="true"]'));
}

export function onKey(key, fn) {
  handlers[key] = fn;
}

function dialog() {
  let d = document.getElementById('kisayollar');
  if (d) return d;
  d = document.createElement('dialog');
  d.id = 'kisayollar';
  d.setAttribute('aria-labelledby', 'kisayollar-baslik');
  const h = document.createElement('h2');
  h.id = 'kisayollar-baslik';
  h.textContent = 'Klavye kısayolları';
  const table = document.createElement('table');
  for (const [key, what] of HELP) {
    const tr = table.insertRow();
    const k = document.createElement('kbd');
    k.textContent = key;
    tr.insertCell().append(k);
    tr.insertCell().textContent = what;
  }
  const close = document.createElement('button');
  close.type = 'button';
  close.textContent = 'Kapat';
  close.addEventListener('click', () => d.close());
  d.append(h, table, close);
  document.body.append(d);
  return d;
}

export function showHelp() {
  const d = dialog();
  if (!d.open) d.showModal();
}

export function toast(text, bad = false) {
  let t = document.getElementById('bildirim');
  if (!t) {
    t = document.createElement('div');
    t.id = 'bildirim';
    t.setAttribute('role', 'status');
    document.body.append(t);
  }
  t.textContent = text;
  t.className = bad ? 'toast bad' : 'toast';
  clearTimeout(t._timer);
  t._timer = setTimeout(() => { t.className = 'toast gone'; }, 4000);
}

export function installHelp() {
  onKey('?', showHelp);
  const button = document.getElementById('kisayol-dugme');
  if (button) button.addEventListener('click', showHelp);
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === 'Escape') {
      if (typing(e.target)) e.target.blur();
      return;
    }
    if (typing(e.target)) return;
    if (document.querySelector('dialog[open]') && e.key !== '?') return;
    const fn = handlers[e.key];
    if (fn) {
      e.preventDefault();
      fn(e);
    }
  });
}
