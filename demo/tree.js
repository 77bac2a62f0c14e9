/* The supervision tree: a Supervisor with four GenServer workers, drawn as
 * boxes and refreshed from whichChildren() / processInfo() every 250 ms. */
import { GenServer, Supervisor, cast, exit, isAlive, register, whereis, whichChildren, processInfo } from 'fauxtp';
import { fmtReason } from './format.js';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/* Polls until test() holds or ms have passed; resolves with test(). */
async function until(test, ms) {
  for (const end = performance.now() + ms; !test() && performance.now() < end; ) await sleep(10);
  return test();
}

/* pid key -> worker id, noted by each worker's init: a restart's trace
 * event may come after the new worker has already died again. */
const workerIds = new Map();

class Worker extends GenServer {
  init(name) {
    register(name, this.pid);
    workerIds.set(this.pid.key, name);
    return { jobs: 0 };
  }
  handleCall(request, _from, state) {
    return [state.jobs, state];
  }
  async handleCast(request, state) {
    if (request === 'crash') throw new Error('crash requested from the page');
    if (request === 'job') {
      await sleep(40); // slow work, so the mailbox fills up visibly
      return { jobs: state.jobs + 1 };
    }
    return state;
  }
}
class Cache extends Worker {}
class Sessions extends Worker {}
class Mailer extends Worker {}
class Metrics extends Worker {}
const WORKERS = [['cache', Cache], ['sessions', Sessions], ['mailer', Mailer], ['metrics', Metrics]];

