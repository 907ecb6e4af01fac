// The request page: the claim banner's heartbeat (renews the viewer's claim, tells who else has
// the page open), and the page's shortcuts c / r / f.
import { onKey } from './keys.js';

function field(selector) {
  const el = document.querySelector(selector);
  if (el) { el.scrollIntoView({ block: 'center' }); el.focus(); }
  return el;
}

function reply() { return field('#metin'); }
function forward() { return field('form[action$="/ilet"] select[name=birim]'); }

export function startClaim() {
  const bar = document.getElementById('ustlenme');
  const every = Math.max(1, Number(bar.dataset.aralik || 30)) * 1000;
  const initial = bar.className;

  async function beat() {
    try {
      const resp = await fetch(bar.dataset.nabiz, {
        method: 'POST', body: new URLSearchParams({ csrf: bar.dataset.csrf }), credentials: 'same-origin',
      });
      if (!resp.ok) return;
      const s = await resp.json();
      const who = document.getElementById('ustlenen');
      if (s.mine) who.textContent = `Bu talebi siz üstlendiniz (${s.since}).`;
      else if (s.held) who.textContent = `Bu talep ${s.holder} tarafından üstlenildi (${s.since}). Cevaplamak, iletmek ya da kapatmak için önce devralın.`;
      else who.textContent = 'Bu talebi kimse üstlenmedi.';
      const viewers = document.getElementById('acik-olanlar');
      viewers.hidden = !s.viewers.length;
      viewers.textContent = s.viewers.length ? `Bu talep şu an ${s.viewers.join(', ')} tarafından açık.` : '';
      const now = `claim-bar${s.held && !s.mine ? ' held-other' : s.mine ? ' held-mine' : ''}`;
      bar.className = now;
      if (now !== initial && !document.getElementById('yenile-baglanti')) {
        const a = document.createElement('a');
        a.id = 'yenile-baglanti';
        a.href = location.pathname;
        a.textContent = 'Durum değişti: sayfayı yenileyin';
        bar.append(a);
      }
    } catch (e) { /* offline for a moment: the next beat tries again */ }
  }
  setInterval(beat, every);
  window.addEventListener('pagehide', () => {
    const body = new FormData();
    body.append('csrf', bar.dataset.csrf);
    navigator.sendBeacon(bar.dataset.ayril, body);
  });

  onKey('c', () => {
    const claim = document.getElementById('ustlen');
    if (claim) claim.click();
    else field('#ustlenme input[name=gerekce]');
  });
  onKey('r', reply);
  onKey('f', forward);
  if (location.hash === '#cevapla') reply();
  if (location.hash === '#ilet') forward();
}
