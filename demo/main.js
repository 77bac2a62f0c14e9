/* The demo page: wires the panels to the runtime. Only the package's
 * public API ('fauxtp', mapped to /web/index.js by the import map). */
import { init, processes, trace } from 'fauxtp';
import { TreeView } from './tree.js';
import { Ring, stats } from './ring.js';
import { setupPlayground } from './playground.js';
import { fmt, fmtReason } from './format.js';

const $ = (id) => document.getElementById(id);
const status = (text) => {
  $('status').textContent = text;
};

const t0 = performance.now();
await init();
status(`ready: WebAssembly core loaded in ${Math.round(performance.now() - t0)} ms`);

/* ---- message flow (trace) ---- */
const ring = new Ring();
const tree = new TreeView($('tree'), { onStatus: status });
const events = [];
let paused = false;
let dirty = false;
let total = 0;
const boring = (m) => {
  const s = fmt(m);
  return s.includes('which_children');
};
trace((ev) => {
  tree.onTrace(ev); // while paused too: the tree counts restarts from these
  if (ring.owns(ev)) return;
  if (paused) return;
  if (ring.starting && ev.kind === 'spawn') return;
  if ((ev.kind === 'send' || ev.kind === 'receive') && boring(ev.message)) return;
  total++;
  events.push(ev);
  if (events.length > 200) events.splice(0, events.length - 200);
  dirty = true;
});

function describe(ev) {
  switch (ev.kind) {
    case 'spawn': return `${ev.pid} spawned${ev.from ? ` (linked to ${ev.from})` : ''}`;
    case 'restart': return `${ev.pid} started by its supervisor`;
    /* From no process: the page's own send, or a signal the core turned into a message. */
    case 'send': return `${ev.from ? `${ev.from} → ` : 'outside any process → '}${ev.to}: ${fmt(ev.message)}`;
    case 'receive': return `${ev.pid} received ${fmt(ev.message)}`;
    case 'exit': return `${ev.pid} exited: ${fmtReason(ev.reason)}`;
    default: return fmt(ev);
  }
}

/* Each event's text, made once: the timeline redraws what it shows 4 times a second. */
const texts = new WeakMap();
function textOf(ev) {
  let t = texts.get(ev);
  if (t === undefined) texts.set(ev, (t = describe(ev)));
  return t;
}

function renderTimeline() {
  if (!dirty) return;
  dirty = false;
  const ol = $('timeline');
  const frag = document.createDocumentFragment();
  const shown = events.slice(-60).reverse();
  for (const ev of shown) {
    const li = document.createElement('li');
    li.className = `ev ${ev.kind}`;
    const time = document.createElement('span');
    time.className = 'time';
    time.textContent = `${(ev.time / 1000).toFixed(3)} s`;
    const kind = document.createElement('span');
    kind.className = 'kind';
    kind.textContent = ev.kind;
    const text = document.createElement('span');
    text.className = 'text';
    text.textContent = textOf(ev);
    li.append(time, kind, text);
    frag.append(li);
  }
  ol.replaceChildren(frag);
  $('trace-count').textContent = `${total} events traced`;
}

$('trace-toggle').addEventListener('click', (e) => {
  paused = !paused;
  e.currentTarget.textContent = paused ? 'Resume' : 'Pause';
  e.currentTarget.setAttribute('aria-pressed', String(paused));
});
$('trace-clear').addEventListener('click', () => {
  events.length = 0;
  total = 0;
  dirty = true;
  renderTimeline();
});

/* ---- supervision tree ---- */
/* A number field's integer within [min, max]; its default while empty. */
const intField = (id, min, max, fallback) => {
  const text = $(id).value.trim();
  const n = text === '' ? NaN : Math.trunc(Number(text)); // not `| 0`: it wraps 3000000000 to 0
  return Number.isFinite(n) ? Math.max(min, Math.min(max, n)) : fallback;
};
const settings = () => ({
  strategy: $('strategy').value,
  maxRestarts: intField('max-restarts', 0, 100, 3),
  maxSeconds: intField('max-seconds', 1, 3600, 5)
});
await tree.start(settings());
/* `settings`, not `settings()`: a queued restart reads the fields when it runs. */
$('restart-tree').addEventListener('click', () => tree.restart(settings).catch((e) => status(`error: ${e.message}`)));
$('strategy').addEventListener('change', () => tree.restart(settings).catch((e) => status(`error: ${e.message}`)));
$('storm').addEventListener('click', () => tree.storm().catch((e) => status(`error: ${e.message}`)));

