// Charts of /ui/panolar (an ES module of our own, nothing minified). The figures come from the
// page's JSON block (#pano-veri); Chart.js and its datalabels plugin are served by the hub from
// hub/static/vendor (scripts/install.sh installs them with npm). Without them the tables beside
// the charts are the page. Series differ by more than colour: bars carry fill patterns and their
// values, lines carry point shapes and dash patterns, and every legend shows the shape.

// Okabe–Ito colours: told apart by most colour-blind readers too
const COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#7F5A3C'];
const POINTS = ['circle', 'triangle', 'rect', 'rectRot', 'star', 'crossRot', 'cross', 'rectRounded'];
const DASHES = [[], [8, 4], [2, 3], [12, 4, 2, 4], [16, 6], [1, 6], [6, 2, 2, 2], [4, 8]];
const FILLS = ['solid', 'diagonal', 'dots', 'grid', 'horizontal', 'vertical', 'back', 'cross'];
const number = new Intl.NumberFormat('tr-TR', { maximumFractionDigits: 1 });

function format(value, spec) {
  if (value === null || value === undefined) return '—';
  if (spec.percent) return '%' + number.format(value);
  return number.format(value) + (spec.unit === 'saat' ? ' sa' : '');
}

// A tile of the given fill: a light tint of the colour with lines or dots in the full colour.
function fill(kind, colour) {
  if (kind === 'solid') return colour;
  const tile = document.createElement('canvas');
  tile.width = tile.height = 8;
  const g = tile.getContext('2d');
  g.fillStyle = '#ffffff';
  g.fillRect(0, 0, 8, 8);
  g.globalAlpha = 0.3;
  g.fillStyle = colour;
  g.fillRect(0, 0, 8, 8);
  g.globalAlpha = 1;
  g.strokeStyle = colour;
  g.fillStyle = colour;
  g.lineWidth = 1.6;
  const line = (x1, y1, x2, y2) => { g.beginPath(); g.moveTo(x1, y1); g.lineTo(x2, y2); g.stroke(); };
  if (kind === 'diagonal' || kind === 'cross') { line(0, 8, 8, 0); line(-2, 2, 2, -2); line(6, 10, 10, 6); }
  if (kind === 'back' || kind === 'cross') { line(0, 0, 8, 8); line(-2, 6, 2, 10); line(6, -2, 10, 2); }
  if (kind === 'horizontal' || kind === 'grid') line(0, 4, 8, 4);
  if (kind === 'vertical' || kind === 'grid') line(4, 0, 4, 8);
  if (kind === 'dots') { g.beginPath(); g.arc(4, 4, 1.8, 0, Math.PI * 2); g.fill(); }
  return g.createPattern(tile, 'repeat');
}

function lineDataset(series, i, count, counts) {
  const colour = COLOURS[i % COLOURS.length];
  // markers name the series where lines cross (on long ranges every few points, shifted per
  // series); for counts, not on zero, where a row of markers would hide the lines
  const step = Math.max(1, Math.ceil(count / 31));
  const marked = (ctx) => ctx.raw !== null && (!counts || ctx.raw !== 0) && (ctx.dataIndex + i) % step === 0;
  return {
    label: series.label, data: series.values, borderColor: colour, backgroundColor: colour,
    borderDash: DASHES[i % DASHES.length], borderWidth: 2, pointStyle: POINTS[i % POINTS.length],
    pointRadius: (ctx) => (marked(ctx) ? 4 : 0), pointHoverRadius: 5, tension: 0, spanGaps: true,
    datalabels: { display: false },
  };
}

function barDataset(series, i) {
  const colour = COLOURS[i % COLOURS.length];
  return {
    label: series.label, data: series.values, backgroundColor: fill(FILLS[i % FILLS.length], colour),
    borderColor: colour, borderWidth: 1.5, pointStyle: 'rect', maxBarThickness: 40,
  };
}

function config(spec) {
  const horizontal = spec.kind === 'hbar';
  const line = spec.kind === 'line';
  const count = spec.labels.length;
  const counts = !spec.percent && spec.unit === 'talep';
  const datasets = spec.series.map((s, i) => (line ? lineDataset(s, i, count, counts) : barDataset(s, i)));
  const valueAxis = {
    beginAtZero: true, stacked: spec.stacked,
    ticks: { callback: (v) => format(v, spec), precision: spec.percent || spec.unit === 'saat' ? undefined : 0 },
  };
  if (spec.percent) valueAxis.max = 100;
  const categoryAxis = { stacked: spec.stacked, ticks: { autoSkip: !horizontal, maxRotation: 0 } };
  return {
    type: line ? 'line' : 'bar',
    data: { labels: spec.labels, datasets },
    options: {
      animation: false, responsive: true, maintainAspectRatio: false, indexAxis: horizontal ? 'y' : 'x',
      interaction: { mode: 'index', intersect: false, axis: horizontal ? 'y' : 'x' },
      scales: horizontal ? { x: valueAxis, y: categoryAxis } : { x: categoryAxis, y: valueAxis },
      plugins: {
        legend: { display: spec.series.length > 1, position: 'bottom', labels: { usePointStyle: true, boxHeight: 9 } },
        tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label}: ${format(ctx.parsed[horizontal ? 'x' : 'y'], spec)}` } },
        datalabels: {
          // every figure is written on its bar; a zero only where it is a rate or a time, not a count
          display: (ctx) => {
            const v = ctx.dataset.data[ctx.dataIndex];
            return v === null || v === undefined || (counts && v === 0) ? false : 'auto';
          },
          formatter: (v) => format(v, spec),
          anchor: spec.stacked ? 'center' : 'end', align: spec.stacked ? 'center' : 'end',
          clamp: true, color: '#1c2530', backgroundColor: 'rgba(255,255,255,0.85)', borderRadius: 3,
          padding: { top: 1, bottom: 1, left: 3, right: 3 }, font: { size: 11, weight: 600 },
        },
      },
      layout: { padding: { right: horizontal && !spec.stacked ? 64 : 8, top: horizontal ? 0 : 18 } },
    },
  };
}

function draw(box, spec) {
  box.hidden = false;
  if (spec.kind === 'hbar') box.style.height = `${Math.max(180, spec.labels.length * 28 + (spec.series.length > 1 ? 90 : 50))}px`;
  const chart = new window.Chart(box.querySelector('canvas'), config(spec));
  box.closest('figure').dataset.drawn = 'evet';
  return chart;
}

function start() {
  const status = document.getElementById('grafik-durumu');
  const root = document.documentElement;
  if (typeof window.Chart !== 'function') {
    root.dataset.grafik = 'yok';
    return; // the page said so already; the tables are open
  }
  if (window.ChartDataLabels) window.Chart.register(window.ChartDataLabels);
  window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  window.Chart.defaults.color = '#1c2530';
  const data = JSON.parse(document.getElementById('pano-veri').textContent);
  let failed = 0;
  for (const box of document.querySelectorAll('.chart-box[data-chart]')) {
    const spec = data[box.dataset.chart];
    if (!spec) continue;
    try {
      draw(box, spec);
    } catch (err) {
      failed += 1;
      box.hidden = true;
      box.closest('figure').querySelector('details').open = true;
      console.error('grafik çizilemedi', box.dataset.chart, err);
    }
  }
  if (failed && status) status.textContent = 'Bazı grafikler çizilemedi; rakamlar tablolarda.';
  root.dataset.grafik = failed ? 'eksik' : 'hazir';
}

start();
