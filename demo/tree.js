/* The supervision tree: a Supervisor with four GenServer workers, drawn as
 * boxes and refreshed from whichChildren() / processInfo() every 250 ms. */
import { GenServer, Supervisor, cast, exit, isAlive, register, whichChildren, processInfo } from 'fauxtp';
import { fmtReason } from './format.js';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

class Worker extends GenServer {
  init(name) {
    register(name, this.pid);
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
    this.sup = null;
    this.settings = { strategy: 'one_for_one', maxRestarts: 3, maxSeconds: 5 };
    this.cards = new Map();
    this.last = new Map(); // id -> pid key last seen
    this.restarts = new Map();
    this.down = null;
    this.busy = false;
    this.build();
  }

  build() {
    this.root.replaceChildren();
    const supBox = el('div', 'node sup');
    supBox.dataset.role = 'supervisor';
    this.supTitle = el('div', 'title', 'DemoTree');
    this.supFields = el('dl', 'fields');
    supBox.append(this.supTitle, this.supFields);
    this.banner = el('div', 'banner');
    this.banner.hidden = true;
    this.bannerText = el('span');
    this.bannerButton = el('button', 'primary', 'Restart the tree');
    this.bannerButton.type = 'button';
    this.bannerButton.addEventListener('click', () => this.restart());
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
      this.cards.set(id, { card, fields, buttons: [crash, kill, load], Class });
    }
  }

  act(id, fn) {
    const pid = this.cards.get(id).pid;
    if (pid && isAlive(pid)) Promise.resolve(fn(pid)).catch((e) => this.onStatus(`error: ${e.message}`));
  }

  async start(settings = this.settings) {
    this.settings = settings;
    const Tree = treeClass(settings.strategy, settings.maxRestarts, settings.maxSeconds);
    this.last.clear();
    this.restarts.clear();
    this.down = null;
    this.sup = await Tree.start();
    register('demo_sup', this.sup);
    this.banner.hidden = true;
    await this.refresh();
  }

  async stop() {
    const sup = this.sup;
    if (!sup) return;
    const kids = [...this.cards.values()].map((c) => c.pid).filter(Boolean);
    this.sup = null;
    if (isAlive(sup)) exit(sup, 'shutdown');
    for (let i = 0; i < 200 && (isAlive(sup) || kids.some((p) => isAlive(p))); i++) await sleep(10);
  }

  async restart(settings = this.settings) {
    await this.stop();
    await this.start(settings);
    this.onStatus(`tree restarted: ${settings.strategy}, at most ${settings.maxRestarts} restarts in ${settings.maxSeconds} s`);
  }

  /* Crashes children faster than the intensity allows: the supervisor gives
   * up, stops its children and exits. */
  async storm() {
    const sup = this.sup;
    if (!sup || !isAlive(sup)) return;
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
    if (this.busy) return;
    this.busy = true;
    try {
      await this.refreshNow();
    } finally {
      this.busy = false;
    }
  }

  async refreshNow() {
    const sup = this.sup;
    let kids = null;
    if (sup && isAlive(sup)) {
      try {
        kids = await whichChildren(sup);
      } catch {
        kids = null;
      }
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
      for (const [, c] of this.cards) {
        c.pid = null;
        c.card.classList.add('dead');
        c.card.classList.remove('flash');
        c.card.dataset.pid = '';
        c.buttons.forEach((b) => (b.disabled = true));
        fill(c.fields, [['pid', '–'], ['status', 'not running'], ['restarts', String(this.restarts.get(c.card.dataset.id) ?? 0)]]);
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
      const key = pid ? pid.key : null;
      const prev = this.last.get(id);
      if (key && prev && prev !== key) {
        this.restarts.set(id, (this.restarts.get(id) ?? 0) + 1);
        c.card.classList.remove('flash');
        void c.card.offsetWidth;
        c.card.classList.add('flash');
      }
      if (key) this.last.set(id, key);
      c.pid = pid;
      const info = pid ? processInfo(pid) : null;
      c.card.dataset.pid = pid ? String(pid) : '';
      c.card.classList.toggle('dead', !info);
      c.buttons.forEach((b) => (b.disabled = !info));
      fill(c.fields, [
        ['pid', pid ? String(pid) : '–'],
        ['name', info?.name ?? '–'],
        ['behaviour', info ? `${info.behaviour} (GenServer)` : '–'],
        ['status', info?.status ?? 'not running'],
        ['mailbox', String(info?.mailboxLength ?? 0)],
        ['restarts', String(this.restarts.get(id) ?? 0)]
      ]);
      c.card.querySelector('.fields').dataset.mailbox = String(info?.mailboxLength ?? 0);
    }
  }
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