/* ---- throughput ---- */
const RING_SIZE = 8;
$('ring-size').textContent = String(RING_SIZE);
const samples = [];
let lastHops = 0;
let lastT = performance.now();
const toggle = $('ring-toggle');
async function startRing() {
  await ring.start(RING_SIZE, Number($('ring-tokens').value));
  toggle.textContent = 'Stop ring';
  toggle.setAttribute('aria-pressed', 'true');
}
toggle.addEventListener('click', async () => {
  if (ring.running) {
    await ring.stop();
    toggle.textContent = 'Start ring';
    toggle.setAttribute('aria-pressed', 'false');
  } else {
    await startRing();
  }
});
$('ring-tokens').addEventListener('change', () => {
  if (ring.running) startRing();
});

function sampleRate() {
  const t = performance.now();
  const rate = ((stats.hops - lastHops) * 1000) / Math.max(1, t - lastT);
  lastHops = stats.hops;
  lastT = t;
  samples.push(rate);
  if (samples.length > 120) samples.shift();
  const recent = samples.slice(-4);
  const avg = recent.reduce((a, b) => a + b, 0) / recent.length;
  const r = $('rate');
  r.dataset.rate = String(Math.round(avg));
  r.textContent = Math.round(avg).toLocaleString('en-US');
  drawSpark();
}

function drawSpark() {
  const c = $('spark');
  const dpr = window.devicePixelRatio || 1;
  const w = c.clientWidth || 520;
  const h = c.clientHeight || 90;
  if (c.width !== Math.round(w * dpr)) {
    c.width = Math.round(w * dpr);
    c.height = Math.round(h * dpr);
  }
  const g = c.getContext('2d');
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, h);
  const max = Math.max(1000, ...samples) * 1.1;
  g.strokeStyle = '#e3e8ef';
  g.lineWidth = 1;
  g.fillStyle = '#8593a6';
  g.font = '11px system-ui, sans-serif';
  for (const f of [0.5, 1]) {
    const y = h - (h - 4) * f;
    g.beginPath();
    g.moveTo(0, y + 0.5);
    g.lineTo(w, y + 0.5);
    g.stroke();
    const k = (max * f) / 1000;
    g.fillText(`${k < 10 ? k.toFixed(1) : Math.round(k)}k`, 4, y + 12);
  }
  if (samples.length < 2) return;
  const step = w / 119;
  const x0 = w - (samples.length - 1) * step;
  g.beginPath();
  samples.forEach((s, i) => {
    const x = x0 + i * step;
    const y = h - 2 - (h - 6) * (s / max);
    if (i === 0) g.moveTo(x, y);
    else g.lineTo(x, y);
  });
  g.strokeStyle = '#2f6fdb';
  g.lineWidth = 2;
  g.stroke();
  g.lineTo(w, h);
  g.lineTo(x0, h);
  g.closePath();
  g.fillStyle = 'rgba(47, 111, 219, 0.12)';
  g.fill();
}

/* A heartbeat: the longest gap between animation frames in the last second. */
let lastFrame = performance.now();
let gaps = [];
function frame(t) {
  gaps.push([t, t - lastFrame]);
  lastFrame = t;
  gaps = gaps.filter(([at]) => t - at < 1000);
  requestAnimationFrame(frame);
}
requestAnimationFrame(frame);
setInterval(() => {
  const g = gaps.length ? Math.max(...gaps.map(([, d]) => d)) : 0;
  $('jank').textContent = gaps.length ? `${g.toFixed(0)} ms` : 'no frames (tab hidden)';
}, 1000);

/* ---- playground ---- */
await setupPlayground({
  message: $('pg-message'),
  patterns: $('pg-patterns'),
  run: $('pg-run'),
  result: $('pg-result'),
  seedButtons: [...document.querySelectorAll('[data-seed]')]
});

/* ---- the 250 ms poll ---- */
setInterval(() => {
  tree.refresh().catch((e) => status(`error: ${e.message}`));
  sampleRate();
  renderTimeline();
  $('proc-count').textContent = String(processes().length);
}, 250);

document.body.dataset.ready = 'true';