function treeClass(strategy, maxRestarts, maxSeconds) {
  return class DemoTree extends Supervisor {
    static strategy = strategy;
    static maxRestarts = maxRestarts;
    static maxSeconds = maxSeconds;
    childSpecs() {
      return WORKERS.map(([id, actor]) => ({ id, actor, args: [id], restart: 'permanent', shutdown: 'brutal_kill' }));
    }
  };
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

export class TreeView {
  constructor(root, { onStatus }) {
    this.root = root;
    this.onStatus = onStatus;
    this.sup = null; // the live tree's supervisor, kept until it is dead
    this.settings = { strategy: 'one_for_one', maxRestarts: 3, maxSeconds: 5 };
    this.cards = new Map();
    this.restarts = new Map(); // id -> restarts traced under this tree
    this.unnamed = new Set(); // pid keys of restarted workers not yet named
    this.down = null;
    this.exitReason = null;
    this.busy = false;
    /* Starts and stops one at a time: two overlapping restarts left a
     * second tree running that the page neither showed nor stopped. */
    this.ops = Promise.resolve();
    this.pending = 0;
    this.gen = 0; // changes with each operation: a poll begun before it is stale
    this.build();
  }

  build() {
    this.root.replaceChildren();
    const supBox = el('div', 'node sup');
    supBox.dataset.role = 'supervisor';
    supBox.tabIndex = -1; // where focus goes when the banner that had it hides
    this.supBox = supBox;
    this.supTitle = el('div', 'title', 'DemoTree');
    this.supFields = el('dl', 'fields');
    supBox.append(this.supTitle, this.supFields);
    this.banner = el('div', 'banner');
    this.banner.hidden = true;
    this.bannerText = el('span');
    this.bannerButton = el('button', 'primary', 'Restart the tree');
    this.bannerButton.type = 'button';
    this.bannerButton.addEventListener('click', () => this.restartFromBanner());
    this.banner.append(this.bannerText, ' ', this.bannerButton);
    this.row = el('div', 'children');
    this.root.append(supBox, this.banner, this.row);
    for (const [id, Class] of WORKERS) {
      const card = el('div', 'node worker');
      card.dataset.id = id;
      const title = el('div', 'title', id);
      const fields = el('dl', 'fields');
      const actions = el('div', 'actions');
      const mk = (label, cls, fn, aria) => {
        const b = el('button', cls, label);
        b.type = 'button';
        b.setAttribute('aria-label', `${aria} ${id}`);
        b.addEventListener('click', fn);
        actions.append(b);
        return b;
      };
      const crash = mk('Crash', 'danger crash', () => this.act(id, (pid) => cast(pid, 'crash')), 'Crash');
      const kill = mk('Kill', 'kill', () => this.act(id, (pid) => exit(pid, 'kill')), 'Kill');
      const load = mk('+20 jobs', 'load', () => this.act(id, (pid) => { for (let i = 0; i < 20; i++) cast(pid, 'job'); }), 'Send 20 jobs to');
      card.append(title, fields, actions);
      this.row.append(card);
      this.cards.set(id, { card, fields, buttons: [crash, kill, load], Class, flashed: 0 });
    }
  }

  /* aria-disabled, not disabled: a disabled button drops the keyboard
   * focus to <body> when the tree goes down under it. */
  enable(c, on) {
    const v = String(!on);
    for (const b of c.buttons) if (b.getAttribute('aria-disabled') !== v) b.setAttribute('aria-disabled', v);
  }

  live() {
    return this.sup !== null && isAlive(this.sup);
  }

  /* The worker is looked up when clicked (it registers its id): the card
   * shows the pid of the last poll, dead if it was restarted since. */
  act(id, fn) {
    const pid = whereis(id);
    if (!pid || !isAlive(pid)) {
      this.onStatus(`${id} is not running (${this.pending ? 'the tree is restarting' : this.live() ? 'its supervisor is restarting it' : 'the tree is down'})`);
      return;
    }
    Promise.resolve(fn(pid)).catch((e) => this.onStatus(`error: ${e.message}`));
  }

  /* Runs op after the operations queued before it. */
  queue(op) {
    this.pending++;
    this.gen++;
    const run = async () => {
      try {
        return await op();
      } finally {
        this.pending--;
        this.gen++;
      }
    };
    const next = this.ops.then(run, run);
    this.ops = next.catch(() => {});
    return next;
  }

  /* settings: an object, or a function read when the operation runs (a
   * restart queued behind another takes the page's settings of then). */
  resolve(settings) {
    return (typeof settings === 'function' ? settings() : settings) ?? this.settings;
  }

  start(settings = this.settings) {
    return this.queue(() => this.startNow(this.resolve(settings)));
  }

  restart(settings = this.settings) {
    return this.queue(async () => {
      const s = this.resolve(settings);
      await this.stopNow();
      await this.startNow(s);
      this.onStatus(`tree restarted: ${s.strategy}, at most ${s.maxRestarts} restarts in ${s.maxSeconds} s`);
    });
  }

  /* The banner hides once the tree is back: its button's focus goes to the tree. */
  async restartFromBanner() {
    try {
      await this.restart();
    } catch (e) {
      this.onStatus(`error: ${e.message}`);
    }
    const a = document.activeElement;
    if (this.banner.hidden && (a === null || a === document.body || this.banner.contains(a))) this.supBox.focus();
  }

  async startNow(settings) {
    this.settings = settings;
    const Tree = treeClass(settings.strategy, settings.maxRestarts, settings.maxSeconds);
    this.restarts.clear();
    this.unnamed.clear();
    for (const c of this.cards.values()) c.flashed = 0;
    workerIds.clear();
    this.down = null;
    this.exitReason = null;
    this.sup = await Tree.start();
    register('demo_sup', this.sup);
    this.banner.hidden = true;
    await this.refreshNow();
  }

  /* Stops the tree that is live, and waits until it and its workers are dead. */
  async stopNow() {
    const sup = this.sup;
    if (!sup) return;
    const kids = WORKERS.map(([id]) => whereis(id)).filter((p) => p);
    const gone = () => !isAlive(sup) && !kids.some((p) => isAlive(p));
    if (isAlive(sup)) exit(sup, 'shutdown');
    if (!(await until(gone, 2000))) {
      for (const p of [sup, ...kids]) if (isAlive(p)) exit(p, 'kill');
      await until(gone, 1000);
    }
    this.sup = null;
  }

  /* From the page's trace handler: the supervisor's exit reason, and its
   * restarts (a poll every 250 ms missed those between two polls). */
  onTrace(ev) {
    const sup = this.sup;
    if (!sup) return;
    if (ev.kind === 'exit' && ev.pid?.key === sup.key) this.exitReason = fmtReason(ev.reason);
    if (ev.kind !== 'restart' || ev.from?.key !== sup.key || !ev.pid) return;
    const id = workerIds.get(ev.pid.key) ?? workerOf(processInfo(ev.pid));
    /* Its init may not have run yet (the trace can be flushed first): the
     * next poll names it. */
    if (id === undefined) this.unnamed.add(ev.pid.key);
    else this.counted(ev.pid.key, id);
  }

  counted(key, id) {
    workerIds.delete(key);
    if (this.cards.has(id)) this.restarts.set(id, (this.restarts.get(id) ?? 0) + 1);
  }

  /* Restarts traced before their worker's init named it. */
  nameRestarts() {
    for (const key of this.unnamed) {
      const id = workerIds.get(key);
      if (id === undefined) continue;
      this.unnamed.delete(key);
      this.counted(key, id);
    }
  }

  /* Crashes children faster than the intensity allows: the supervisor gives
   * up, stops its children and exits. */
  async storm() {
    const sup = this.sup;
    if (this.pending || !sup || !isAlive(sup)) {
      this.onStatus(`crash storm: the tree is ${this.pending ? 'restarting' : 'down: restart it first'}`);
      return;
    }
    this.onStatus(`crash storm: more than ${this.settings.maxRestarts} crashes within ${this.settings.maxSeconds} s…`);
    const n = this.settings.maxRestarts + 1;
    for (let i = 0; i < n + 5 && isAlive(sup); i++) {
      let kids;
      try {
        kids = await whichChildren(sup);
      } catch {
        break;
      }
      const alive = kids.filter((k) => k.pid);
      if (alive.length) cast(alive[i % alive.length].pid, 'crash');
      await sleep(30);
    }
  }

  async refresh() {
    if (this.busy || this.pending) return; // a start or stop redraws when it is done
    this.busy = true;
    try {
      await this.refreshNow();
    } finally {
      this.busy = false;
    }
  }

  async refreshNow() {
    this.nameRestarts();
    const sup = this.sup;
    const gen = this.gen;
    let kids = null;
    if (sup && isAlive(sup)) {
      try {
        kids = await whichChildren(sup);
      } catch {
        kids = null;
      }
      if (gen !== this.gen) return; // a restart began meanwhile
    }
    const supInfo = sup && kids ? processInfo(sup) : null;
    if (!supInfo) {
      if (sup && !this.down) {
        this.down = this.exitReason ?? 'reached max restart intensity';
        this.onStatus(`the supervisor ${sup} gave up (${this.down}): the whole subtree is down`);
      }
      this.supTitle.textContent = 'DemoTree (down)';
      this.root.classList.add('down');
      fill(this.supFields, [['pid', sup ? `${sup} ✝` : '–'], ['strategy', this.settings.strategy], ['intensity', `${this.settings.maxRestarts} in ${this.settings.maxSeconds} s`]]);
      this.banner.hidden = !sup;
      this.bannerText.textContent = 'The supervisor exceeded its restart intensity and stopped with all its children.';
      for (const [id, c] of this.cards) {
        c.pid = null;
        c.card.classList.add('dead');
        c.card.classList.remove('flash');
        c.card.dataset.pid = '';
        this.enable(c, false);
        fill(c.fields, [['pid', '–'], ['status', 'not running'], ['restarts', String(this.restarts.get(id) ?? 0)]]);
      }
      return;
    }
    this.root.classList.remove('down');
    this.banner.hidden = true;
    this.supTitle.textContent = 'DemoTree';
    fill(this.supFields, [
      ['pid', String(sup)],
      ['name', supInfo.name ?? '–'],
      ['behaviour', supInfo.behaviour],
      ['strategy', this.settings.strategy],
      ['intensity', `${this.settings.maxRestarts} in ${this.settings.maxSeconds} s`],
      ['children', String(kids.length)]
    ]);
    for (const { id, pid } of kids) {
      const c = this.cards.get(id);
      if (!c) continue;
      const restarts = this.restarts.get(id) ?? 0;
      if (restarts > c.flashed) {
        c.flashed = restarts;
        c.card.classList.remove('flash');
        void c.card.offsetWidth;
        c.card.classList.add('flash');
      }
      c.pid = pid;
      const info = pid ? processInfo(pid) : null;
      c.card.dataset.pid = pid ? String(pid) : '';
      c.card.classList.toggle('dead', !info);
      this.enable(c, !!info);
      fill(c.fields, [
        ['pid', pid ? String(pid) : '–'],
        ['name', info?.name ?? '–'],
        ['behaviour', info ? `${info.behaviour} (GenServer)` : '–'],
        ['status', info?.status ?? 'not running'],
        ['mailbox', String(info?.mailboxLength ?? 0)],
        ['restarts', String(restarts)]
      ]);
      c.card.querySelector('.fields').dataset.mailbox = String(info?.mailboxLength ?? 0);
    }
  }
}

/* A worker's id from its process info: each worker has a class of its own. */
function workerOf(info) {
  return info ? WORKERS.find(([, Class]) => Class.name === info.behaviour)?.[0] : undefined;
}

function fill(dl, rows) {
  if (dl.children.length !== rows.length * 2) {
    dl.replaceChildren();
    for (const [k] of rows) {
      const dt = el('dt', '', k);
      const dd = el('dd');
      dd.dataset.field = k;
      dl.append(dt, dd);
    }
  }
  rows.forEach(([k, v], i) => {
    const dt = dl.children[i * 2];
    const dd = dl.children[i * 2 + 1];
    if (dt.textContent !== k) dt.textContent = k;
    if (dd.textContent !== v) dd.textContent = v;
    dd.dataset.field = k;
  });
}

export { fmtReason };
